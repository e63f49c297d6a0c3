"""Guidance (pure): a flight plan turned into a smooth setpoint at any time since liftoff.

The flight is a list of segments: the climb to the takeoff altitude, a hover, then for each waypoint a turn
on the spot to face along the leg, the leg (rest to rest, trapezoidal speed within the plan's speed and
acceleration limits, or as fast as its tilt limit allows if it sets one: fsw/control/profiles.py), a turn to the waypoint's heading if it sets one, and its hold; last the descent at the
plan's descent rate, which goes on until the control process detects the touchdown. Turns go at the plan's
yaw rate: a vehicle that turns and accelerates at once tilts more than either needs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from fsw.config.stack import FlightConfig
from fsw.control.controller import ControlConfig, Setpoint
from fsw.control.plan import Plan
from fsw.control.profiles import TiltLimited, Trapezoid
from fsw.rotation import wrap_angle

LEG_TILT_MARGIN_DEG = 0.75  # on the moves (the climb, the legs) of a plan with a tilt limit, the controller
# may lean this much beyond the plan's tilt (gusts, corrections of the estimate) and no more: in a strong gust
# the vehicle falls behind the profile rather than lean further, and catches up at the hold


@dataclass(frozen=True)
class Segment:
    kind: str  # climb | hover | turn | leg | hold | descend
    index: int  # waypoint index for legs and holds, else -1
    t0_s: float
    duration_s: float
    start: np.ndarray  # NED
    end: np.ndarray
    speed_mps: float
    yaw_rad: float
    yaw_from_rad: float = 0.0  # turns: the heading turned from
    profile: Trapezoid | TiltLimited | None = None  # climbs and legs: distance, speed, acceleration in time

    @cached_property
    def direction(self) -> np.ndarray:
        """The unit vector from start to end (zero if they are one point): asked every control cycle."""
        d = self.end - self.start
        length = float(np.linalg.norm(d))
        return d / length if length > 0 else np.zeros(3)


def ramp(t: float, v0: float, v1: float, accel: float) -> tuple[float, float, float]:
    """Distance, speed and acceleration at time t of a speed changed from v0 to v1 at `accel`, then held."""
    change = v1 - v0
    t_ramp = abs(change) / accel
    a = math.copysign(accel, change)
    if t < t_ramp:
        return v0 * t + 0.5 * a * t * t, v0 + a * t, a
    return v0 * t_ramp + 0.5 * a * t_ramp * t_ramp + v1 * (t - t_ramp), v1, 0.0


def move_time(distance: float, speed: float, accel: float) -> float:
    return Trapezoid(distance, speed, accel).duration


class Guidance:
    def __init__(self, plan: Plan, start_m: np.ndarray, start_yaw_rad: float, cg_height_m: float,
                 drag_per_s: float = ControlConfig.drag_per_s,
                 gravity_mps2: float = ControlConfig.gravity_mps2,
                 yaw_rate_dps: float = FlightConfig.yaw_rate_dps) -> None:
        """`start_m`: the vehicle (its IMU) on the ground at the takeoff point, NED. `drag_per_s`: the rotor
        drag per unit mass, for plans with a tilt limit. `yaw_rate_dps`: the flight director's fastest turn
        (turns take as long as the slower of it and the plan's limit: a leg must not start mid-turn)."""
        self.plan = plan
        self.yaw_rate_dps = min(plan.limits.yaw_rate_dps, yaw_rate_dps)
        self.accel = plan.limits.max_accel_mps2
        self.drag_per_s, self.gravity = drag_per_s, gravity_mps2
        tilt = plan.limits.max_tilt_deg
        self._leg_tilt_deg = tilt + LEG_TILT_MARGIN_DEG if tilt > 0 else 0.0
        self.ground_z = float(start_m[2]) + cg_height_m
        self.cg_height_m = cg_height_m
        self.segments = self._build(np.asarray(start_m, float), start_yaw_rad)

    def _point(self, north: float, east: float, alt: float) -> np.ndarray:
        return np.array([north, east, self.ground_z - alt - self.cg_height_m])

    def _build(self, start: np.ndarray, yaw: float) -> list[Segment]:
        p, lim, segs, t = self.plan, self.plan.limits, [], 0.0

        def add(kind: str, index: int, a: np.ndarray, b: np.ndarray, speed: float, yaw_rad: float,
                hold: float = 0.0) -> None:
            nonlocal t
            profile = None if kind in ("hover", "hold") else self._profile(kind, float(np.linalg.norm(b - a)), speed)
            dur = hold if profile is None else profile.duration
            segs.append(Segment(kind, index, t, dur, a, b, speed, yaw_rad, profile=profile))
            t += dur

        def turn(index: int, at: np.ndarray, yaw_from: float, yaw_to: float) -> float:
            nonlocal t
            delta = wrap_angle(yaw_to - yaw_from)
            if abs(delta) > math.radians(1.0):
                dur = abs(delta) / math.radians(self.yaw_rate_dps)
                segs.append(Segment("turn", index, t, dur, at, at, 0.0, yaw_from + delta, yaw_from))
                t += dur
            return yaw_to

        top = self._point(start[0], start[1], p.takeoff_altitude_m)
        add("climb", -1, start.copy(), top, lim.climb_mps, yaw)
        add("hover", -1, top, top, 0.0, yaw, p.start_hold_s)
        here = top
        for i, w in enumerate(p.waypoints):
            there = self._point(w.north_m, w.east_m, w.altitude_m)
            d = there - here
            heading = math.atan2(d[1], d[0]) if np.hypot(d[0], d[1]) > 0.5 else yaw
            yaw = turn(i, here, yaw, heading)
            add("leg", i, here, there, w.speed_mps, heading)
            if w.yaw_deg is not None:
                yaw = turn(i, there, yaw, math.radians(w.yaw_deg))
            add("hold", i, there, there, 0.0, yaw, w.hold_s)
            here = there
        self.descent_start_s = t
        segs.append(Segment("descend", -1, t, math.inf, here, here, lim.descent_mps, yaw))
        return segs

    def _profile(self, kind: str, distance: float, speed: float) -> Trapezoid | TiltLimited:
        tilt = self.plan.limits.max_tilt_deg
        if kind == "leg" and tilt > 0:
            return TiltLimited(distance, speed, self.accel, tilt, self.drag_per_s, self.gravity)
        return Trapezoid(distance, speed, self.accel)

    def segment_at(self, t_s: float) -> Segment:
        for s in self.segments:
            if t_s < s.t0_s + s.duration_s:
                return s
        return self.segments[-1]

    def setpoint(self, t_s: float) -> tuple[Setpoint, Segment]:
        s = self.segment_at(t_s)
        if s.kind == "descend":  # down at the descent rate until the touchdown is detected
            dt = max(0.0, t_s - s.t0_s)
            pos = s.start + np.array([0.0, 0.0, s.speed_mps * dt])
            return Setpoint(pos, np.array([0.0, 0.0, s.speed_mps]), np.zeros(3), s.yaw_rad), s
        if s.kind in ("hover", "hold"):
            return Setpoint(s.end.copy(), np.zeros(3), np.zeros(3), s.yaw_rad), s
        if s.kind == "turn":
            share = min(max((t_s - s.t0_s) / s.duration_s, 0.0), 1.0)
            yaw = s.yaw_from_rad + (s.yaw_rad - s.yaw_from_rad) * share
            return Setpoint(s.end.copy(), np.zeros(3), np.zeros(3), yaw), s
        u = s.direction
        dist, speed, acc = s.profile.at(t_s - s.t0_s)
        return Setpoint(s.start + u * dist, u * speed, u * acc, s.yaw_rad, self._leg_tilt_deg), s
