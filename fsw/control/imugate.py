"""The IMU plausibility gate (pure): a sample no helicopter could produce is not flown on.

A 1.8 kg helicopter never turns at 10 rad/s nor feels 60 m/s^2 (a hard touchdown stays well under both), a
real sensor never reports NaN, and its noise never repeats a reading exactly (`STUCK_REPEATS` identical samples
in a row mean a stuck chip). Nor does its rate jump: with at most 0.5 N m on 0.035 kg m^2 it changes by a few
hundredths of a rad/s from one sample to the next, so a sample whose rate is more than `MAX_RATE_JUMP_RADPS`
from the one the rate model expected (`expected`) is garbage that happened to look plausible -- the kind that
would otherwise restart the model on a rate no one measured. Should the model itself have drifted during a
long dropout, `RECOVER_SAMPLES` plausible samples in a row that agree with each other are the sensor back.

A rejected sample is replaced by the expected one (or, without a model, the last good one with its own time),
so navigation keeps its rhythm on the best guess. Rejections are counted; nothing is latched.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from fsw.bus.messages import ImuSample

MAX_GYRO_RADPS = 10.0
MAX_ACCEL_MPS2 = 60.0
STUCK_REPEATS = 3
MAX_RATE_JUMP_RADPS = 1.0
RECOVER_SAMPLES = 25  # 50 ms at 500 Hz


def _rate_gap(a: ImuSample, b: ImuSample) -> float:
    return math.dist(a.gyro_radps, b.gyro_radps)


@dataclass
class ImuGate:
    max_gyro_radps: float = MAX_GYRO_RADPS
    max_accel_mps2: float = MAX_ACCEL_MPS2
    rejected: int = 0
    _last_good: ImuSample | None = None
    _repeats: int = 0  # samples in a row identical to the one before
    _previous: ImuSample | None = None  # the sample before, as it came
    _agreeing: int = 0  # plausible samples in a row, each close to the one before

    def _plausible(self, s: ImuSample) -> bool:
        p = self._previous
        same = p is not None and p.gyro_radps == s.gyro_radps and p.accel_mps2 == s.accel_mps2
        self._repeats = self._repeats + 1 if same else 0
        if self._repeats >= STUCK_REPEATS - 1:
            return False
        gyro, accel = math.hypot(*s.gyro_radps), math.hypot(*s.accel_mps2)  # nan or inf if any part is
        return gyro <= self.max_gyro_radps and accel <= self.max_accel_mps2

    def check(self, s: ImuSample, expected: ImuSample | None = None) -> tuple[ImuSample, bool]:
        """The sample to fly on, and whether the one given was rejected. `expected`: the rate model's
        prediction for this sample's time, if there is one."""
        ok = self._plausible(s)
        agrees = ok and self._previous is not None and _rate_gap(s, self._previous) <= MAX_RATE_JUMP_RADPS
        self._agreeing = self._agreeing + 1 if agrees else 0
        self._previous = s
        if ok and expected is not None and _rate_gap(s, expected) > MAX_RATE_JUMP_RADPS:
            ok = self._agreeing >= RECOVER_SAMPLES
        if ok:
            self._last_good = s
            return s, False
        self.rejected += 1
        if expected is not None:
            return ImuSample(s.t_ns, expected.gyro_radps, expected.accel_mps2, expected.temperature_c), True
        if self._last_good is None:
            return ImuSample(s.t_ns, (0.0, 0.0, 0.0), (0.0, 0.0, 0.0), s.temperature_c), True
        g = self._last_good
        return ImuSample(s.t_ns, g.gyro_radps, g.accel_mps2, g.temperature_c), True
