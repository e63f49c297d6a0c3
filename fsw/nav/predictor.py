"""The output predictor (pure): the fused state carried forward to the newest IMU sample in constant time.

Navigation fuses the IMU `fusion_delay_ms` behind the newest sample; what it publishes is that fused state
carried forward through the samples not fused yet. Re-integrating the whole window at each publish costs one
strapdown step per buffered sample (75 at 150 ms). Instead a dead-reckoned ("raw") path is integrated once per
sample as it arrives, and the fused state is laid over it: the strapdown step is linear in position and
velocity and the attitude enters only through `R @ f`, so a fused state that differs from the raw one at the
horizon by a rotation C (world frame) and offsets dp, dv carries forward to exactly

    R' = C R,   v' = v + dv + (C - I)(v - v_h - g dt),   p' = p + dp + dv dt + (C - I)(p - p_h - v_h dt - g dt^2 / 2)

(dt from the horizon to the newest sample) -- the same as re-integrating, but for the biases, which are those
known when each sample arrived (they move slowly). Every `reanchor_every` samples the raw path is moved onto
the fused one, so it never drifts far.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from fsw.rotation import MARS_GRAVITY, kinematics, orthonormalize


@dataclass
class RawState:
    t_ns: int
    p: np.ndarray
    v: np.ndarray
    R: np.ndarray
    w: np.ndarray  # the bias-corrected rate and specific force that led here from the state before
    f: np.ndarray


class OutputPredictor:
    def __init__(self, gravity: np.ndarray = MARS_GRAVITY, reanchor_every: int = 500) -> None:
        self.g = np.asarray(gravity, float)
        self.reanchor_every = reanchor_every
        self._entries: deque[RawState] = deque()  # one per sample not fused yet, oldest first
        self._anchor: RawState | None = None  # the raw state at the last fused sample
        self._pushed = 0

    def reset(self, t_ns: int, p: np.ndarray, v: np.ndarray, R: np.ndarray) -> None:
        """Start the raw path at a fused state (nothing buffered)."""
        zero = np.zeros(3)
        self._entries.clear()
        self._anchor = RawState(t_ns, np.array(p, float), np.array(v, float), np.array(R, float), zero, zero)

    def push(self, t_ns: int, w: np.ndarray, f: np.ndarray) -> None:
        """A new IMU sample (bias-corrected rate `w` and specific force `f`) extends the raw path."""
        last = self._entries[-1] if self._entries else self._anchor
        if last is None or t_ns <= last.t_ns:
            return
        p, v, R = kinematics(last.p, last.v, last.R, w, f, (t_ns - last.t_ns) * 1e-9, self.g)
        self._entries.append(RawState(t_ns, p, v, R, w, f))
        self._pushed += 1

    def fused_through(self, t_ns: int) -> None:
        """The filter has fused every sample up to `t_ns`: those leave the window."""
        while self._entries and self._entries[0].t_ns <= t_ns:
            self._anchor = self._entries.popleft()

    def predict(self, t_ns: int, p: np.ndarray, v: np.ndarray, R: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """The fused state (p, v, R at `t_ns`) carried to the newest sample; None when the raw path does not
        reach back to `t_ns` (the caller then integrates the window itself)."""
        at = self._raw_at(t_ns)
        if at is None:
            return None
        if not self._entries:
            return p, v, R
        # C a rotation: an error of scale in it would be squared at every re-anchoring
        C, dp, dv = orthonormalize(R @ at.R.T), p - at.p, v - at.v
        if self._pushed >= self.reanchor_every and at is self._anchor:
            self._reanchor(at, C, dp, dv)
            now = self._entries[-1]
            return now.p, now.v, now.R
        return self._lay_over(self._entries[-1], at, C, dp, dv)

    def _raw_at(self, t_ns: int) -> RawState | None:
        """The raw state at `t_ns`: the anchor, or a part of the step to the oldest buffered sample."""
        a = self._anchor
        if a is None or t_ns < a.t_ns:
            return None
        if t_ns == a.t_ns:
            return a
        nxt = self._entries[0] if self._entries else None
        if nxt is None or t_ns > nxt.t_ns:
            return None
        p, v, R = kinematics(a.p, a.v, a.R, nxt.w, nxt.f, (t_ns - a.t_ns) * 1e-9, self.g)
        return RawState(t_ns, p, v, R, nxt.w, nxt.f)

    def _lay_over(self, raw: RawState, at: RawState, C: np.ndarray, dp: np.ndarray, dv: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        dt = (raw.t_ns - at.t_ns) * 1e-9
        turn = C - np.eye(3)
        v = raw.v + dv + turn @ (raw.v - at.v - self.g * dt)
        p = raw.p + dp + dv * dt + turn @ (raw.p - at.p - at.v * dt - 0.5 * self.g * dt * dt)
        return p, v, C @ raw.R

    def _reanchor(self, at: RawState, C: np.ndarray, dp: np.ndarray, dv: np.ndarray) -> None:
        """Move the whole buffered raw path onto the fused one (its rotations made orthonormal again)."""
        moved = []
        for e in self._entries:
            p, v, R = self._lay_over(e, at, C, dp, dv)
            moved.append(RawState(e.t_ns, p, v, orthonormalize(R), e.w, e.f))
        self._anchor = RawState(at.t_ns, at.p + dp, at.v + dv, orthonormalize(C @ at.R), at.w, at.f)
        self._entries = deque(moved)
        self._pushed = 0
