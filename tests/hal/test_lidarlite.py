"""The LIDAR-Lite v3 driver against the register-level emulator."""
from __future__ import annotations

import pytest

from hal.board.config import AltimeterConfig
from hal.board.emulated.lidarlite import EmulatedLidarLite
from hal.board.lidarlite import CMD_MEASURE, CMD_MEASURE_BIAS, LidarLiteV3
from hal.device import DeviceError
from tests.hal.test_bmi160 import Clock


def run(chip: EmulatedLidarLite, clock: Clock, seconds: float, **cfg):
    lidar = LidarLiteV3(lambda: chip, AltimeterConfig(**cfg), clock.ns, clock.sleep)
    lidar.open()
    out = []
    for _ in range(round(seconds / 0.002)):
        clock.sleep(0.002)
        out += lidar.read()
    return lidar, out


def test_ranges_at_fifty_hertz_with_bias_correction_every_hundredth() -> None:
    clock = Clock()
    chip = EmulatedLidarLite(clock.s, lambda t: 5.0 + t)
    lidar, out = run(chip, clock, 4.0)
    assert 195 <= len(out) <= 201 and all(s.valid for s in out)
    assert out[10].range_m == pytest.approx(5.0 + out[10].t_ns / 1e9, abs=0.03)
    assert lidar.unit_id == 0x4C17
    measures = [c for c in chip.commands if c != 0]
    assert measures[0] == CMD_MEASURE_BIAS and measures[1:100].count(CMD_MEASURE) == 99 and measures[100] == CMD_MEASURE_BIAS


def test_out_of_range_and_no_return_are_invalid() -> None:
    clock = Clock()
    _, out = run(EmulatedLidarLite(clock.s, lambda t: 0.13 if t < 1 else 60.0), clock, 2.0)
    assert all(not s.valid for s in out)
    assert out[0].range_m == pytest.approx(0.13) and out[-1].range_m == pytest.approx(0.01)


def test_a_stuck_chip_times_out_and_an_unhealthy_one_is_refused() -> None:
    clock = Clock()
    chip = EmulatedLidarLite(clock.s)
    chip.stuck_busy = True
    with pytest.raises(DeviceError, match=r"altimeter \(/dev/i2c-1 0x62\): still busy after 40 ms"):
        run(chip, clock, 0.1)
    with pytest.raises(DeviceError, match="unhealthy"):
        run(EmulatedLidarLite(clock.s, healthy=False), clock, 0.1)
    with pytest.raises(DeviceError, match="I2C"):
        run(EmulatedLidarLite(clock.s, address=0x10), clock, 0.1)
