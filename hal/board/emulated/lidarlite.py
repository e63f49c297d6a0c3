"""A LIDAR-Lite v3 at register level: acquisition command, busy/invalid/health status bits, the distance
registers (cm, big-endian, auto-increment with bit 7 of the register address) and the unit id."""
from __future__ import annotations

import errno
from collections.abc import Callable

from hal.board import lidarlite as reg


class EmulatedLidarLite:
    def __init__(self, clock_s: Callable[[], float], range_m: Callable[[float], float] = lambda t: 0.13,
                 address: int = 0x62, acquisition_s: float = 0.008, healthy: bool = True) -> None:
        self.clock_s = clock_s
        self.range_m = range_m
        self.address = address
        self.acquisition_s = acquisition_s
        self.healthy = healthy
        self.fail_next = 0
        self.stuck_busy = False
        self.commands: list[int] = []
        self._started: float | None = None
        self._result = (1, True)  # (cm, invalid)

    def read_byte_data(self, address: int, register: int) -> int:
        return self.read_i2c_block_data(address, register, 1)[0]

    def write_byte_data(self, address: int, register: int, value: int) -> None:
        self._check(address)
        if register != reg.REG_ACQ_COMMAND:
            raise OSError(errno.EIO, "emulated NACK")
        self.commands.append(value)
        if value in (reg.CMD_MEASURE, reg.CMD_MEASURE_BIAS):
            self._started = self.clock_s()

    def read_i2c_block_data(self, address: int, register: int, length: int) -> list[int]:
        self._check(address)
        if length > 1 and not register & 0x80:
            raise OSError(errno.EIO, "emulated: multi-byte reads need bit 7 set (auto-increment)")
        return [self._byte((register & 0x7F) + i) for i in range(length)]

    def close(self) -> None:
        pass

    def _check(self, address: int) -> None:
        if address != self.address:
            raise OSError(errno.ENXIO, "no device at that address")
        if self.fail_next:
            self.fail_next -= 1
            raise OSError(errno.EIO, "emulated I2C error")

    def _busy(self) -> bool:
        if self._started is None:
            return False
        if self.stuck_busy or self.clock_s() - self._started < self.acquisition_s:
            return True
        r = self.range_m(self._started)
        self._result = (1, True) if not 0.05 <= r <= 40.0 else (round(r * 100), False)  # no return: 1 cm
        self._started = None
        return False

    def _byte(self, r: int) -> int:
        if r == reg.REG_STATUS:
            busy = self._busy()
            return (reg.STATUS_BUSY if busy else 0) | (reg.STATUS_INVALID if self._result[1] else 0) \
                | (reg.STATUS_HEALTH if self.healthy else 0)
        if r == 0x0F:
            return self._result[0] >> 8 & 0xFF
        if r == 0x10:
            return self._result[0] & 0xFF
        if r == 0x16:
            return 0x4C
        if r == 0x17:
            return 0x17
        return 0
