"""A BMI-160 at register level: chip id, command register (soft reset, power modes), configuration registers,
error and PMU status, data-ready bits, little-endian data registers, sensor time and temperature."""
from __future__ import annotations

import errno
import math
import struct
from collections.abc import Callable

import numpy as np

from hal.board import bmi160 as reg

Reading = Callable[[float], tuple[tuple[float, float, float], tuple[float, float, float]]]


def at_rest(t_s: float) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """Gyro (rad/s, a small bias) and specific force (m/s^2) of a level vehicle at rest on Mars, body z down,
    with the sensor's noise (seeded by the sample's time: the same time reads the same)."""
    n = np.random.default_rng(round(t_s * 1e6)).normal(0.0, 1.0, 6)
    return (0.001 + 0.0017 * n[0], -0.002 + 0.0017 * n[1], 0.0005 + 0.0017 * n[2]), \
        (0.02 * n[3], 0.02 * n[4], -3.71 + 0.02 * n[5])


class EmulatedBmi160:
    def __init__(self, clock_s: Callable[[], float], reading: Reading = at_rest, address: int = 0x68,
                 chip_id: int = reg.CHIP_ID) -> None:
        self.clock_s = clock_s
        self.reading = reading
        self.address = address
        self.chip_id = chip_id
        self.fail_next = 0  # I/O errors to raise (EIO), for tests
        self._reset()

    def _reset(self) -> None:
        self.regs = {reg.REG_ACC_CONF: 0x28, reg.REG_ACC_RANGE: 0x03, reg.REG_GYR_CONF: 0x28,
                     reg.REG_GYR_RANGE: 0x00, reg.REG_ERR: 0x00}
        self.acc_on = self.gyr_on = False
        self._last_read_sample = -1

    # --- the bus ----------------------------------------------------------------------------------------
    def read_byte_data(self, address: int, register: int) -> int:
        return self.read_i2c_block_data(address, register, 1)[0]

    def write_byte_data(self, address: int, register: int, value: int) -> None:
        self._check(address)
        if register == reg.REG_CMD:
            self._command(value)
        elif register in (reg.REG_ACC_CONF, reg.REG_ACC_RANGE, reg.REG_GYR_CONF, reg.REG_GYR_RANGE):
            self.regs[register] = value & 0xFF
            if register == reg.REG_ACC_RANGE and value not in reg.ACC_RANGE_CODE.values():
                self.regs[reg.REG_ERR] |= 0x40  # drop_cmd_err: an invalid setting
        else:
            self._fail(errno.EIO)  # a read-only or reserved register: the chip NACKs

    def read_i2c_block_data(self, address: int, register: int, length: int) -> list[int]:
        self._check(address)
        data = self._data() if register < reg.REG_DATA + 15 and register + length > reg.REG_DATA else b""
        if register == reg.REG_DATA and length <= 15:  # the driver's burst: the data registers as they are
            return list(data[:length])
        return [self._byte(register + i, data) for i in range(length)]

    def close(self) -> None:
        pass

    # --- the chip ----------------------------------------------------------------------------------------
    def _check(self, address: int) -> None:
        if address != self.address:
            self._fail(errno.ENXIO)  # nobody acknowledges that address
        if self.fail_next:
            self.fail_next -= 1
            self._fail(errno.EIO)

    @staticmethod
    def _fail(code: int) -> None:
        raise OSError(code, "emulated I2C error")

    def _command(self, value: int) -> None:
        if value == reg.CMD_SOFT_RESET:
            self._reset()
        elif value == reg.CMD_ACC_NORMAL:
            self.acc_on = True
        elif value == reg.CMD_GYR_NORMAL:
            self.gyr_on = True

    def _odr_hz(self) -> float:
        return 25.0 * 2 ** ((self.regs[reg.REG_ACC_CONF] & 0x0F) - 6)

    def _sample_index(self) -> int:
        return int(self.clock_s() * self._odr_hz())

    def _byte(self, r: int, data: bytes) -> int:
        if r == reg.REG_CHIP_ID:
            return self.chip_id
        if r == reg.REG_PMU_STATUS:
            return (0x10 if self.acc_on else 0) | (0x04 if self.gyr_on else 0)
        if r == reg.REG_STATUS:
            ready = self.acc_on and self.gyr_on and self._sample_index() > self._last_read_sample
            return (reg.STATUS_DRDY_ACC | reg.STATUS_DRDY_GYR) if ready else 0
        if reg.REG_DATA <= r < reg.REG_DATA + 15:
            return data[r - reg.REG_DATA]  # one sample for the whole burst, as the chip's shadowing does
        if r in (reg.REG_TEMPERATURE, reg.REG_TEMPERATURE + 1):
            return struct.pack("<h", 2 * 512)[r - reg.REG_TEMPERATURE]  # 25 C
        return self.regs.get(r, 0)

    def _data(self) -> bytes:
        """The data registers of the newest sample (reading them clears data-ready)."""
        index = self._sample_index()
        self._last_read_sample = index
        return self._pack(index / self._odr_hz())

    def _pack(self, t: float) -> bytes:
        """The data registers (gyro, accel, sensor time) of the sample `reading` gives for time `t`."""
        gyro, accel = self.reading(t)
        gyr_range = _GYR_RANGE_DPS[self.regs[reg.REG_GYR_RANGE]]
        acc_range = _ACC_RANGE_G[self.regs[reg.REG_ACC_RANGE]]
        g = [_lsb(w / (math.radians(gyr_range) / 32768.0)) for w in gyro]
        a = [_lsb(f / (acc_range * reg.STANDARD_G / 32768.0)) for f in accel]
        sensortime = round(t / reg.SENSORTIME_TICK_S) % (1 << 24)
        return struct.pack("<6h", *g, *a) + sensortime.to_bytes(3, "little")


_GYR_RANGE_DPS = {code: dps for dps, code in reg.GYR_RANGE_CODE.items()}  # a range register's value -> its range
_ACC_RANGE_G = {code: g for g, code in reg.ACC_RANGE_CODE.items()}


def _lsb(x: float) -> int:
    return max(-32768, min(32767, round(x)))
