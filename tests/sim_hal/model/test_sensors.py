"""Sensor models: noise statistics match the config, ranges, saturation, inclinometer geometry."""
from __future__ import annotations

import math

import numpy as np
import pytest

from fsw.config.sensors import load_sensors
from sim_hal.model import mathx as mx
from sim_hal.model.dynamics import State
from sim_hal.model.sensors import AltimeterModel, ImuModel, InclinometerModel

S = load_sensors()
FLAT = lambda n, e: 0.0  # noqa: E731


def test_imu_noise_statistics_match_config() -> None:
    imu = ImuModel(S.imu, seed=4)
    samples = [imu.sample(i, (0.1, -0.2, 0.3), (0.0, 0.0, -3.71)) for i in range(20_000)]
    gyro = np.array([s.gyro_radps for s in samples])
    accel = np.array([s.accel_mps2 for s in samples])
    # white noise: the spread of consecutive differences is sqrt(2) sigma, whatever the slow bias does
    assert np.diff(gyro, axis=0).std(axis=0) / math.sqrt(2) == pytest.approx([S.imu.gyro_noise_radps] * 3, rel=0.05)
    assert np.diff(accel, axis=0).std(axis=0) / math.sqrt(2) == pytest.approx([S.imu.accel_noise_mps2] * 3, rel=0.05)
    # the mean is the truth plus the turn-on bias (plus its slow walk)
    walk = S.imu.gyro_random_walk_radps_per_sqrt_s * math.sqrt(40.0) * 4
    assert gyro.mean(axis=0) - (0.1, -0.2, 0.3) == pytest.approx(imu.gyro_bias, abs=walk + 1e-4)


def test_imu_turn_on_bias_spread_matches_config() -> None:
    biases = np.array([ImuModel(S.imu, seed=s).gyro_bias for s in range(400)])
    assert biases.std() == pytest.approx(S.imu.gyro_bias_radps, rel=0.1)


def test_imu_saturates_and_is_reproducible() -> None:
    a, b = ImuModel(S.imu, seed=9), ImuModel(S.imu, seed=9)
    sa = a.sample(0, (100.0, 0.0, 0.0), (0.0, 0.0, -500.0))
    assert sa.gyro_radps[0] == S.imu.gyro_range_radps and sa.accel_mps2[2] == -S.imu.accel_range_mps2
    assert b.sample(0, (100.0, 0.0, 0.0), (0.0, 0.0, -500.0)) == sa
    assert ImuModel(S.imu, seed=10).sample(0, (0.0,) * 3, (0.0,) * 3) != ImuModel(S.imu, seed=9).sample(
        0, (0.0,) * 3, (0.0,) * 3)


def state(alt: float, roll_deg: float = 0.0) -> State:
    return State((0.0, 0.0, -alt), (0.0, 0.0, 0.0), mx.q_from_euler(math.radians(roll_deg), 0.0, 0.0),
                 (0.0, 0.0, 0.0))


def test_altimeter_range_noise_and_limits() -> None:
    alt = AltimeterModel(S.altimeter, seed=2)
    readings = np.array([alt.sample(i, state(10.0), FLAT).range_m for i in range(5000)])
    assert readings.mean() == pytest.approx(10.0, abs=0.002)
    assert readings.std() == pytest.approx(S.altimeter.noise_std_m, rel=0.05)
    tilted = [alt.sample(0, state(10.0, 30.0), FLAT).range_m for _ in range(200)]
    assert np.mean(tilted) == pytest.approx(10.0 / math.cos(math.radians(30)), abs=0.005)  # slant range
    assert not alt.sample(0, state(0.1), FLAT).valid
    assert not alt.sample(0, state(45.0), FLAT).valid
    assert alt.sample(0, state(39.0), FLAT).valid
    assert not alt.sample(0, state(5.0, 95.0), FLAT).valid  # looking at the sky


def test_altimeter_follows_terrain() -> None:
    alt = AltimeterModel(S.altimeter, seed=2)
    hill = lambda n, e: 2.0 + 0.1 * n  # noqa: E731
    got = np.mean([alt.sample(0, state(10.0), hill).range_m for _ in range(500)])
    assert got == pytest.approx(8.0, abs=0.01)


def test_inclinometer_reads_tilt_at_rest() -> None:
    inc = InclinometerModel(S.inclinometer, seed=1)
    q = mx.q_from_euler(math.radians(4.0), math.radians(-3.0), 1.0)
    f_body = mx.rotate_inv(q, (0.0, 0.0, -3.71))
    readings = [inc.sample(0, f_body) for _ in range(2000)]
    assert np.mean([r.roll_rad for r in readings]) == pytest.approx(math.radians(4.0), abs=1e-4)
    assert np.mean([r.pitch_rad for r in readings]) == pytest.approx(math.radians(-3.0), abs=1e-4)
    assert np.std([r.roll_rad for r in readings]) == pytest.approx(S.inclinometer.noise_std_rad, rel=0.1)
    assert not inc.sample(0, (0.0, 0.0, 0.0)).valid
