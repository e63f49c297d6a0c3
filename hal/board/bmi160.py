"""Bosch BMI-160 IMU over I2C: a register-level driver (datasheet BST-BMI160-DS000).

Open: check the chip id (0xD1), soft-reset, power the accelerometer and gyroscope to normal mode through the
command register, set output data rate and range, and check the error register. Read: when the status register
says new data is ready, one burst read of the gyro and accel data registers and the sensor time (15 bytes from
0x0C), converted to SI (rad/s, m/s^2) and turned into the body's axes (`body_from_chip`: how the chip is
mounted). The sample's time is the driver's monotonic clock at the read; the chip's 24-bit sensor time
(39.0625 us ticks) counts the samples the chip made in between that were not read (`skipped`: the chip runs
faster than the 500 Hz control loop reads it, which takes the newest).
"""
from __future__ import annotations

import math
import struct
from collections.abc import Callable

from fsw.bus.messages import ImuSample
from hal.board.buses import I2CBus, RegisterDevice
from hal.board.config import ImuConfig
from hal.device import DeviceError

CHIP_ID = 0xD1
REG_CHIP_ID, REG_ERR, REG_PMU_STATUS, REG_DATA, REG_STATUS = 0x00, 0x02, 0x03, 0x0C, 0x1B
REG_TEMPERATURE = 0x20
REG_ACC_CONF, REG_ACC_RANGE, REG_GYR_CONF, REG_GYR_RANGE, REG_CMD = 0x40, 0x41, 0x42, 0x43, 0x7E
CMD_SOFT_RESET, CMD_ACC_NORMAL, CMD_GYR_NORMAL = 0xB6, 0x11, 0x15
STATUS_DRDY_ACC, STATUS_DRDY_GYR = 0x80, 0x40
ACC_RANGE_CODE = {2: 0x03, 4: 0x05, 8: 0x08, 16: 0x0C}
GYR_RANGE_CODE = {2000: 0x00, 1000: 0x01, 500: 0x02, 250: 0x03, 125: 0x04}
SENSORTIME_TICK_S = 39.0625e-6
STANDARD_G = 9.80665  # the accelerometer's LSB/g is Earth's g, wherever it flies


def odr_code(hz: float) -> int:
    """ODR field: 25/32 Hz * 2^(code-1): 25 Hz is 6, 800 Hz is 11, 1600 Hz is 12."""
    return 6 + round(math.log2(hz / 25.0))


class Bmi160(RegisterDevice):
    name = "imu"

    def __init__(self, bus_factory: Callable[[], I2CBus], cfg: ImuConfig, clock_ns: Callable[[], int],
                 delay: Callable[[float], None]) -> None:
        super().__init__(bus_factory, cfg.bus, cfg.address)
        self.cfg = cfg
        self.clock_ns = clock_ns
        self.delay = delay
        self.rate_hz = cfg.odr_hz
        self.gyro_scale = math.radians(cfg.gyro_range_dps) / 32768.0
        self.accel_scale = cfg.accel_range_g * STANDARD_G / 32768.0
        self._last_time: int | None = None
        self.samples = 0
        self.skipped = 0

    def open(self) -> None:
        self.bus = self.bus_factory()
        chip = self._read(REG_CHIP_ID)
        if chip != CHIP_ID:
            raise DeviceError(self.name, self.where, f"chip id 0x{chip:02x}, not a BMI-160 (0x{CHIP_ID:02x})")
        self._write(REG_CMD, CMD_SOFT_RESET)
        self.delay(0.001)
        self._write(REG_CMD, CMD_ACC_NORMAL)
        self.delay(0.004)
        self._write(REG_CMD, CMD_GYR_NORMAL)
        self.delay(0.081)  # gyro start-up time
        self._write(REG_ACC_CONF, 0x20 | odr_code(self.cfg.odr_hz))  # normal filter mode
        self._write(REG_ACC_RANGE, ACC_RANGE_CODE[self.cfg.accel_range_g])
        self._write(REG_GYR_CONF, 0x20 | odr_code(self.cfg.odr_hz))
        self._write(REG_GYR_RANGE, GYR_RANGE_CODE[self.cfg.gyro_range_dps])
        err = self._read(REG_ERR)
        if err & 0x41:  # fatal_err, or drop_cmd_err... any configuration the chip refused
            raise DeviceError(self.name, self.where, f"error register 0x{err:02x} after configuration")
        pmu = self._read(REG_PMU_STATUS)
        if (pmu >> 4) & 0x3 != 0x1 or (pmu >> 2) & 0x3 != 0x1:
            raise DeviceError(self.name, self.where, f"accel/gyro not in normal mode (PMU_STATUS 0x{pmu:02x})")

    def read(self) -> list[ImuSample]:
        """The newest sample when the chip has one ready (else nothing)."""
        status = self._read(REG_STATUS)
        if status & (STATUS_DRDY_ACC | STATUS_DRDY_GYR) != (STATUS_DRDY_ACC | STATUS_DRDY_GYR):
            return []
        raw = bytes(self._block(REG_DATA, 15))
        gx, gy, gz, ax, ay, az = struct.unpack_from("<6h", raw)
        sensortime = int.from_bytes(raw[12:15], "little")
        self._count(sensortime)
        temp_c = 23.0 + struct.unpack("<h", bytes(self._block(REG_TEMPERATURE, 2)))[0] / 512.0
        gyro = self._to_body((gx * self.gyro_scale, gy * self.gyro_scale, gz * self.gyro_scale))
        accel = self._to_body((ax * self.accel_scale, ay * self.accel_scale, az * self.accel_scale))
        return [ImuSample(self.clock_ns(), gyro, accel, temp_c)]

    def _to_body(self, v: tuple[float, float, float]) -> tuple[float, float, float]:
        """A chip-axes vector in the body's axes, as the board config says the chip is mounted."""
        m = self.cfg.body_from_chip
        return tuple(m[i][0] * v[0] + m[i][1] * v[1] + m[i][2] * v[2] for i in range(3))

    def _count(self, sensortime: int) -> None:
        """Samples the chip made since the last read that were never read (sensor time wraps at 2^24)."""
        self.samples += 1
        if self._last_time is not None:
            elapsed_s = ((sensortime - self._last_time) % (1 << 24)) * SENSORTIME_TICK_S
            self.skipped += max(0, round(elapsed_s * self.cfg.odr_hz) - 1)
        self._last_time = sensortime
