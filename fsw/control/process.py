"""Control process: owns the IMU, altimeter, inclinometer and actuators. One control cycle runs per IMU
sample (the flight director: modes, guidance, control on the nav estimate) and ends with one actuator command
stamped with that sample's time -- in simulation also the lockstep answer the world waits for. Nav estimates
reach the director through the nav feed (in lockstep at times independent of scheduling: a cycle may wait
for navigation)."""
from __future__ import annotations

import math
from collections import deque

from fsw.bus.messages import Command, CommandResult, ImuSample, ProcState, RteRequest, Severity
from fsw.bus.transport import Received
from fsw.control.coast import RateModel
from fsw.control.flight import FlightDirector
from fsw.control.imugate import ImuGate
from fsw.config import ConfigError
from fsw.config.sensors import load_sensors
from fsw.control.modes import Mode, ModeRefused, describe
from fsw.control.navfeed import NavFeed
from fsw.control.response import ResponseCheck
from fsw.control.plan import Capture, load_plan, parse_plan, summarize
from fsw.typed import FieldError
from fsw.runtime.node import FlightProcess


class ControlProcess(FlightProcess):
    def setup(self) -> None:
        backend = self.ctx.backend
        self.devices = [backend.imu(), backend.altimeter(), backend.inclinometer(), backend.actuators()]
        self.imu, self.altimeter, self.inclinometer, self.actuators = self.devices
        for device in self.devices:
            self.open_device(device)
        plan = load_plan(self.ctx.flight.plan) if self.ctx.flight.plan else None
        self.director = FlightDirector(self.ctx.flight, plan)
        self.samples = {"imu": 0, "altimeter": 0, "cycles": 0}
        self.gate = ImuGate()
        self.model = RateModel(self.director.controller.cfg)
        self.response = ResponseCheck()  # in the takeoff: does the body turn the way it is pushed?
        self.captures = 0
        self._ground_commands()
        imu_rate_hz = load_sensors().imu.rate_hz
        self.feed = NavFeed(self.ctx.flight.nav_apply_delay_ms, self.ctx.nav.published_by_ms(imu_rate_hz))
        self._queue: deque = deque()  # sensor samples read, not yet handled (a cycle waiting for navigation)
        self._restarts: dict[str, int] = {}  # the supervisor's restart count of each process, as last seen
        self.subscribe("nav.state", self._on_nav)
        self.subscribe("health.procs", self._on_procs)
        self._link_errors = 0  # the actuator link's bad frames, as last said
        self.timers.every(_LINK_CHECK_NS, self._check_link, name="actuator_link")
        handle = getattr(self.imu, "wait_handle", None)
        if handle is not None:
            self.watch(handle, self._read_sensors)
        else:
            self.timers.every(round(1e9 / imu_rate_hz), self._read_sensors)  # devices that cannot wake it

    def _ground_commands(self) -> None:
        for name, fn in (("ARM", self.director.arm), ("PLAN_START", self.director.start),
                         ("DISARM", self.director.disarm), ("LAND_NOW", self.director.land_now)):
            self.on_command(name, self._mode_command(fn))
        self.on_command("PLAN_UPLOAD", self._plan_upload)
        self.on_command("CAPTURE_RTE", self._capture_rte)
        self.on_command("SET_PARAM", self._set_param)
        self.on_command("GET_PARAM", lambda cmd, args: (CommandResult.OK,
                                                        f"{args['name']}={getattr(self.director.cfg, args['name'])}"))

    def _mode_command(self, fn):
        def run(cmd: Command, args: dict) -> tuple[CommandResult, str]:
            try:
                tr = fn(self.ctx.clock.now_ns())
            except ModeRefused as exc:
                return CommandResult.EXECUTION_ERROR, str(exc)
            self._report_modes()
            return CommandResult.OK, describe(tr)
        return run

    def _plan_upload(self, cmd: Command, args: dict) -> tuple[CommandResult, str]:
        try:
            plan = parse_plan(args["text"], f"uploaded plan {args['name']!r}")
            self.director.load(plan)
        except ConfigError as exc:
            return CommandResult.VALIDATION_ERROR, str(exc)
        except ModeRefused as exc:
            return CommandResult.BUSY, str(exc)
        s = summarize(plan)
        self.event("PLAN_LOADED", Severity.ACTIVITY_HI, f"plan {plan.name}: {len(plan.waypoints)} waypoints, "
                   f"{s.distance_m:.0f} m, {s.duration_s:.0f} s, up to {s.max_altitude_m:.1f} m")
        return CommandResult.OK, f"plan {plan.name} loaded ({s.distance_m:.0f} m, {s.duration_s:.0f} s)"

    def _capture_rte(self, cmd: Command, args: dict) -> tuple[CommandResult, str]:
        self.director.capture_requests.append(Capture(-1, args["width_px"], args["height_px"]))
        self._request_captures(self.ctx.clock.now_ns())
        return CommandResult.OK, f"colour capture {self.captures} requested"

    def _set_param(self, cmd: Command, args: dict) -> tuple[CommandResult, str]:
        try:
            self.director.set_param(args["name"], args["value"])
        except FieldError as exc:
            return CommandResult.VALIDATION_ERROR, str(exc)
        except ModeRefused as exc:
            return CommandResult.BUSY, str(exc)
        self.event("PARAM_SET", Severity.ACTIVITY_HI, f"{args['name']} = {args['value']}")
        return CommandResult.OK, f"{args['name']}={getattr(self.director.cfg, args['name'])}"

    def teardown(self) -> None:
        for device in getattr(self, "devices", []):
            device.close()

    def _read_sensors(self) -> None:
        self._queue.extend(self.altimeter.read())  # ranges first, as the world's step gives them
        self._queue.extend(self.imu.read())
        tilt = self.inclinometer.read()
        if tilt is not None:
            self.publish("inclinometer", tilt)
        self._run_queue()

    def _on_nav(self, rec: Received) -> None:
        self.feed.push(rec.msg)
        if self._queue:
            self._run_queue()  # a cycle may have been waiting for it

    def _run_queue(self) -> None:
        while self._queue:
            sample = self._queue[0]
            if isinstance(sample, ImuSample) and not self.feed.ready(sample.t_ns):
                return
            self._queue.popleft()
            if isinstance(sample, ImuSample):
                self._cycle(sample)
            else:
                self.publish("altimeter", sample)
                self.director.on_altimeter(sample)
                self.samples["altimeter"] += 1

    def _cycle(self, raw: ImuSample) -> None:
        for state in self.feed.due(raw.t_ns):
            self.director.on_nav(state)
        # the rate model knows what turns the body only while the rotors are armed (not a vehicle carried
        # by hand, nor one a scripted world moves itself)
        expected = self.model.predict(raw.t_ns) if self.model.armed else None
        sample, rejected = self.gate.check(raw, expected)
        if rejected:
            self._coast(raw)
        else:
            self.model.observe(sample)
        self._check_response(raw, expected, rejected)
        command = self.director.cycle(sample, plausible=not rejected)
        self.actuators.write(command)  # first: in lockstep the world waits for it, and steps while we go on
        self.model.commanded(command)
        self.publish("imu", sample)
        self.samples["imu"] += 1
        self.samples["cycles"] += 1
        self.publish("actuators", command)
        self._report_modes()
        self._request_captures(sample.t_ns)

    def _check_response(self, raw: ImuSample, expected: ImuSample | None, rejected: bool) -> None:
        """In its takeoff, a vehicle whose body turns against the commands (an IMU axis reversed) is stopped."""
        if self.director.modes.mode is not Mode.TAKEOFF or expected is None or rejected:
            self.response.reset()
            return
        why = self.response.observe(raw, expected)
        if why is not None:
            self.event("TAKEOFF_ABORTED", Severity.WARNING_HI, why)
            self.director.abort_takeoff(raw.t_ns, why)

    def _coast(self, raw: ImuSample) -> None:
        """An implausible IMU sample: control (and navigation) fly on the rate model's prediction instead."""
        self.event("IMU_IMPLAUSIBLE", Severity.WARNING_HI,
                   f"IMU sample rejected (gyro {raw.gyro_radps}, accel {raw.accel_mps2}): flying on the rate model")

    def _on_procs(self, rec: Received) -> None:
        """A critical flight process the supervisor no longer has running, or has restarted since the last
        table (a fast restart may be over before a table shows it dead), is a reason to land now; a cycle
        waiting for a lost navigation goes ahead."""
        for p in rec.msg.processes:
            restarted = p.restarts > self._restarts.get(p.name, 0)
            self._restarts[p.name] = p.restarts
            if restarted or (p.state in (ProcState.DEAD, ProcState.STARTING) and p.restarts > 0):
                self.director.on_process_lost(p.name)
                if p.name == "nav":
                    self.feed.lost()
                    self._run_queue()

    def _request_captures(self, t_ns: int) -> None:
        while self.director.capture_requests:
            c = self.director.capture_requests.pop(0)
            self.captures += 1
            est = self.director.est
            att = _euler_deg(est.R)
            self.publish("rte.request", RteRequest(t_ns, self.captures, c.width_px, c.height_px,
                                                   tuple(round(float(v), 3) for v in est.p), att))
            self.event("CAPTURE_REQUESTED", Severity.ACTIVITY_LO,
                       f"colour capture {self.captures} {_where(c)}: {c.width_px}x{c.height_px}")

    def _report_modes(self) -> None:
        while self.director.transitions:
            tr = self.director.transitions.pop(0)
            self.event("MODE", Severity.ACTIVITY_HI, describe(tr))
        while self.director.preflight_failures:
            self.event("PREFLIGHT_FAILED", Severity.WARNING_HI, self.director.preflight_failures.pop(0))
        while self.director.notices:
            name, text = self.director.notices.pop(0)
            self.event(name, Severity.WARNING_HI, text)

    def _check_link(self) -> None:
        """Bad frames on the link to the actuators (a UART's failed CRCs), said when there are new ones."""
        errors = getattr(self.actuators, "link_errors", 0)
        if errors > self._link_errors:
            self.event("ACTUATOR_LINK_ERRORS", Severity.WARNING_LO,
                       f"{errors - self._link_errors} bad frames from the flight-control MCU ({errors} in all): "
                       "dropped, the link carries on")
            self._link_errors = errors

    def telemetry(self) -> dict:
        channels = {f"{k}_samples": v for k, v in self.samples.items()}
        channels["mode"] = self.director.modes.mode.name
        channels["imu_rejected"] = self.gate.rejected
        channels["nav_losses"] = self.feed.losses
        return channels


def _where(c: Capture) -> str:
    return "on command" if c.at_waypoint < 0 else f"at waypoint {c.at_waypoint}"


_LINK_CHECK_NS = 1_000_000_000


def _euler_deg(r) -> tuple[float, float, float]:
    """Roll, pitch, yaw (ZYX, degrees, rounded) of a body-to-NED rotation matrix."""
    roll = math.atan2(r[2][1], r[2][2])
    pitch = -math.asin(max(-1.0, min(1.0, r[2][0])))
    yaw = math.atan2(r[1][0], r[0][0])
    return tuple(round(math.degrees(a), 2) for a in (roll, pitch, yaw))
