"""Control's own fast estimate (pure): the IMU integrated at every sample (strapdown), corrected by each
navigation estimate as of the estimate's own time.

Navigation's estimates arrive late (the tracker takes its time, and the bus adds more). Taking a late estimate
as the state *now* would put that delay inside the attitude loop. Instead the strapdown state of the
estimate's instant is looked up in a short history, and the difference between the two -- what navigation
knows that the IMU alone did not -- is applied to the state now. Without estimates the strapdown carries on
alone (dead reckoning), and the laser altimeter can hold its height.
"""
from __future__ import annotations

from collections import deque
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


class Strapdown:
    def __init__(self, gravity_mps2: float) -> None:
        self.g = np.array([0.0, 0.0, gravity_mps2])
        self.est = Estimate()
        self.started = False  # a first estimate has come: there is something to integrate
        self._past: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._order: deque[int] = deque()

    def propagate(self, t_ns: int, gyro: np.ndarray, accel: np.ndarray) -> None:
        e = self.est
        dt = (t_ns - e.t_ns) * NS
        if self.started and 0 < dt < _MAX_DT_S:
            e.p, e.v, e.R = kinematics(e.p, e.v, e.R, gyro, accel, dt, self.g)
        e.t_ns = t_ns
        self._remember(t_ns)

    def _remember(self, t_ns: int) -> None:
        e = self.est
        self._past[t_ns] = (e.p.copy(), e.v.copy(), e.R.copy())
        self._order.append(t_ns)
        if len(self._order) > HISTORY:
            self._past.pop(self._order.popleft(), None)

    def correct(self, t_ns: int, p: np.ndarray, v: np.ndarray, q_wxyz: tuple, valid: bool) -> None:
        """A navigation estimate as of t_ns: shift the state now by what it changes at t_ns. An invalid one
        (navigation lost, or restarted without a reference) corrects nothing: control dead-reckons."""
        p, v, R = np.asarray(p, float), np.asarray(v, float), quat_to_matrix(q_wxyz)
        e = self.est
        if not valid or not (np.all(np.isfinite(p)) and np.all(np.isfinite(v)) and np.all(np.isfinite(R))):
            e.valid = e.valid and valid
            return
        e.valid = True
        then = self._at(t_ns)
        if not self.started or (then is None and t_ns >= e.t_ns):  # the first, or from ahead: take it as is
            e.p, e.v, e.R = p.copy(), v.copy(), R
            e.t_ns = max(e.t_ns, t_ns)
            self.started = True
            return
        if then is None:
            return  # older than the history: nothing to compare it with
        t_then, (p_then, v_then, R_then) = then
        dp, dv, dR = p - p_then, v - v_then, orthonormalize(R @ R_then.T)
        e.p, e.v, e.R = e.p + dp, e.v + dv, orthonormalize(dR @ e.R)
        self._rebase(dp, dv, dR, t_then)

    def _at(self, t_ns: int) -> tuple[int, tuple] | None:
        """The remembered state at t_ns, or at the last sample before it."""
        if t_ns in self._past:
            return t_ns, self._past[t_ns]
        if not self._order or t_ns < self._order[0] or t_ns > self._order[-1]:
            return None
        for t in reversed(self._order):
            if t <= t_ns:
                return t, self._past[t]
        return None

    def _rebase(self, dp: np.ndarray, dv: np.ndarray, dR: np.ndarray, t_ns: int) -> None:
        """Shift the remembered states after t_ns too, so the next (later) estimate is compared fairly."""
        for t in reversed(self._order):
            if t < t_ns:
                break
            p, v, R = self._past[t]
            self._past[t] = (p + dp, v + dv, dR @ R)

    def hold_height(self, z_meas: float, gain_pos: float, gain_vel: float) -> None:
        """Pull the height (NED z) towards a measurement, and the vertical speed with it."""
        err = z_meas - self.est.p[2]
        self.est.p[2] += gain_pos * err
        self.est.v[2] += gain_vel * err
