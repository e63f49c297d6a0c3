"""Control process: owns the IMU, altimeter, inclinometer and actuators, and publishes sensor data."""
from __future__ import annotations

from fsw.clock import NS_PER_MS
from fsw.runtime.node import FlightProcess

_SENSOR_PERIOD_NS = 2 * NS_PER_MS  # 500 Hz, the IMU rate


class ControlProcess(FlightProcess):
    def setup(self) -> None:
        backend = self.ctx.backend
        self.devices = [backend.imu(), backend.altimeter(), backend.inclinometer(), backend.actuators()]
        self.imu, self.altimeter, self.inclinometer, self.actuators = self.devices
        for device in self.devices:
            device.open()
        self.samples = {"imu": 0, "altimeter": 0}
        self.timers.every(_SENSOR_PERIOD_NS, self._read_sensors)

    def teardown(self) -> None:
        for device in getattr(self, "devices", []):
            device.close()

    def _read_sensors(self) -> None:
        for sample in self.imu.read():
            self.publish("imu", sample)
            self.samples["imu"] += 1
        for sample in self.altimeter.read():
            self.publish("altimeter", sample)
            self.samples["altimeter"] += 1
        tilt = self.inclinometer.read()
        if tilt is not None:
            self.publish("inclinometer", tilt)

    def telemetry(self) -> dict:
        return {f"{k}_samples": v for k, v in self.samples.items()}
