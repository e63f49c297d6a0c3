"""The flight director (pure): one control cycle per IMU sample -- modes, guidance and the controller on the
navigation estimate (carried to the sample's time with the gyro), ending in one actuator command.

Preflight waits for the estimate and the sensors; with `autostart` the plan is flown at once (a simulated
flight without a ground station), otherwise ARM and PLAN_START come from the ground. Touchdown is the
vehicle stopping (vertical speed under a quarter of the descent rate for `touchdown_hold_s`: the legs took
it, and the accelerometers felt it) while descending below `touchdown_below_m`, or the laser altimeter going
from a range near the ground to none for half a second; then the rotors stop.

Contingencies (LAND_NOW: stop over the ground and go straight down at the plan's descent rate): vision degraded or
lost for `vision_degraded_land_s`; the nav estimate invalid or silent for `nav_timeout_ms`; a critical
process gone. Without a nav estimate the director dead-reckons: velocity from the accelerometers, height and
vertical speed pulled to the laser altimeter.
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from fsw.bus.messages import ActuatorCommand, AltimeterSample, ImuSample, NavState, VisionStatus
from fsw.config.stack import FlightConfig
from fsw.control.controller import ControlConfig, Controller, Setpoint
from fsw.control.guidance import Guidance, Segment, ramp
from fsw.control.modes import AIRBORNE, Mode, ModeCommander, ModeRefused, PreflightFacts, Transition
from fsw.control.plan import Capture, Limits, Plan
from fsw.control.strapdown import Estimate, Strapdown
from fsw.rotation import wrap_angle

NS = 1e-9
_CYCLE_S = 0.002  # one control cycle per IMU sample (500 Hz)
_ALT_GAIN_POS = 0.1  # dead reckoning: share of the altimeter's height error taken per sample
_ALT_GAIN_VEL = 0.5  # 1/s: vertical speed correction per metre of height error
_ALT_PERIOD_S = 0.02  # between laser altimeter samples (50 Hz)
_GROUND_THRUST = 0.6  # landing: thrust under this share of the weight ...
_GROUND_ACCEL = 0.9  # ... while the accelerometers read more than this share of gravity: on the ground
_REST_GAIN = 0.02  # preflight: the accelerometers averaged at rest (a 50-sample time constant)
_GRAVITY_ANGLE_DEG = 10.0  # ... and their direction may differ from gravity's this much (noise, a lean)
_GRAVITY_SCALE = 0.15  # ... and their size by this share
_SAY_REFUSAL_NS = 1_000_000_000
_ABORT_DROP_M = 1.0  # a takeoff aborted below this height stops the rotors (Ingenuity's legs take a 1 m drop)
_GROUND_RANGE_MAX_M = 1.0  # preflight: the laser on the ground reads under this (its minimum is 0.3 m)
_RANGE_FRESH_S = 0.2  # the clearance guard uses a laser range at most this old ...
_FLOOR_SMOOTHING = 0.01  # ... smoothing the ground it sees per 2 ms cycle, over about 0.2 s (rocks pass under
# the laser in a blink)
_CLEARANCE_HYSTERESIS_M = 0.5  # the plan's setpoint this far above the floor ends an episode
_NEAR_GROUND_M = 0.6  # a last laser range under this, then none: the vehicle is under the laser's minimum ...
_UNDER_RANGE_S = 0.5  # ... and after this long there (at the descent rate) it is on the ground
_CAPTURE_SETTLE_S = 6.0  # into a hold before its colour capture (the turn to the subject takes a few s)


class FlightDirector:
    def __init__(self, cfg: FlightConfig, plan: Plan | None, control: ControlConfig = ControlConfig()) -> None:
        self.cfg = cfg
        self.plan = plan
        self.modes = ModeCommander()
        self.controller = Controller(control)
        self.fast = Strapdown(control.gravity_mps2)
        self.guidance: Guidance | None = None
        self._mode_t0 = 0
        self._guidance_t0 = 0
        self.transitions: list[Transition] = []
        self._nav_good_t = 0  # the last valid nav estimate's time
        self._ground_z = 0.0  # the ground under the vehicle (NED z) as navigation last had it
        self._vision_bad_since: int | None = None
        self._imu_bad_since: int | None = None  # implausible IMU samples in a row since then
        self._lost: str | None = None  # a critical process gone
        self._land_here: np.ndarray | None = None
        self._land_v0 = np.zeros(3)
        self._land_t0 = 0
        self._slowed: tuple[int, float, float] | None = None  # the final descent's start: time, z, rate
        self._stopped_since: int | None = None
        self._sinking = False
        self._yaw_sp: float | None = None
        self._last_thrust = 0.0
        self._accel_norm = 0.0
        self._accel_rest: np.ndarray | None = None
        self._refused, self._refused_t = "", -_SAY_REFUSAL_NS  # the last reason autostart's arming was refused
        self.preflight_failures: list[str] = []  # ... each new one, for the process to say
        self._imu_seen = False
        self._altimeter_seen = False
        self._last_range_m: float | None = None  # the last valid laser range
        self._last_range_t = 0  # ... its time
        self._floor_z: float | None = None  # cruise: the highest NED z the clearance allows (smoothed), if held
        self._clearance_said = False
        self.notices: list[tuple[str, str]] = []  # (name, text) of events for the process to say
        self._below_range_since: int | None = None  # no valid range since, after one under _NEAR_GROUND_M
        self._captures_left = {c.at_waypoint: c for c in plan.captures} if plan else {}
        self.capture_requests: list[Capture] = []  # due now: the control process sends them to the camera

    @property
    def est(self) -> Estimate:
        return self.fast.est

    def on_nav(self, s: NavState) -> None:
        self.fast.correct(s.t_ns, s.pos_m, s.vel_mps, s.q_wxyz, s.valid)
        if s.valid:  # a late frame's estimate comes stamped with its exposure: it does not age the newest
            self._nav_good_t = max(self._nav_good_t, s.t_ns)
            self._ground_z = s.ground_z_m
        if s.vision in (VisionStatus.DEGRADED, VisionStatus.LOST):
            self._vision_bad_since = s.t_ns if self._vision_bad_since is None else self._vision_bad_since
        else:
            self._vision_bad_since = None

    def on_altimeter(self, a: AltimeterSample) -> None:
        """Without nav, hold the dead-reckoned height to the altimeter (its range tilted to the vertical).
        A laser that went from a range near the ground to none says the vehicle is under its 0.3 m minimum."""
        self._altimeter_seen = True
        if a.valid:
            self._last_range_m, self._below_range_since, self._last_range_t = a.range_m, None, a.t_ns
        elif self._below_range_since is None and self._last_range_m is not None \
                and self._last_range_m < _NEAR_GROUND_M:
            self._below_range_since = a.t_ns
        if not self._nav_stale(a.t_ns) or not a.valid:
            return
        z = self._ground_z - a.range_m * max(self.est.R[2, 2], 0.5)  # over the ground navigation last saw
        self.fast.hold_height(z, _ALT_GAIN_POS, _ALT_GAIN_VEL * _ALT_PERIOD_S)

    def on_process_lost(self, name: str) -> None:
        if name in self.cfg.critical:
            self._lost = name

    def abort_takeoff(self, t_ns: int, why: str) -> None:
        """The vehicle turns against its commands in its takeoff: within `_ABORT_DROP_M` of the ground the rotors
        stop (a drop it stands); higher, it lands now, on what it has."""
        height = self._height()
        if height < _ABORT_DROP_M:
            self._go(self.modes.abort_takeoff, t_ns, f"takeoff aborted {height:.2f} m up: {why}")
        else:
            self._go(self.modes.land_now, t_ns, why)

    def _nav_stale(self, t_ns: int) -> bool:
        """No valid estimate for `nav_timeout_ms` (beyond the delay estimates are applied with)."""
        return (t_ns - self._nav_good_t) * NS * 1000 - self.cfg.nav_apply_delay_ms > self.cfg.nav_timeout_ms

    def _carry(self, imu: ImuSample) -> tuple[float, float, float]:
        """Body rates now; the fast estimate carried to this sample."""
        self.fast.propagate(imu.t_ns, imu.gyro_radps, imu.accel_mps2)
        return imu.gyro_radps

    def _go(self, fn, *args) -> None:
        try:
            self.transitions.append(fn(*args))
        except ModeRefused:
            pass

    def _sequence(self, t_ns: int) -> None:
        """From the ground to the air: with autostart all of it, otherwise only the end of spin-up (ARM and
        PLAN_START come from the ground)."""
        m = self.modes.mode
        if self.cfg.autostart and m is Mode.IDLE and self.est.valid and self.plan is not None:
            self._go(self.modes.preflight, t_ns)
        elif self.cfg.autostart and m is Mode.PREFLIGHT:
            try:
                self.transitions.append(self.modes.arm(t_ns, self._facts()))
            except ModeRefused as exc:  # tried again each cycle; a new reason said at most once a second
                if str(exc) != self._refused and t_ns - self._refused_t >= _SAY_REFUSAL_NS:
                    self._refused, self._refused_t = str(exc), t_ns
                    self.preflight_failures.append(self._refused)
        elif self.cfg.autostart and m is Mode.ARMED:
            self._go(self.modes.step, t_ns, Mode.SPIN_UP, "spinning up")
        elif m is Mode.SPIN_UP and (t_ns - self._mode_t0) * NS >= self.cfg.spin_up_s:
            c = self.controller.cfg
            self.guidance = Guidance(self.plan, self.est.p.copy(), self._yaw(), self.cfg.cg_height_m, c.drag_per_s,
                                     c.gravity_mps2, self.cfg.yaw_rate_dps)
            self._guidance_t0 = t_ns
            self.controller.reset()
            self._slowed = None
            self._go(self.modes.step, t_ns, Mode.TAKEOFF, f"flying {self.plan.name}")
        if self.modes.mode is not m:
            self._mode_t0 = t_ns

    def _facts(self) -> PreflightFacts:
        return PreflightFacts(self.est.valid, self._imu_seen, self._altimeter_seen, self._tilt_deg(),
                              self.plan is not None, imu_gravity_problem=self._gravity_problem(),
                              altimeter_problem=self._ground_range_problem())

    def _gravity_problem(self) -> str:
        """At rest the accelerometers read gravity's reaction: up, of gravity's size, along the body's tilt
        as navigation has it (from the inclinometer). A flipped axis, a chip mounted otherwise than the config
        says, or a wrong scale shows here, before the rotors turn."""
        if self._accel_rest is None:
            return ""
        g = self.controller.cfg.gravity_mps2
        expected = self.est.R.T @ np.array([0.0, 0.0, -g])
        measured = self._accel_rest
        norm = float(np.linalg.norm(measured))
        angle = math.degrees(math.acos(max(-1.0, min(1.0, float(measured @ expected) / max(norm * g, 1e-9)))))
        reads = f"({measured[0]:.2f}, {measured[1]:.2f}, {measured[2]:.2f}) m/s^2"
        if angle > _GRAVITY_ANGLE_DEG:
            return f"IMU disagrees with gravity: reads {reads} at rest, {angle:.0f} deg from the expected"
        if abs(norm - g) > _GRAVITY_SCALE * g:
            return f"IMU disagrees with gravity: reads {norm:.2f} m/s^2 at rest, not {g:.2f}"
        return ""

    def _ground_range_problem(self) -> str:
        """On the ground the laser sees the ground under its minimum range (or just above): a height of
        metres before takeoff is a wrong unit or something under the vehicle."""
        r = self._last_range_m
        if r is not None and r > _GROUND_RANGE_MAX_M:
            return f"altimeter reads {r:.2f} m on the ground (more than {_GROUND_RANGE_MAX_M:.1f} m)"
        return ""

    # --- ground commands: each returns its transition or raises ModeRefused with the reason --------------
    def arm(self, t_ns: int) -> Transition:
        """ARM: preflight checks (from IDLE or DISARMED), then arming."""
        if self.modes.mode is Mode.DISARMED:
            self._record(self.modes.step(t_ns, Mode.IDLE, "ready for another flight"))
        if self.modes.mode is Mode.IDLE:
            self._record(self.modes.preflight(t_ns))
        return self._record(self.modes.arm(t_ns, self._facts()))

    def start(self, t_ns: int) -> Transition:
        """PLAN_START: spin up; take-off follows after `spin_up_s`."""
        if self.modes.mode is not Mode.ARMED:
            raise ModeRefused(f"PLAN_START needs ARMED, not {self.modes.mode.name}")
        return self._record(self.modes.step(t_ns, Mode.SPIN_UP, f"plan {self.plan.name} started"))

    def disarm(self, t_ns: int) -> Transition:
        return self._record(self.modes.disarm(t_ns, "disarmed from the ground"))

    def land_now(self, t_ns: int) -> Transition:
        return self._record(self.modes.land_now(t_ns, "commanded from the ground"))

    def load(self, plan: Plan) -> None:
        """A new plan, accepted only on the ground and not armed."""
        if self.modes.mode not in (Mode.IDLE, Mode.PREFLIGHT, Mode.LANDED, Mode.DISARMED):
            raise ModeRefused(f"a plan cannot be loaded in {self.modes.mode.name}")
        self.plan = plan
        self._captures_left = {c.at_waypoint: c for c in plan.captures}

    def set_param(self, name: str, value: float) -> None:
        """Change a [flight] setting on the ground; the setting's own range check applies."""
        if self.modes.mode in AIRBORNE or self.modes.mode is Mode.SPIN_UP:
            raise ModeRefused(f"settings cannot change in {self.modes.mode.name}")
        self.cfg = replace(self.cfg, **{name: value})

    def _record(self, tr: Transition) -> Transition:
        self.transitions.append(tr)
        self._mode_t0 = tr.t_ns
        return tr

    def _tilt_deg(self) -> float:
        return math.degrees(math.acos(max(-1.0, min(1.0, self.est.R[2, 2]))))

    def _yaw(self) -> float:
        return math.atan2(self.est.R[1, 0], self.est.R[0, 0])

    def _contingency(self, t_ns: int) -> str | None:
        """Why the vehicle must land now, if it must."""
        if self._lost is not None:
            return f"critical process lost: {self._lost}"
        if self._nav_stale(t_ns):
            return f"no valid nav estimate for {(t_ns - self._nav_good_t) * NS * 1000:.0f} ms"
        bad = self._vision_bad_since
        if bad is not None and (t_ns - bad) * NS >= self.cfg.vision_degraded_land_s:
            return f"vision degraded for {(t_ns - bad) * NS:.1f} s"
        bad = self._imu_bad_since
        if bad is not None and (t_ns - bad) * NS >= self.cfg.imu_implausible_land_s:
            return f"IMU implausible for {(t_ns - bad) * NS:.2f} s (flying on the rate model)"
        return None

    def _land_now_setpoint(self, t_ns: int) -> Setpoint:
        """From the velocity the vehicle had, brake to a stop over the ground and change to the descent rate,
        both at the plan's acceleration limit (a step to the descent rate from a climb asked for a fall faster
        than gravity)."""
        if self._land_here is None:
            self._land_here, self._land_t0 = self.est.p.copy(), t_ns
            self._land_v0 = self.est.v.copy()
            self._land_yaw = self._yaw()
        limits = self.plan.limits if self.plan else Limits()
        t = (t_ns - self._land_t0) * NS
        speed0 = float(np.hypot(*self._land_v0[:2]))
        along = self._land_v0[:2] / speed0 if speed0 > 1e-6 else np.zeros(2)
        x_h, v_h, a_h = ramp(t, speed0, 0.0, limits.max_accel_mps2)
        x_z, v_z, a_z = ramp(t, float(self._land_v0[2]), limits.descent_mps, limits.max_accel_mps2)
        pos = self._land_here + np.append(along * x_h, x_z)
        return Setpoint(pos, np.append(along * v_h, v_z), np.append(along * a_h, a_z), self._land_yaw)

    def _airborne(self, t_ns: int) -> Setpoint:
        if self.modes.mode in (Mode.TAKEOFF, Mode.FLY):
            why = self._contingency(t_ns)
            if why is not None:
                self._go(self.modes.land_now, t_ns, why)
        if self.modes.mode is Mode.LAND_NOW:
            return self._slow_near_ground(self._land_now_setpoint(t_ns), t_ns)
        t_s = (t_ns - self._guidance_t0) * NS
        sp, seg = self.guidance.setpoint(t_s)
        self._capture(seg, t_s)
        m = self.modes.mode
        if m is Mode.TAKEOFF and seg.kind != "climb":
            self._go(self.modes.step, t_ns, Mode.FLY, "at altitude")
        elif m is Mode.FLY and seg.kind == "descend":
            self._go(self.modes.step, t_ns, Mode.LAND, "plan done")
        if seg.kind == "descend":
            return self._slow_near_ground(sp, t_ns)
        return self._keep_clearance(sp, t_ns) if self.modes.mode is Mode.FLY else sp

    def _keep_clearance(self, sp: Setpoint, t_ns: int) -> Setpoint:
        """Cruise: the setpoint no lower than `min_clearance_m` (at most half the planned altitude) over the
        ground the laser sees under the vehicle (its range, tilted to the vertical, smoothed over about 0.2 s).
        The plan's altitude is above the takeoff point: a hill rising under it, or a height estimate that has
        drifted, would otherwise be flown into. Said once an episode (`TERRAIN_CLEARANCE`)."""
        clearance = min(self.cfg.min_clearance_m, -0.5 * float(sp.pos_m[2]))
        r = self._last_range_m
        if clearance <= 0 or r is None or (t_ns - self._last_range_t) * NS > _RANGE_FRESH_S:
            self._floor_z = None
            return sp
        floor = float(self.est.p[2]) + r * max(float(self.est.R[2, 2]), 0.5) - clearance  # NED: up is negative
        self._floor_z = floor if self._floor_z is None else self._floor_z + _FLOOR_SMOOTHING * (floor - self._floor_z)
        if sp.pos_m[2] <= self._floor_z:  # the plan's setpoint is the higher: the guard rests
            if sp.pos_m[2] < self._floor_z - _CLEARANCE_HYSTERESIS_M:
                self._clearance_said = False  # well clear: a next episode is said again
            return sp
        if not self._clearance_said:
            self._clearance_said = True
            self.notices.append(("TERRAIN_CLEARANCE", f"the laser reads {r:.2f} m: climbing to keep {clearance:.1f} m "
                                                      "over the ground"))
        return replace(sp, pos_m=np.append(sp.pos_m[:2], self._floor_z), vel_mps=np.append(sp.vel_mps[:2], 0.0),
                       acc_mps2=np.append(sp.acc_mps2[:2], 0.0))

    def _slow_near_ground(self, sp: Setpoint, t_ns: int) -> Setpoint:
        """A descent faster than `land_speed_mps` brakes to it at `land_brake_mps2`, starting at the estimated
        height that leaves `land_slow_height_m` to spare, and lands at it: the plan's descent rate may be up to
        3 m/s, and the legs give way at 2 (PX4 and ArduPilot slow their final descent the same way). The braking
        starts from where the vehicle is and how fast it sinks, not from the setpoint (which a fast descent
        leaves behind: catching up with it would land harder still)."""
        land, brake = self.cfg.land_speed_mps, self.cfg.land_brake_mps2
        if self._slowed is None:
            rate = max(float(sp.vel_mps[2]), float(self.est.v[2]))
            if rate <= land or self._height() > (rate * rate - land * land) / (2 * brake) + self.cfg.land_slow_height_m:
                return sp
            self._slowed = (t_ns, float(self.est.p[2]), max(float(self.est.v[2]), land))
        t0, z0, rate0 = self._slowed
        x, v, a = ramp((t_ns - t0) * NS, rate0, land, brake)
        return replace(sp, pos_m=np.append(sp.pos_m[:2], z0 + x), vel_mps=np.append(sp.vel_mps[:2], v),
                       acc_mps2=np.append(sp.acc_mps2[:2], a))

    def _capture(self, seg: Segment, t_s: float) -> None:
        """A plan's colour capture, taken once in its waypoint's hold, when the yaw has had time to settle."""
        if seg.kind == "hold" and seg.index in self._captures_left \
                and t_s - seg.t0_s >= min(_CAPTURE_SETTLE_S, seg.duration_s / 2):
            self.capture_requests.append(self._captures_left.pop(seg.index))

    def cycle(self, imu: ImuSample, plausible: bool = True) -> ActuatorCommand:
        """One control cycle: the actuator command for this IMU sample (`plausible` False: a sample the IMU
        gate rejected, replaced by a prediction -- lasting, that is a reason to land now)."""
        if plausible:
            self._imu_bad_since = None
        elif self._imu_bad_since is None:
            self._imu_bad_since = imu.t_ns
        w = self._carry(imu)
        self._accel_norm = math.hypot(*imu.accel_mps2)
        self._imu_seen = True
        if self.modes.mode in (Mode.IDLE, Mode.PREFLIGHT):  # at rest: the accelerometers' mean, for preflight
            a = np.asarray(imu.accel_mps2, dtype=float)
            self._accel_rest = a if self._accel_rest is None else self._accel_rest + _REST_GAIN * (a - self._accel_rest)
        t = imu.t_ns
        self._sequence(t)
        m = self.modes.mode
        if m in (Mode.TAKEOFF, Mode.FLY, Mode.LAND, Mode.LAND_NOW):
            return self._fly(t, w)
        armed = m in (Mode.ARMED, Mode.SPIN_UP)
        return ActuatorCommand(t, armed, 0.0, (0.0, 0.0, 0.0))

    def _slew_yaw(self, sp: Setpoint) -> Setpoint:
        """Turn towards a new heading at the rate guidance timed its turns for (the lower of `yaw_rate_dps`, as
        it was at takeoff, and the plan's limit): a step in heading would tip the vehicle."""
        if self._yaw_sp is None:
            self._yaw_sp = self._yaw()
        err = wrap_angle(sp.yaw_rad - self._yaw_sp)
        step = math.radians(self.guidance.yaw_rate_dps) * _CYCLE_S
        self._yaw_sp += max(-step, min(step, err))
        return Setpoint(sp.pos_m, sp.vel_mps, sp.acc_mps2, self._yaw_sp, sp.max_tilt_deg)  # not replace(): 500 Hz

    def _held_up(self) -> bool:
        """The ground holds the vehicle: thrust well under its weight, yet the accelerometers feel no fall
        (PX4's land detector works this way; it needs no height estimate, which near the ground may be
        wrong)."""
        c = self.controller.cfg
        weight = c.mass_kg * c.gravity_mps2
        return self._last_thrust < _GROUND_THRUST * weight and self._accel_norm > _GROUND_ACCEL * c.gravity_mps2

    def _under_range(self, t_ns: int) -> bool:
        """The laser has read nothing since a range near the ground for `_UNDER_RANGE_S`: down, whatever a
        dead-reckoned vertical speed says (without nav it drifts, and the vehicle sat 10 s on the ground
        pushing against a sink it believed in, until it took off again and tipped)."""
        since = self._below_range_since
        return since is not None and (t_ns - since) * NS >= _UNDER_RANGE_S

    def _height(self) -> float:
        """Estimated height of the legs above the ground under them."""
        return self._ground_z - self.est.p[2] - self.cfg.cg_height_m

    def _touchdown(self, t_ns: int, sp: Setpoint) -> bool:
        descending = self.modes.mode in (Mode.LAND, Mode.LAND_NOW) and sp.vel_mps[2] > 0
        height = self._height()
        if descending and self.est.v[2] > 0.5 * sp.vel_mps[2]:
            self._sinking = True  # a stop counts only after the vehicle has been coming down
        low = height < self.cfg.touchdown_below_m
        stopped = self._sinking and low and self.est.v[2] < 0.25 * sp.vel_mps[2]
        if not (stopped or (descending and low and self._held_up()) or (descending and self._under_range(t_ns))):
            self._stopped_since = None
            return False
        self._stopped_since = t_ns if self._stopped_since is None else self._stopped_since
        return (t_ns - self._stopped_since) * NS >= self.cfg.touchdown_hold_s

    def _fly(self, t: int, w: tuple[float, float, float]) -> ActuatorCommand:
        sp = self._slew_yaw(self._airborne(t))
        if self._touchdown(t, sp):
            self._go(self.modes.step, t, Mode.LANDED, f"touchdown (estimated height {self._height():.2f} m)")
            return ActuatorCommand(t, False, 0.0, (0.0, 0.0, 0.0))
        thrust, torque = self.controller.update(self.est.p, self.est.v, self.est.R, w, sp, _CYCLE_S)
        self._last_thrust = thrust
        return ActuatorCommand(t, True, thrust, torque)
