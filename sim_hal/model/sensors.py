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
        self._block = np.empty((0, width))
        self._i = 0

    def next(self) -> np.ndarray:
        if self._i >= len(self._block):
            self._block = self._rng.standard_normal((_BLOCK, self._width))
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
        self.gyro_bias = tuple(b + gw * n[6 + i] for i, b in enumerate(self.gyro_bias))
        self.accel_bias = tuple(b + aw * n[9 + i] for i, b in enumerate(self.accel_bias))
        gyro = tuple(_clip(omega_body[i] + self.gyro_bias[i] + c.gyro_noise_radps * n[i], c.gyro_range_radps)
                     for i in range(3))
        accel = tuple(_clip(specific_force_body[i] + self.accel_bias[i] + c.accel_noise_mps2 * n[3 + i],
                            c.accel_range_mps2) for i in range(3))
        return ImuSample(t_ns, gyro, accel, self.temperature_c)


def _clip(v: float, limit: float) -> float:
    return -limit if v < -limit else limit if v > limit else float(v)


class AltimeterModel:
    """Range along the body's down axis to the terrain; invalid outside the sensor's range."""

    def __init__(self, cfg: AltimeterConfig, seed: int) -> None:
        self.cfg = cfg
        self._noise = NoiseSource(seed, 21, 1)

    def sample(self, t_ns: int, state: State, ground_height) -> AltimeterSample:
        noise = float(self._noise.next()[0]) * self.cfg.noise_std_m
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
        n = self._noise.next() * self.cfg.noise_std_rad
        if math.hypot(fx, fy, fz) < 0.5:  # free fall: no gravity to measure
            return InclinometerSample(t_ns, 0.0, 0.0, False)
        roll = math.atan2(-fy, -fz)
        pitch = math.atan2(fx, math.hypot(fy, fz))
        return InclinometerSample(t_ns, roll + float(n[0]), pitch + float(n[1]), True)
