"""Scripted flights (pure): the vehicle follows waypoints with smooth (quintic) motion between them, tilted
as a helicopter must be to make that acceleration, so that every sensor sees a consistent flight."""
from __future__ import annotations

import math
from dataclasses import dataclass

from sim_hal.model import mathx as mx
from sim_hal.model.mathx import Quat, Vec


@dataclass(frozen=True)
class Kinematics:
    pos_m: Vec  # NED of the feet-relative height origin: see Script
    vel_mps: Vec
    acc_mps2: Vec


def _quintic(s: float) -> tuple[float, float, float]:
    """Position, velocity and acceleration factors of a rest-to-rest move, s in [0, 1]."""
    s = min(max(s, 0.0), 1.0)
    return (s ** 3 * (10 - 15 * s + 6 * s * s), 30 * s * s * (1 - s) ** 2, 60 * s * (1 - s) * (1 - 2 * s))


class Script:
    def __init__(self, waypoints: list[tuple[float, float, float, float]], ground_z: float, feet_m: float) -> None:
        """`ground_z`: NED z of the start point's ground; heights are of the feet above it."""
        self.waypoints = waypoints
        self.ground_z = ground_z
        self.feet_m = feet_m

    def _point(self, w: tuple[float, float, float, float]) -> Vec:
        return (w[1], w[2], self.ground_z - w[3] - self.feet_m)

    def at(self, t_s: float) -> Kinematics:
        wps = self.waypoints
        if t_s <= wps[0][0] or t_s >= wps[-1][0]:
            w = wps[0] if t_s <= wps[0][0] else wps[-1]
            return Kinematics(self._point(w), (0.0, 0.0, 0.0), (0.0, 0.0, 0.0))
        i = max(k for k in range(len(wps) - 1) if wps[k][0] <= t_s)
        a, b = wps[i], wps[i + 1]
        dur = b[0] - a[0]
        p, v, acc = _quintic((t_s - a[0]) / dur)
        pa, pb = self._point(a), self._point(b)
        d = mx.sub(pb, pa)
        return Kinematics(mx.add(pa, mx.scale(d, p)), mx.scale(d, v / dur), mx.scale(d, acc / dur ** 2))

    def height_m(self, t_s: float) -> float:
        """Height of the feet above the start point's ground."""
        return self.ground_z - self.feet_m - self.at(t_s).pos_m[2]


def attitude_for(acc_mps2: Vec, gravity_mps2: float, yaw_rad: float) -> Quat:
    """The attitude whose thrust (along body -z) makes `acc` against gravity, with the given heading."""
    f = mx.sub(acc_mps2, (0.0, 0.0, gravity_mps2))  # specific force, world
    z_b = mx.scale(f, -1.0 / mx.norm(f))
    heading = (math.cos(yaw_rad), math.sin(yaw_rad), 0.0)
    y_b = mx.cross(z_b, heading)
    y_b = mx.scale(y_b, 1.0 / mx.norm(y_b))
    x_b = mx.cross(y_b, z_b)
    return mx.q_from_axes(x_b, y_b, z_b)
