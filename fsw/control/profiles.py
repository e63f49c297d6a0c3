"""Speed profiles along a straight move, rest to rest (pure): distance, speed and acceleration at any time.

`Trapezoid`: constant acceleration up to the cruise speed, cruise, constant deceleration (a triangle when
the move is too short to reach the cruise speed).

`TiltLimited`: as fast as a tilt limit allows. A helicopter accelerates by leaning its thrust, and part of
the lean only holds the rotor drag (k v, k the drag per unit mass): speeding up it may use g tan(tilt) - k v,
braking g tan(tilt) + k v (the drag helps), each at most the plan's acceleration limit. So it pulls hard
from rest, eases in towards the cruise speed, and brakes late and hard. It is tabulated once, in time steps
of `dt`, and looked up.
"""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np


class Trapezoid:
    def __init__(self, distance: float, speed: float, accel: float) -> None:
        self.distance, self.accel = max(distance, 0.0), accel
        t_acc = speed / accel
        if self.distance < speed * t_acc:  # a triangle: never reaches `speed`
            t_acc = math.sqrt(self.distance / accel)
            speed = accel * t_acc
        self.speed, self.t_acc = speed, t_acc
        self.duration = 0.0 if self.distance == 0 else 2 * t_acc + (self.distance - speed * t_acc) / speed

    def at(self, t: float) -> tuple[float, float, float]:
        """Distance, speed and acceleration at time t."""
        if self.distance == 0:
            return 0.0, 0.0, 0.0
        t = min(max(t, 0.0), self.duration)
        a, v, t_acc = self.accel, self.speed, self.t_acc
        if t < t_acc:
            return 0.5 * a * t * t, a * t, a
        if t < self.duration - t_acc:
            return 0.5 * v * t_acc + v * (t - t_acc), v, 0.0
        rest = self.duration - t
        return self.distance - 0.5 * a * rest * rest, a * rest, -a


def _speed_up(speed: float, accel_at: Callable[[float], float], dt: float) -> np.ndarray:
    """From rest to `speed` at the acceleration `accel_at(v)`: rows of (t, x, v, a)."""
    rows, t, x, v = [], 0.0, 0.0, 0.0
    while v < speed:
        a = accel_at(v)
        step = min(dt, (speed - v) / a)
        rows.append((t, x, v, a))
        t, x, v = t + step, x + (v + 0.5 * a * step) * step, min(v + a * step, speed)
    rows.append((t, x, v, 0.0))
    return np.array(rows)


def _cut(table: np.ndarray, v: float) -> np.ndarray:
    """The table up to the speed v (the last row made exactly v)."""
    keep = table[table[:, 2] < v]
    t, x = (float(np.interp(v, table[:, 2], table[:, i])) for i in (0, 1))
    return np.vstack([keep, [t, x, v, 0.0]])


class TiltLimited:
    def __init__(self, distance: float, speed: float, accel: float, tilt_deg: float, drag_per_s: float,
                 gravity_mps2: float, dt: float = 0.01) -> None:
        lean = gravity_mps2 * math.tan(math.radians(tilt_deg))
        if drag_per_s > 0:
            speed = min(speed, 0.9 * lean / drag_per_s)  # beyond that the drag alone takes the whole tilt
        self.distance = max(distance, 0.0)
        up = _speed_up(speed, lambda v: min(accel, lean - drag_per_s * v), dt)
        down = _speed_up(speed, lambda v: min(accel, lean + drag_per_s * v), dt)
        if up[-1, 1] + down[-1, 1] > self.distance:  # too short to reach the cruise speed: peak where they meet
            vs = np.linspace(0.0, speed, 2001)
            need = np.interp(vs, up[:, 2], up[:, 1]) + np.interp(vs, down[:, 2], down[:, 1])
            peak = float(np.interp(self.distance, need, vs))
            up, down = _cut(up, peak), _cut(down, peak)
            speed = peak
        self._up, self._down, self.speed = up, down, speed
        cruise = (self.distance - up[-1, 1] - down[-1, 1]) / speed if speed > 0 else 0.0
        self._cruise_end = up[-1, 0] + max(cruise, 0.0)
        self.duration = 0.0 if self.distance == 0 else self._cruise_end + down[-1, 0]

    def at(self, t: float) -> tuple[float, float, float]:
        """Distance, speed and acceleration at time t."""
        if self.distance == 0:
            return 0.0, 0.0, 0.0
        t = min(max(t, 0.0), self.duration)
        up, down = self._up, self._down
        if t < up[-1, 0]:
            return _look(up, t)
        if t < self._cruise_end:
            return up[-1, 1] + self.speed * (t - up[-1, 0]), self.speed, 0.0
        x, v, a = _look(down, self.duration - t)  # braking is speeding up, backwards in time
        return self.distance - x, v, -a


def _look(table: np.ndarray, t: float) -> tuple[float, float, float]:
    """Distance, speed and acceleration at time t in a table of (t, x, v, a) rows."""
    i = max(int(np.searchsorted(table[:, 0], t, side="right")) - 1, 0)
    t0, x0, v0, a = table[i]
    dt = t - t0
    return float(x0 + v0 * dt + 0.5 * a * dt * dt), float(v0 + a * dt), float(a)
