"""Register-level emulators of the board's chips, behind the same bus calls as smbus2, spidev and a serial
port: what the drivers are tested against, and what `ginny board --check --emulate` probes."""
