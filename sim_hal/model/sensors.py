"""Sensor models (pure): IMU (bias, noise, random walk, saturation), laser altimeter, inclinometer.

Each model draws its noise from its own seeded generator, in blocks, so a run is reproducible and cheap.
"""
from __future__ import annotations

import math

import numpy as np

from fsw.bus.messages import AltimeterSample, ImuSample, InclinometerSample
from fsw.config.sensors import AltimeterConfig, ImuConfig, InclinometerConfig
from sim_hal.model import mathx as mx
from sim_hal.model.dynamics import State
from sim_hal.model.mathx import Vec

_BLOCK = 4096


class NoiseSource:
    """Standard normal numbers from a seeded generator, handed out in fixed-size blocks."""

    def __init__(self, seed: int, salt: int, width: int) -> None:
        self._rng = np.random.default_rng([seed, salt])
        self._width = width
        self._block: list[list[float]] = []
        self._i = 0

    def next(self) -> list[float]:
        """The next row of `width` numbers, as plain floats (the models' arithmetic on them runs at 500 Hz)."""
        if self._i >= len(self._block):
            self._block = self._rng.standard_normal((_BLOCK, self._width)).tolist()
            self._i = 0
        row = self._block[self._i]
        self._i += 1
        return row


class ImuModel:
    def __init__(self, cfg: ImuConfig, seed: int) -> None:
        self.cfg = cfg
        self.dt_s = 1.0 / cfg.rate_hz
        turn_on = np.random.default_rng([seed, 11]).standard_normal(6)
        self.gyro_bias = tuple(float(b) * cfg.gyro_bias_radps for b in turn_on[:3])
        self.accel_bias = tuple(float(b) * cfg.accel_bias_mps2 for b in turn_on[3:])
        self._noise = NoiseSource(seed, 12, 12)
        self.temperature_c = 20.0

    def sample(self, t_ns: int, omega_body: Vec, specific_force_body: Vec) -> ImuSample:
        c, n = self.cfg, self._noise.next()
        sq = math.sqrt(self.dt_s)
        gw, aw = c.gyro_random_walk_radps_per_sqrt_s * sq, c.accel_random_walk_mps2_per_sqrt_s * sq
        gb, ab = self.gyro_bias, self.accel_bias
        gb = self.gyro_bias = (gb[0] + gw * n[6], gb[1] + gw * n[7], gb[2] + gw * n[8])
        ab = self.accel_bias = (ab[0] + aw * n[9], ab[1] + aw * n[10], ab[2] + aw * n[11])
        w, f, gn, an = omega_body, specific_force_body, c.gyro_noise_radps, c.accel_noise_mps2
        gr, ar = c.gyro_range_radps, c.accel_range_mps2
        gyro = (_clip(w[0] + gb[0] + gn * n[0], gr), _clip(w[1] + gb[1] + gn * n[1], gr),
                _clip(w[2] + gb[2] + gn * n[2], gr))
        accel = (_clip(f[0] + ab[0] + an * n[3], ar), _clip(f[1] + ab[1] + an * n[4], ar),
                 _clip(f[2] + ab[2] + an * n[5], ar))
        return ImuSample(t_ns, gyro, accel, self.temperature_c)


def _clip(v: float, limit: float) -> float:
    return -limit if v < -limit else limit if v > limit else float(v)


class AltimeterModel:
    """Range along the body's down axis to the terrain; invalid outside the sensor's range."""

    def __init__(self, cfg: AltimeterConfig, seed: int) -> None:
        self.cfg = cfg
        self._noise = NoiseSource(seed, 21, 1)

    def sample(self, t_ns: int, state: State, ground_height) -> AltimeterSample:
        noise = self._noise.next()[0] * self.cfg.noise_std_m
        true_range = slant_range(state, ground_height)
        if true_range is None:
            return AltimeterSample(t_ns, 0.0, False)
        measured = true_range + noise
        valid = self.cfg.min_range_m <= measured <= self.cfg.max_range_m
        return AltimeterSample(t_ns, measured if valid else 0.0, valid)


def slant_range(state: State, ground_height, iterations: int = 5) -> float | None:
    """Distance along the body's down axis from the vehicle to the terrain; None if it points skyward."""
    d = mx.rotate(state.q, (0.0, 0.0, 1.0))
    if d[2] < 0.1:
        return None
    p = state.pos_m
    t = (-ground_height(p[0], p[1]) - p[2]) / d[2]
    for _ in range(iterations):
        t = (-ground_height(p[0] + t * d[0], p[1] + t * d[1]) - p[2]) / d[2]
    return t


class InclinometerModel:
    """Roll and pitch from the direction of the specific force: true tilt when the vehicle is at rest."""

    def __init__(self, cfg: InclinometerConfig, seed: int) -> None:
        self.cfg = cfg
        self._noise = NoiseSource(seed, 31, 2)

    def sample(self, t_ns: int, specific_force_body: Vec) -> InclinometerSample:
        fx, fy, fz = specific_force_body
        n0, n1 = self._noise.next()
        if math.hypot(fx, fy, fz) < 0.5:  # free fall: no gravity to measure
            return InclinometerSample(t_ns, 0.0, 0.0, False)
        roll = math.atan2(-fy, -fz)
        pitch = math.atan2(fx, math.hypot(fy, fz))
        std = self.cfg.noise_std_rad
        return InclinometerSample(t_ns, roll + n0 * std, pitch + n1 * std, True)
