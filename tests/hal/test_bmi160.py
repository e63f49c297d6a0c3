"""The BMI-160 driver against the register-level emulator."""
from __future__ import annotations

import math

import pytest

from hal.board.bmi160 import Bmi160, odr_code
from hal.board.config import ImuConfig
from hal.board.emulated.bmi160 import EmulatedBmi160
from hal.device import DeviceError


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def s(self) -> float:
        return self.t

    def ns(self) -> int:
        return round(self.t * 1e9)

    def sleep(self, dt: float) -> None:
        self.t += dt


def driver(chip: EmulatedBmi160, clock: Clock, **cfg) -> Bmi160:
    return Bmi160(lambda: chip, ImuConfig(**cfg), clock.ns, clock.sleep)


def test_odr_codes_follow_the_datasheet() -> None:
    assert [odr_code(hz) for hz in (25, 100, 800, 1600)] == [6, 8, 11, 12]


def test_open_configures_the_chip_and_reads_si_units() -> None:
    clock = Clock()
    motion = lambda t: ((0.5, -0.25, 1.0), (1.0, -2.0, -3.71))
    chip = EmulatedBmi160(clock.s, motion)
    imu = driver(chip, clock, gyro_range_dps=500, accel_range_g=2)
    imu.open()
    assert chip.acc_on and chip.gyr_on and chip.regs[0x40] == 0x2B and chip.regs[0x43] == 0x02
    clock.sleep(0.002)
    [s] = imu.read()
    assert s.gyro_radps == pytest.approx((0.5, -0.25, 1.0), abs=math.radians(500) / 32768)
    assert s.accel_mps2 == pytest.approx((1.0, -2.0, -3.71), abs=2 * 9.80665 / 32768)
    assert s.temperature_c == pytest.approx(25.0) and s.t_ns == clock.ns()
    assert imu.read() == []  # nothing new yet: data-ready is clear


def test_samples_the_chip_made_between_reads_are_counted() -> None:
    clock = Clock()
    imu = driver(EmulatedBmi160(clock.s), clock, odr_hz=800)
    imu.open()
    for _ in range(100):
        clock.sleep(0.002)  # read at 500 Hz: the newest of the 800 Hz samples each time
        assert len(imu.read()) == 1
    assert imu.samples == 100 and 55 <= imu.skipped <= 65


def test_a_wrong_chip_an_absent_one_and_an_i2c_error_are_named() -> None:
    clock = Clock()
    with pytest.raises(DeviceError, match=r"imu \(/dev/i2c-1 0x68\): chip id 0x00, not a BMI-160"):
        driver(EmulatedBmi160(clock.s, chip_id=0x00), clock).open()
    with pytest.raises(DeviceError, match="I2C read 0x00"):
        driver(EmulatedBmi160(clock.s, address=0x69), clock).open()
    chip = EmulatedBmi160(clock.s)
    imu = driver(chip, clock)
    imu.open()
    chip.fail_next = 1
    clock.sleep(0.01)
    with pytest.raises(DeviceError, match="I2C read 0x1b"):
        imu.read()
    assert imu.errors == 1 and len(imu.read()) == 1  # the next read works
