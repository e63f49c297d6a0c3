"""The buses the drivers talk through, as smbus2 and spidev shape them; opening a real one names the device.

The drivers only use these methods, so a register-level chip emulator (hal/board/emulated/) can stand behind
the same calls in tests and in `ginny board --check --emulate`.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Protocol

from hal.device import DeviceError


class I2CBus(Protocol):
    def read_byte_data(self, address: int, register: int) -> int: ...
    def write_byte_data(self, address: int, register: int, value: int) -> None: ...
    def read_i2c_block_data(self, address: int, register: int, length: int) -> list[int]: ...
    def close(self) -> None: ...


class SpiBus(Protocol):
    def xfer2(self, data: list[int]) -> list[int]: ...
    def close(self) -> None: ...


def open_i2c(path: str, device: str) -> I2CBus:
    """`/dev/i2c-N` through smbus2 (imported only on the board)."""
    m = re.fullmatch(r"/dev/i2c-(\d+)", path)
    if m is None:
        raise DeviceError(device, path, "not an I2C bus device (expected /dev/i2c-N)")
    try:
        from smbus2 import SMBus
    except ImportError:
        raise DeviceError(device, path, "smbus2 is not installed (pip install ginny[board])") from None
    try:
        return SMBus(int(m.group(1)))
    except OSError as exc:
        raise DeviceError(device, path, f"cannot open: {exc.strerror or exc}") from None


def open_spi(path: str, device: str, speed_hz: int, mode: int = 0) -> SpiBus:
    """`/dev/spidevB.C` through spidev (imported only on the board)."""
    m = re.fullmatch(r"/dev/spidev(\d+)\.(\d+)", path)
    if m is None:
        raise DeviceError(device, path, "not an SPI device (expected /dev/spidevB.C)")
    try:
        import spidev
    except ImportError:
        raise DeviceError(device, path, "spidev is not installed (pip install ginny[board])") from None
    spi = spidev.SpiDev()
    try:
        spi.open(int(m.group(1)), int(m.group(2)))
    except OSError as exc:
        raise DeviceError(device, path, f"cannot open: {exc.strerror or exc}") from None
    spi.max_speed_hz = speed_hz
    spi.mode = mode
    return spi


class RegisterDevice:
    """A chip on an I2C bus at one address: register reads and writes whose failures name the device, its
    bus and address, and are counted (`errors`)."""

    name = "device"

    def __init__(self, bus_factory: Callable[[], I2CBus], bus_path: str, address: int) -> None:
        self.bus_factory = bus_factory
        self.address = address
        self.where = f"{bus_path} 0x{address:02x}"
        self.bus: I2CBus | None = None
        self.errors = 0

    def close(self) -> None:
        if self.bus is not None:
            self.bus.close()
            self.bus = None

    def _read(self, reg: int) -> int:
        return self._io(lambda: self.bus.read_byte_data(self.address, reg), f"read 0x{reg:02x}")

    def _block(self, reg: int, n: int) -> list[int]:
        return self._io(lambda: self.bus.read_i2c_block_data(self.address, reg, n), f"read 0x{reg:02x}")

    def _write(self, reg: int, value: int) -> None:
        self._io(lambda: self.bus.write_byte_data(self.address, reg, value), f"write 0x{reg:02x}")

    def _on_error(self) -> None:
        """After a failed transfer (a driver may start its cycle afresh)."""

    def _io(self, fn: Callable[[], Any], what: str) -> Any:
        if self.bus is None:
            raise DeviceError(self.name, self.where, "not open")
        try:
            return fn()
        except OSError as exc:
            self.errors += 1
            self._on_error()
            raise DeviceError(self.name, self.where, f"I2C {what}: {exc.strerror or exc}") from None
