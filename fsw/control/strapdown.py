"""Control's own fast estimate (pure): the IMU integrated at every sample (strapdown), corrected by each
navigation estimate as of the estimate's own time.

Navigation's estimates arrive late (the tracker takes its time, and the bus adds more). Taking a late estimate
as the state *now* would put that delay inside the attitude loop. Instead the strapdown state of the
estimate's instant is looked up in a short history, and the difference between the two -- what navigation
knows that the IMU alone did not -- is applied to the state now. Without estimates the strapdown carries on
alone (dead reckoning), and the laser altimeter can hold its height.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fsw.rotation import kinematics, orthonormalize, quat_to_matrix

NS = 1e-9
HISTORY = 1_000  # IMU samples kept (2 s at 500 Hz): older estimates are taken as they are
_MAX_DT_S = 0.1  # a longer gap between IMU samples is not integrated across


@dataclass
class Estimate:
    t_ns: int = 0
    p: np.ndarray = field(default_factory=lambda: np.zeros(3))
    v: np.ndarray = field(default_factory=lambda: np.zeros(3))
    R: np.ndarray = field(default_factory=lambda: np.eye(3))
    valid: bool = False


class _History:
    """The last `size` strapdown states, in time order, as arrays (a correction shifts a slice of them)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.t = np.zeros(2 * size, dtype=np.int64)
        self.p, self.v = np.zeros((2 * size, 3)), np.zeros((2 * size, 3))
        self.R = np.zeros((2 * size, 3, 3))
        self.first = self.end = 0

    def append(self, t_ns: int, p: np.ndarray, v: np.ndarray, R: np.ndarray) -> None:
        if self.end == len(self.t):  # full: move the kept ones to the front
            keep = slice(self.end - self.size + 1, self.end)
            n = self.size - 1
            for a in (self.t, self.p, self.v, self.R):
                a[:n] = a[keep]
            self.first, self.end = 0, n
        i = self.end
        self.t[i], self.p[i], self.v[i], self.R[i] = t_ns, p, v, R
        self.end += 1
        self.first = max(self.first, self.end - self.size)

    def find(self, t_ns: int) -> int | None:
        """The index of the state at t_ns, or of the last one before it (None outside the history)."""
        if self.end == self.first or not self.t[self.first] <= t_ns <= self.t[self.end - 1]:
            return None
        return self.first + int(np.searchsorted(self.t[self.first:self.end], t_ns, side="right")) - 1

    def shift_from(self, i: int, dp: np.ndarray, dv: np.ndarray, dR: np.ndarray) -> None:
        """Apply a correction to the states from index i on."""
        self.p[i:self.end] += dp
        self.v[i:self.end] += dv
        self.R[i:self.end] = dR @ self.R[i:self.end]


class Strapdown:
    def __init__(self, gravity_mps2: float) -> None:
        self.g = np.array([0.0, 0.0, gravity_mps2])
        self.est = Estimate()
        self.started = False  # a first estimate has come: there is something to integrate
        self._past = _History(HISTORY)

    def propagate(self, t_ns: int, gyro: np.ndarray | tuple[float, ...], accel: np.ndarray | tuple[float, ...]) -> None:
        e = self.est
        dt = (t_ns - e.t_ns) * NS
        if self.started and 0 < dt < _MAX_DT_S:
            e.p, e.v, e.R = kinematics(e.p, e.v, e.R, gyro, accel, dt, self.g)
        e.t_ns = t_ns
        self._past.append(t_ns, e.p, e.v, e.R)

    def correct(self, t_ns: int, p: np.ndarray, v: np.ndarray, q_wxyz: tuple, valid: bool) -> None:
        """A navigation estimate as of t_ns: shift the state now by what it changes at t_ns. An invalid one
        (navigation lost, or restarted without a reference) corrects nothing: control dead-reckons."""
        p, v, R = np.asarray(p, float), np.asarray(v, float), quat_to_matrix(q_wxyz)
        e = self.est
        if not valid or not (np.all(np.isfinite(p)) and np.all(np.isfinite(v)) and np.all(np.isfinite(R))):
            e.valid = e.valid and valid
            return
        e.valid = True
        i = self._past.find(t_ns)
        if not self.started or (i is None and t_ns >= e.t_ns):  # the first, or from ahead: take it as is
            e.p, e.v, e.R = p.copy(), v.copy(), R
            e.t_ns = max(e.t_ns, t_ns)
            self.started = True
            return
        if i is None:
            return  # older than the history: nothing to compare it with
        h = self._past
        dp, dv, dR = p - h.p[i], v - h.v[i], orthonormalize(R @ h.R[i].T)
        e.p, e.v, e.R = e.p + dp, e.v + dv, orthonormalize(dR @ e.R)
        h.shift_from(i, dp, dv, dR)  # so the next (later) estimate is compared fairly

    def hold_height(self, z_meas: float, gain_pos: float, gain_vel: float) -> None:
        """Pull the height (NED z) towards a measurement, and the vertical speed with it."""
        err = z_meas - self.est.p[2]
        self.est.p[2] += gain_pos * err
        self.est.v[2] += gain_vel * err
