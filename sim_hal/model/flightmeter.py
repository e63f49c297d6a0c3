"""The flight in figures, measured on the simulator's truth (pure): what `ginny sim` reports and its goals are
judged on. Truth is only ever read here for reports, never by flight software.

Fed every world step, the meter follows the flight from liftoff to the touchdown that ends it (the last one:
a bounce is not a landing), and compares the navigation estimates it is handed with the truth of the same
instant (position errors are horizontal; the altitude error is reported on its own, as navigation measures
height above the ground under it, not above the takeoff point). Navigation's frame starts at the takeoff point; its offset from the world's frame is fixed at the
first valid estimate, on the ground before liftoff.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

from sim_hal.model import mathx as mx
from sim_hal.model.dynamics import Contact, State, Touchdown

NS = 1e-9
_TRUTH_HISTORY = 2_000  # world steps kept for comparing late estimates (4 s at 500 Hz)
_SETTLED_NS = 500_000_000  # an estimate counts once the world is this far past its time: every estimate up
# to then has arrived, so the figures do not depend on which stragglers beat the end of the run


@dataclass
class NavErrors:
    samples: int = 0
    max_position_m: float = 0.0
    final_position_m: float = 0.0
    velocity_sq: float = 0.0
    altitude_sq: float = 0.0
    offset: tuple[float, float, float] | None = None
    vision_degraded_ns: int = 0
    _last_t: int | None = None
    _last_degraded: bool = False

    def vision(self, t_ns: int, degraded: bool) -> None:
        """Time with vision degraded or lost, from the status of successive estimates."""
        if self._last_t is not None and t_ns <= self._last_t:
            return  # estimates of frames come a little behind the newest
        if self._last_t is not None and self._last_degraded:
            self.vision_degraded_ns += t_ns - self._last_t
        self._last_t, self._last_degraded = t_ns, degraded

    def add(self, pos_err: float, vel_err: float, alt_err: float) -> None:
        self.samples += 1
        self.max_position_m = max(self.max_position_m, pos_err)
        self.final_position_m = pos_err
        self.velocity_sq += vel_err * vel_err
        self.altitude_sq += alt_err * alt_err

    def report(self) -> dict:
        n = max(self.samples, 1)
        return {"final_position_error_m": round(self.final_position_m, 3),
                "max_position_error_m": round(self.max_position_m, 3),
                "velocity_rms_error_mps": round(math.sqrt(self.velocity_sq / n), 3),
                "altitude_rms_error_m": round(math.sqrt(self.altitude_sq / n), 3),
                "vision_degraded_s": round(self.vision_degraded_ns * NS, 3),
                "compared_estimates": self.samples}


@dataclass
class TrackerStats:
    """The critical loop's record, frame by frame (processing times are the wall clock's). In real time also
    the end-to-end latency the world sees: from a frame's exposure to the navigation estimate from it, and its
    stages (`STAGES`)."""

    STAGES = ("render", "to_nav", "in_nav")  # exposure -> frame published by the world -> in navigation's
    # hands (its progress back at the world) -> its estimate back at the world
    deadline_ms: float = 1000.0 / 30.0
    proc_ms: list[float] = field(default_factory=list)
    latency_ms: list[float] = field(default_factory=list)
    stage_ms: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in TrackerStats.STAGES})
    first_seq: int | None = None
    last_seq: int = 0

    def add(self, frame_seq: int, proc_ms: float, latency_ms: float | None = None) -> None:
        self.first_seq = frame_seq if self.first_seq is None else self.first_seq
        self.last_seq = max(self.last_seq, frame_seq)
        self.proc_ms.append(proc_ms)
        if latency_ms is not None:
            self.latency_ms.append(latency_ms)

    def add_stages(self, stages_ms: tuple[float, float, float]) -> None:
        """One frame's latency split into `STAGES`."""
        for name, ms in zip(self.STAGES, stages_ms):
            self.stage_ms[name].append(ms)

    def report(self) -> dict:
        n = len(self.proc_ms)
        span = self.last_seq - self.first_seq + 1 if self.first_seq is not None else 0
        out = {"frames": n, "dropped_frames": max(0, span - n), **_percentiles(self.proc_ms, ""),
               "deadline_misses": sum(1 for x in self.proc_ms if x > self.deadline_ms)}
        if self.latency_ms:
            out.update(_percentiles(self.latency_ms, "latency_"))
        for name, values in self.stage_ms.items():
            if values:
                out.update(_percentiles(values, f"latency_{name}_"))
        return out


def _percentiles(values: list[float], prefix: str) -> dict:
    ms = sorted(values)
    n = len(ms)

    def pct(q: float) -> float:
        return round(ms[min(n - 1, int(q * n))], 2) if n else 0.0
    return {f"{prefix}p50_ms": pct(0.5), f"{prefix}p99_ms": pct(0.99),
            f"{prefix}max_ms": round(ms[-1], 2) if n else 0.0}


