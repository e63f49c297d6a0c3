"""The IMU plausibility gate (pure): a sample no helicopter could produce is not flown on.

A 1.8 kg helicopter never turns at 10 rad/s nor feels 60 m/s^2 (a hard touchdown stays well under both), a
real sensor never reports NaN, and its noise never repeats a reading exactly (`STUCK_REPEATS` identical samples
in a row mean a stuck chip). Such a sample -- an I2C read gone wrong, a glitching chip -- is replaced by the
last good one with its own time, so navigation keeps its rhythm on the best guess; the control loop coasts
(no torque) rather than steer on it. Rejections are counted; every sample is judged afresh, nothing latched.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from fsw.bus.messages import ImuSample

MAX_GYRO_RADPS = 10.0
MAX_ACCEL_MPS2 = 60.0
STUCK_REPEATS = 3


@dataclass
class ImuGate:
    max_gyro_radps: float = MAX_GYRO_RADPS
    max_accel_mps2: float = MAX_ACCEL_MPS2
    rejected: int = 0
    _last_good: ImuSample | None = None
    _last_raw: tuple = ()
    _repeats: int = 0

    def plausible(self, s: ImuSample) -> bool:
        values = (*s.gyro_radps, *s.accel_mps2)
        self._repeats = self._repeats + 1 if values == self._last_raw else 0
        self._last_raw = values
        if not all(math.isfinite(v) for v in values) or self._repeats >= STUCK_REPEATS - 1:
            return False
        return math.hypot(*s.gyro_radps) <= self.max_gyro_radps and math.hypot(*s.accel_mps2) <= self.max_accel_mps2

    def check(self, s: ImuSample) -> tuple[ImuSample, bool]:
        """The sample to fly on, and whether the one given was rejected."""
        if self.plausible(s):
            self._last_good = s
            return s, False
        self.rejected += 1
        if self._last_good is None:
            return ImuSample(s.t_ns, (0.0, 0.0, 0.0), (0.0, 0.0, 0.0), s.temperature_c), True
        g = self._last_good
        return ImuSample(s.t_ns, g.gyro_radps, g.accel_mps2, g.temperature_c), True