@dataclass
class FlightMeter:
    start_north_m: float = 0.0
    start_east_m: float = 0.0
    start_yaw_rad: float = 0.0  # navigation's heading 0 is the start heading
    liftoff_ns: int | None = None
    distance_m: float = 0.0
    max_agl_m: float = 0.0  # above the ground under the vehicle
    max_altitude_m: float = 0.0  # above the takeoff point's ground (as plans give altitudes)
    _z0: float | None = None
    max_tilt_deg: float = 0.0
    max_tilt_ns: int = 0
    last_touchdown: Touchdown | None = None
    hardest_vertical: float = 0.0  # the hardest of the touchdowns after liftoff (a landing can bounce)
    hardest_horizontal: float = 0.0
    final_pos: tuple[float, float, float] = (0.0, 0.0, 0.0)
    tipped: bool = False
    down: bool = True  # on the ground (the run starts there)
    nav: NavErrors = field(default_factory=NavErrors)
    tracker: TrackerStats = field(default_factory=TrackerStats)
    _prev_xy: tuple[float, float] | None = None
    _truth: deque = field(default_factory=lambda: deque(maxlen=_TRUTH_HISTORY))
    _unsettled: deque = field(default_factory=deque)  # (t_ns, degraded, errors or None) not yet counted

    def update(self, t_ns: int, s: State, agl_m: float) -> None:
        """One world step of truth."""
        self._truth.append((t_ns, s.pos_m, s.vel_mps))
        while self._unsettled and self._unsettled[0][0] <= t_ns - _SETTLED_NS:
            t, degraded, errors = self._unsettled.popleft()
            self.nav.vision(t, degraded)
            if errors is not None:
                self.nav.add(*errors)
        self.final_pos = s.pos_m
        if self._z0 is None:
            self._z0 = s.pos_m[2]
        if s.contact is Contact.AIRBORNE and self.liftoff_ns is None:
            self.liftoff_ns = t_ns
        if self.liftoff_ns is None:
            return
        xy = (s.pos_m[0], s.pos_m[1])
        if self._prev_xy is not None and s.contact is Contact.AIRBORNE:
            self.distance_m += math.hypot(xy[0] - self._prev_xy[0], xy[1] - self._prev_xy[1])
        self._prev_xy = xy
        if s.contact is Contact.AIRBORNE:
            self.max_agl_m = max(self.max_agl_m, agl_m)
            self.max_altitude_m = max(self.max_altitude_m, self._z0 - s.pos_m[2])
            tilt = math.degrees(mx.tilt(s.q))
            if tilt > self.max_tilt_deg:
                self.max_tilt_deg, self.max_tilt_ns = tilt, t_ns
        if s.touchdowns and s.touchdowns[-1] is not self.last_touchdown and s.touchdowns[-1].t_ns > self.liftoff_ns:
            self.last_touchdown = s.touchdowns[-1]
            self.hardest_vertical = max(self.hardest_vertical, self.last_touchdown.vertical_mps)
            self.hardest_horizontal = max(self.hardest_horizontal, self.last_touchdown.horizontal_mps)
        self.tipped = s.contact is Contact.TIPPED
        self.down = s.contact is not Contact.AIRBORNE

    def on_ground_since_ns(self, t_ns: int, contact: Contact) -> int:
        """How long the vehicle has been down after flying (0 while airborne or before liftoff)."""
        if self.liftoff_ns is None or contact is Contact.AIRBORNE or self.last_touchdown is None:
            return 0
        return t_ns - self.last_touchdown.t_ns

    def compare(self, t_ns: int, valid: bool, pos: tuple, vel: tuple, degraded: bool = False) -> None:
        """A navigation estimate at t_ns against the truth of that step (counted once settled)."""
        self._unsettled.append((t_ns, degraded, self._errors(t_ns, valid, pos, vel)))

    def _errors(self, t_ns: int, valid: bool, pos: tuple, vel: tuple) -> tuple[float, float, float] | None:
        """Horizontal position, velocity and altitude errors (None when that step's truth is gone)."""
        truth = self._truth_at(t_ns)
        if truth is None or not valid:
            return None
        _, tpos, tvel = truth
        pos, vel = self._to_world(pos), self._to_world(vel)
        if self.nav.offset is None:
            if self.liftoff_ns is not None:
                return None  # no estimate before liftoff to anchor the frames: nothing fair to compare
            self.nav.offset = tuple(tpos[i] - pos[i] for i in range(3))
        world = [pos[i] + self.nav.offset[i] for i in range(3)]
        err = [world[i] - tpos[i] for i in range(3)]
        verr = [vel[i] - tvel[i] for i in range(3)]
        return math.hypot(err[0], err[1]), math.sqrt(sum(e * e for e in verr)), err[2]

    def _to_world(self, v: tuple) -> tuple[float, float, float]:
        c, s = math.cos(self.start_yaw_rad), math.sin(self.start_yaw_rad)
        return (c * v[0] - s * v[1], s * v[0] + c * v[1], v[2])

    def _truth_at(self, t_ns: int):
        if not self._truth or t_ns < self._truth[0][0] or t_ns > self._truth[-1][0]:
            return None
        step = self._truth[1][0] - self._truth[0][0] if len(self._truth) > 1 else 1
        i = round((t_ns - self._truth[0][0]) / step)
        if 0 <= i < len(self._truth) and self._truth[i][0] == t_ns:
            return self._truth[i]
        return None

    def report(self) -> dict:
        td = self.last_touchdown
        flying = self.liftoff_ns is not None
        return {"liftoff_s": round(self.liftoff_ns * NS, 3) if flying else None,
                "flight_time_s": round((td.t_ns - self.liftoff_ns) * NS, 3) if flying and td else None,
                "distance_m": round(self.distance_m, 3),
                "max_altitude_m": round(self.max_altitude_m, 3),
                "max_height_above_ground_m": round(self.max_agl_m, 3),
                "max_tilt_deg": round(self.max_tilt_deg, 2),
                "max_tilt_at_s": round(self.max_tilt_ns * NS, 3),
                "touchdown_speed_mps": round(self.hardest_vertical, 3) if td else None,
                "touchdown_horizontal_speed_mps": round(self.hardest_horizontal, 3) if td else None,
                "tipped_over": self.tipped,
                "down_at_end": self.down,  # on the ground (landed or tipped) when the run ended
                "final_north_m": round(self.final_pos[0] - self.start_north_m, 3),
                "final_east_m": round(self.final_pos[1] - self.start_east_m, 3)}
