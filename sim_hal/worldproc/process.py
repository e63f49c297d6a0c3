"""The world process: the clock master of a simulation.

Lockstep (as PX4's; the contract is docs/lockstep.md): after each step the world publishes what the sensors
produced and waits until the control process has answered with an actuator command stamped at least as late
as the newest IMU sample of that step, and holds time while navigation lacks a frame it must have; only then
does time advance. So a run depends only on its seed and config, and goes as fast as the flight software can
keep up. Time never steps on without a participant: one that neither answers nor uses the CPU for
`hang_timeout_ms` ends the run (exit code 5, EXIT_HANG) with a message naming it, the time and the step. A
participant the supervisor reports dead or restarting is not waited for until it speaks again.
Real time: the world steps on the wall clock times `speed`, holding the latest actuator command.

Run it: `python -m sim_hal.worldproc.process --config STACK.toml --run-dir DIR [--world WORLD.toml] [--seconds S] ...`
"""
from __future__ import annotations

import argparse
import logging
import math
import os
import sys
import time
from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path

from fsw.bus.messages import CommandResult, NavState, NavTrack, ProcState, RteRequest, Severity, VisionStatus
from fsw.bus.message import Codec, Envelope
from fsw.bus.transport import Received
from fsw.clock import NS_PER_MS, NS_PER_S
from fsw.config import ConfigError
from fsw.config.stack import load_stack
from fsw.health.supervision import EXIT_CONFIG
from fsw.runtime.launch import build_context, die_with_parent
from fsw.runtime.node import FlightProcess, ProcessContext
from fsw.nav.tracker import TrackQuality
from sim_hal.backend.messages import ClockTick, SimSensors, WorldSummary
from sim_hal.model.faults import FaultSpecError, parse_fault
from sim_hal.model.flightmeter import FlightMeter
from sim_hal.worldproc.metronome import Metronome
from sim_hal.worldproc.hangwatch import CHAIN, HangWatch
from sim_hal.worldproc.config import DEFAULT_WORLD, WorldConfig, load_world, world_models
from sim_hal.worldproc.world import StepOutput, World

NAME = "world"
# the streams a hosted control publishes that the flight depends on, and who reads them (the logger too, for
# every stream it records)
_CONTROL_READERS = {"imu": ("nav",), "altimeter": ("nav",), "actuators": ("nav",), "inclinometer": ("nav",),
                    "event": ("comm",), "rte.request": ("camera",)}  # the world taps control's asks
_REALTIME_TICK_NS = 1 * NS_PER_MS
_MAX_STEPS_PER_TICK = 50
_SETTLE_NS = NS_PER_S  # down this long after flying, rotors commanded off: the flight is over
EXIT_HANG = 5  # a lockstep participant stopped answering
SUMMARY_FILE = "world_summary.msgpack"  # in the run folder: the WorldSummary, encoded as on the bus


@dataclass
class RunStats:
    steps: int = 0
    frames: int = 0
    started_wall_ns: int = 0
    wall_s: float = 0.0
    step_ns: int = 0  # in World.step (physics, sensors, rendering)
    publish_ns: int = 0
    answer_ns: int = 0  # lockstep: wall time from a step's sensors going out to control's answer
    chain_cpu_ns: int = 0  # the main thread's CPU time in the steps' physics, sensors and publishing (with a
    # hosted control's cycle): the serial chain's work, without the time the thread waited for a core
    answered: int = 0  # ... over this many steps


class WorldProcess(FlightProcess):
    def __init__(self, ctx: ProcessContext, cfg: WorldConfig, duration_s: float | None = None,
                 end_on_landing: bool = False, running: frozenset[str] | None = None,
                 control: ProcessContext | None = None) -> None:
        """`running`: the flight processes of the stack that run as processes of their own (None: every
        process the topology lists); `control`: the context of a control process this world hosts in its own
        loop (lockstep only; its backend a `HostedBackend`)."""
        super().__init__(ctx)
        self.cfg = cfg
        self._running = frozenset(ctx.topology.processes if running is None else running)
        self._control_ctx = control
        self._link = None  # the hosted control's sensor link (HostedLink)
        self._advancing = False
        self._step_due = False  # a hosted control answered outside `_advance`: step on after its handler
        self.duration_ns = None if duration_s is None else round(duration_s * NS_PER_S)
        self.end_on_landing = end_on_landing
        self.ended = "running"
        faults = [parse_fault(spec) for spec in cfg.faults]
        self._faults = sorted([(f.start_s, "INJECTED", f) for f in faults]
                              + [(f.start_s + f.duration_s, "CLEARED", f) for f in faults if f.duration_s],
                              key=lambda x: x[0])
        self.meter = FlightMeter(cfg.start.north_m, cfg.start.east_m, math.radians(cfg.start.yaw_deg))
        self.stats = RunStats()
        self._awaiting_ns: int | None = None  # lockstep: the IMU time the control process must answer
        self._asked_wall_ns = 0  # ... and when its sensors went out (perf counter)
        self._captures_due: dict[int, int] = {}  # lockstep: capture_id -> when its still is exposed
        self._capture_requests: dict[int, RteRequest] = {}  # ... and the camera's requests for them, when in
        self._measured: dict[type, deque] = {NavState: deque(), NavTrack: deque()}  # lockstep: until measured
        self._not_in_hand: deque[tuple[int, int]] = deque()  # published, not yet in navigation's hands
        # navigation takes frames (time waits for it): from the start, in lockstep; after a restart, once heard
        self._nav_seen = cfg.lockstep and "nav" in self._running
        self._nav_estimating = False  # ... and the world has had an estimate from it
        self._nav_restarts = 0  # the supervisor's count, as last seen
        self._nav_state_t = 0  # the newest nav estimate's time
        self._frame_walls: dict[int, list[int]] = {}  # real time: frame_seq -> wall times exposed, published,
        # in navigation's hands (its progress)
        self._latency: dict[int, float] = {}  # real time: frame_seq -> ms from exposure to its estimate
        self._started = False
        self.injected: list[str] = []  # faults commanded from the ground
        self.hang = ""  # who stopped answering (the run then ends)
        self._watch = HangWatch(ctx.wall.now_ns, cfg.hang_timeout_ms * NS_PER_MS)
        self._metronome: Metronome | None = None  # real time: wakes the loop as each step is due

    def setup(self) -> None:
        self.world = World(self.cfg, *world_models(self.cfg), render_process=True)
        if not self.cfg.lockstep:  # after the render worker has started: it takes its own
            self.take_realtime(self.cfg.realtime_priority, self.cfg.cpus)
        for topic in ("sim.sensors", "sim.navcam", "sim.rte"):
            self.add_publisher(topic)
        if self._control_ctx is not None:
            self._host_control()
        else:
            self.subscribe("sim.actuators", self._on_actuators, publishers=["control"])
        self.subscribe("sim.rte.request", self._on_rte_request, publishers=["camera"])
        if self._control_ctx is not None:  # known as control asks, before the world steps on
            self.control.tap("rte.request", self._capture_asked)
        elif self.cfg.lockstep and "control" in self.ctx.topology.processes:
            self.subscribe("rte.request", lambda rec: self._capture_asked(rec.msg), publishers=["control"])
        if "nav" in self.ctx.topology.processes:
            # the loop drains sockets in this order: a frame's estimate before its record, which comes after it
            self.subscribe("nav.state", self._on_nav_state, publishers=["nav"])
            self.subscribe("sim.progress", self._on_progress, publishers=["nav"])
            self.subscribe("nav.track", self._on_nav_track, publishers=["nav"])
        if "health" in self.ctx.topology.processes:
            self.subscribe("health.procs", self._on_procs, publishers=["health"])
        self.on_command("FAULT_INJECT", self._fault_inject)
        self.timers.every(_REALTIME_TICK_NS, self._tick, name="world_tick")

    def _host_control(self) -> None:
        """Run the control process in this loop: its sensors delivered after each step, its commands applied
        as it writes them (sim_hal/backend/hosted.py)."""
        from fsw.control.process import ControlProcess

        self.control = ControlProcess(self._control_ctx)
        self._link = self._control_ctx.backend.link
        self._link.on_command = self._on_hosted_command
        self.host(self.control)
        self._watch.pid("control", os.getpid())  # its CPU is this process's

    def _on_hosted_command(self, command) -> None:
        """The hosted control's actuator command: applied now; the answer to the step awaiting it, which then
        steps on (at once, when control answered while the world woke it)."""
        self.world.apply(command)
        if self._awaiting_ns is not None and command.t_ns >= self._awaiting_ns:
            self._awaiting_ns = None
            self.stats.answer_ns += time.perf_counter_ns() - self._asked_wall_ns
            self.stats.answered += 1
            # answered late (control had waited for navigation): step on once control's handler is done, so
            # what it publishes after the command keeps its order
            self._step_due = not self._advancing

    def spin_once(self, max_wait_ms: int = 1000) -> int:
        handled = super().spin_once(max_wait_ms)
        if self._step_due:
            self._step_due = False
            self._advance()
        return handled

    def _fault_inject(self, cmd, args: dict) -> tuple[CommandResult, str]:
        """A device fault from the ground (through comm), its start counted from now."""
        try:
            fault = parse_fault(args["spec"])
        except FaultSpecError as exc:
            return CommandResult.VALIDATION_ERROR, str(exc)
        fault = replace(fault, start_s=self.world.t_ns / NS_PER_S + fault.start_s)
        self.world.streams[fault.device].faults.append(fault)
        self._faults.append((fault.start_s, "INJECTED", fault))
        if fault.duration_s:
            self._faults.append((fault.start_s + fault.duration_s, "CLEARED", fault))
        self._faults.sort(key=lambda x: x[0])
        self.injected.append(args["spec"])
        return CommandResult.OK, f"{args['spec']} from t={fault.start_s:.2f} s"

    # --- stepping -------------------------------------------------------------------------------------
    def _tick(self) -> None:
        """Start (in lockstep, once the control process listens); then pace real time, or watch the lockstep
        deadline."""
        if not self._started:
            if self.cfg.lockstep and not self._all_listening():
                return
            self._started = True
            self.stats.started_wall_ns = self.ctx.wall.now_ns()
            if not self.cfg.lockstep:
                self._metronome = Metronome(self.ctx.wall.now_ns)
                self.watch(self._metronome.fileno(), self._on_beat)
                self._metronome.start(self.stats.started_wall_ns, self.world.dt_ns / self.cfg.speed)
            self.event("SIM_STARTED", Severity.ACTIVITY_HI, f"seed {self.cfg.seed}, terrain {self.cfg.terrain}, "
                       f"{'lockstep' if self.cfg.lockstep else f'real time x{self.cfg.speed:g}'}")
            self._advance()
        elif not self.cfg.lockstep:
            self._pace_real_time()
        else:
            self._check_hang()
            if self._awaiting_ns is None:
                self._publish_frames(self.world.collect_frames())  # navigation waits for them: hand them over

    def _all_listening(self) -> bool:
        """Lockstep starts once every sensor stream has its reader: control the IMU, altimeter and
        inclinometer, the camera the navcam. A frame or sample published before its reader had joined would
        be lost to one run and not to another (the flight processes have joined each other before the world
        is started: the supervisor starts it once all are ready). Colour stills are asked for, and the
        asking is repeated until answered."""
        readers = {"sim.sensors": "control", "sim.navcam": "camera"}
        if not all(self.publisher(topic).poll_subscriptions() >= 1
                   for topic, reader in readers.items() if reader in self._running):
            return False
        return self._link is None or all(self.control.publisher(topic).poll_subscriptions() >= count
                                         for topic, count in self._hosted_readers().items())

    def _hosted_readers(self) -> dict[str, int]:
        """A hosted control binds its publishers when the world starts, after the other processes: how many
        readers each stream the flight depends on must have before time starts (the logger's, for a complete
        flight log)."""
        logged = {t.name for t in self.ctx.topology.registry if not t.hal} - set(self.ctx.logger.exclude)
        counts = {}
        for topic, readers in _CONTROL_READERS.items():
            running = [r for r in readers if r in self._running]
            counts[topic] = len(running) + (topic in logged and "logger" in self._running)
        counts["event"] += self.cfg.event_listeners
        return counts

    def _waiting_for(self) -> str | None:
        """The lockstep participant time waits for now, if any."""
        if self._awaiting_ns is not None:
            return "control"
        if self._nav_behind():
            return "nav"
        return "camera" if self._capture_behind() else None

    def _check_hang(self) -> None:
        """A participant that keeps time waiting, neither answering nor using the CPU, for `hang_timeout_ms`
        of wall time ends the run: time never steps on without it (docs/lockstep.md)."""
        who = self._waiting_for()
        if not self._watch.hung(who, self.world.step_count) or self.ended != "running":
            return
        t_s = self.world.t_ns / NS_PER_S
        self.hang = (f"{who} stopped answering at t={t_s:.3f} s, step {self.world.step_count}: no answer and no "
                     f"CPU used for {self.cfg.hang_timeout_ms} ms")
        if who == "control" and self.world.t_ns - self._nav_state_t > NS_PER_S:
            self.hang += f" (navigation's newest estimate is for t={self._nav_state_t / NS_PER_S:.3f} s)"
        self.event("LOCKSTEP_HANG", Severity.FATAL, self.hang)
        self.ended = "hang"
        self._finished()

    def _on_beat(self) -> None:
        self._metronome.drain()
        self._pace_real_time()

    def _pace_real_time(self) -> None:
        elapsed = (self.ctx.wall.now_ns() - self.stats.started_wall_ns) * self.cfg.speed
        due = int(elapsed // self.world.dt_ns) - self.world.step_count
        for _ in range(min(due, _MAX_STEPS_PER_TICK)):
            self._advance()

    def _advance(self) -> None:
        """World steps, published, until (in lockstep) one gives the control process an IMU sample to
        answer; then arm the wait for that answer. Real time: exactly one step. A hosted control answers
        within the step, and the steps go on."""
        self._advancing = True
        try:
            self._steps()
        finally:
            self._advancing = False

    def _steps(self) -> None:
        while not self._finished():
            self._hand_over_late_renders()
            if self._nav_behind() or self._capture_behind():
                self._awaiting_ns = None
                return  # _on_nav_track (or the camera's request) steps on
            t0, c0 = time.perf_counter_ns(), time.thread_time_ns()
            out = self.world.step()
            t1 = time.perf_counter_ns()
            # the sensors first: in lockstep, control answers while the rest is done
            if self._link is not None:
                self._link.deliver(out.t_ns, out.imu, out.altimeter, out.inclinometer)
            else:
                self.publish("sim.sensors", SimSensors(out.t_ns, out.step, out.imu, out.altimeter, out.inclinometer))
            self._asked_wall_ns = time.perf_counter_ns()
            self.ctx.clock.on_tick(out.t_ns)
            self.meter.update(out.t_ns, self.world.vehicle.state, self.world.agl_m())
            self._measure()
            self._announce_faults(out.t_ns)
            self._publish(out)
            self.stats.step_ns += t1 - t0
            self.stats.publish_ns += time.perf_counter_ns() - t1
            self.stats.chain_cpu_ns += time.thread_time_ns() - c0
            self._awaiting_ns = out.imu[-1].t_ns if (self.cfg.lockstep and out.imu) else None
            if self._awaiting_ns is not None and self._link is not None:
                self.wake(self.control, self._link.wake_handle)  # it answers now, unless it waits for nav
            if not self.cfg.lockstep or self._awaiting_ns is not None:
                return

    def _publish(self, out: StepOutput) -> None:
        """What a step gave besides the sensors (published first, in `_advance`)."""
        self.stats.steps += 1
        w = self.world
        self._publish_frames(out.navcam)
        for still in w.stills_ready():
            self.publish("sim.rte", still)
        if out.step % self.cfg.truth_every_steps == 0:
            self.publish("sim.truth", w.truth())
        if out.step % self._clock_every == 0:
            self.publish("sim.clock", self._clock_tick(out))

    @property
    def _clock_every(self) -> int:
        return self.cfg.clock_every_steps if self.cfg.lockstep else self.cfg.realtime_clock_every_steps

    def _clock_tick(self, out: StepOutput) -> ClockTick:
        """In real time the tick says how fast the clock runs, so each process's runs on between ticks."""
        if self.cfg.lockstep:
            return ClockTick(out.t_ns, out.step)
        return ClockTick(out.t_ns, out.step, self.cfg.speed, self._clock_every * self.world.dt_ns)

    def teardown(self) -> None:
        if self._metronome is not None:
            self._metronome.close()
        if getattr(self, "world", None) is not None:
            self.world.close()

    def _publish_frames(self, frames: list) -> None:
        for frame in frames:
            self.stats.frames += 1
            self.publish("sim.navcam", frame)
            if not self.cfg.lockstep:
                exposed = self.stats.started_wall_ns + round(frame.t_ns / self.cfg.speed)
                self._frame_walls[frame.frame_seq] = [exposed, self.ctx.wall.now_ns()]
            self._not_in_hand.append((frame.frame_seq, frame.t_ns))

    def _finished(self) -> bool:
        if self.ended == "running":
            self.ended = self._end_reason()
        if self.ended != "running":
            if not self.stopping:
                self._publish_frames(self.world.flush_frames())
                self.stats.wall_s = (self.ctx.wall.now_ns() - self.stats.started_wall_ns) / NS_PER_S
                self.event("SIM_DONE", Severity.ACTIVITY_HI,
                           f"{self.ended} at t={self.world.t_ns / NS_PER_S:.3f} s after {self.stats.steps} steps, "
                           f"{self.stats.frames} frames")
                self.stop()
            return True
        return False

    def _announce_faults(self, t_ns: int) -> None:
        """An event when each injected fault begins and ends, so every log and report shows it."""
        t_s = t_ns / NS_PER_S
        while self._faults and t_s >= self._faults[0][0]:
            _, what, fault = self._faults.pop(0)
            self.event(f"FAULT_{what}", Severity.WARNING_HI if what == "INJECTED" else Severity.ACTIVITY_HI,
                       fault.spec)

    def _end_reason(self) -> str:
        """Why the run ends now ("running": it does not): its time is up, or (with end_on_landing) the vehicle
        is down after flying -- a second after touchdown with the rotors commanded off, or tipped over."""
        t = self.world.t_ns
        if self.end_on_landing:
            down_ns = self.meter.on_ground_since_ns(t, self.world.vehicle.state.contact)
            if self.meter.tipped and down_ns >= _SETTLE_NS:
                return "tipped"
            if down_ns >= _SETTLE_NS and not self.world.command.armed:
                return "landed"
        if self.duration_ns is not None and t >= self.duration_ns:
            return "time"
        return "running"

    def _on_nav_state(self, rec: Received) -> None:
        s = rec.msg
        if not self.cfg.lockstep:
            self._estimate_out(s.frame_seq)
        if s.t_ns > self._nav_state_t:
            self._nav_state_t = s.t_ns
            self._nav_seen = self._nav_estimating = True
            self._step_on_if_waiting()
        self._measure_later(s)

    def _measure_later(self, msg: NavState | NavTrack) -> None:
        """Into the flight meter -- in lockstep once time is `nav_lag_ms` past it: by then every run has
        received the same ones (time waits for a navigation that lags more), so the figures are the same."""
        if self.cfg.lockstep:
            self._measured[type(msg)].append(msg)
        else:
            self._meter_take(msg)

    def _measure(self) -> None:
        """What every run has received by now: estimates `nav_lag_ms` old (time waits for a navigation whose
        newest is older), and frame records twice that (a frame is done, its fusion delay behind the IMU,
        before the estimate after it; they come on two sockets)."""
        lag = round(self.cfg.nav_lag_ms * NS_PER_MS)
        for kind, until in ((NavState, self.world.t_ns - lag), (NavTrack, self.world.t_ns - 2 * lag)):
            queue = self._measured[kind]
            while queue and queue[0].t_ns <= until:
                self._meter_take(queue.popleft())

    def _meter_take(self, msg: NavState | NavTrack) -> None:
        if isinstance(msg, NavState):
            self.meter.compare(msg.t_ns, msg.valid, msg.pos_m, msg.vel_mps,
                               msg.vision in (VisionStatus.DEGRADED, VisionStatus.LOST))
        else:
            self.meter.tracker.add(msg.frame_seq, msg.proc_ms, self._latency.pop(msg.frame_seq, None))

    def summary(self) -> WorldSummary:
        """The run in figures, with where the world process's wall time went (`host`): its main thread steps,
        publishes and waits for the flight software; its render process draws the navcam frames (and makes
        the terrain tiles they need)."""
        st, w = self.stats, self.world
        render_ns, tiles_ns = w.render_stats()
        step_s, publish_s = st.step_ns / NS_PER_S, st.publish_ns / NS_PER_S
        host = {"main_physics_and_sensors_s": round(step_s, 3), "main_publish_s": round(publish_s, 3),
                "main_waiting_for_flight_software_s": round(max(0.0, st.wall_s - step_s - publish_s), 3),
                "render_s": round(render_ns / NS_PER_S, 3), "render_terrain_tiles_s": round(tiles_ns / NS_PER_S, 3),
                "render_ms_per_frame": round(render_ns / 1e6 / max(st.frames, 1), 2),
                "answer_ms_per_step": round(st.answer_ns / 1e6 / max(st.answered, 1), 4),
                "main_chain_cpu_s": round(st.chain_cpu_ns / NS_PER_S, 3),
                "cpu_world_s": round(time.process_time(), 1), "cpu_render_s": round(w.render_cpu_s(), 1)}
        return WorldSummary(w.t_ns, self.ended, self.hang, self.cfg.seed, self.cfg.terrain, w.t_ns / NS_PER_S,
                            st.wall_s, st.steps, st.frames, list(self.cfg.faults) + self.injected,
                            self.meter.report(), self.meter.nav.report(), self.meter.tracker.report(), host)

    # --- inputs -----------------------------------------------------------------------------------------
    def _on_actuators(self, rec: Received) -> None:
        self.world.apply(rec.msg)
        if self._awaiting_ns is not None and rec.msg.t_ns >= self._awaiting_ns:
            self._awaiting_ns = None
            self.stats.answer_ns += time.perf_counter_ns() - self._asked_wall_ns
            self.stats.answered += 1
            self._advance()

    def _on_nav_track(self, rec: Received) -> None:
        """Navigation's record of a frame: for the tracker's figures (and, in real time, the latency)."""
        seq = rec.msg.frame_seq
        if not self.cfg.lockstep and rec.msg.quality != int(TrackQuality.SKIPPED):
            self._estimate_out(seq)  # its estimate not seen (yet): the record's arrival bounds the latency
        self._measure_later(rec.msg)
        for done in [s for s in self._frame_walls if s <= seq]:
            del self._frame_walls[done]
        for done in [s for s in self._latency if s < seq]:
            del self._latency[done]

    def _estimate_out(self, frame_seq: int) -> None:
        """Real time: the first estimate that has used a frame ends the frame's end-to-end latency, on the
        wall clock from its exposure (render, camera, bus, tracking, filter), split into the stages."""
        walls = self._frame_walls.get(frame_seq)
        if walls is None or frame_seq in self._latency:
            return
        now = self.ctx.wall.now_ns()
        self._latency[frame_seq] = (now - walls[0]) / NS_PER_MS
        if len(walls) == 3:
            marks = [*walls, now]
            self.meter.tracker.add_stages(tuple((b - a) / NS_PER_MS for a, b in zip(marks, marks[1:])))

    def _on_progress(self, rec: Received) -> None:
        """Navigation has taken in the frames exposed up to `last_t_ns`: the IMU after them may go out."""
        last_t = rec.msg.last_t_ns
        for seq, t_ns in self._not_in_hand:
            walls = self._frame_walls.get(seq) if t_ns <= last_t else None
            if walls is not None and len(walls) == 2:
                walls.append(self.ctx.wall.now_ns())
        self._nav_seen = True
        while self._not_in_hand and self._not_in_hand[0][1] <= last_t:
            self._not_in_hand.popleft()
        self._step_on_if_waiting()

    def _on_procs(self, rec: Received) -> None:
        """The supervisor's table: the participants' pids (for the hang watch's CPU check), and a navigation
        that is dead or restarting, which time does not wait for until it speaks again."""
        for p in rec.msg.processes:
            if p.name in CHAIN:
                self._watch.pid(p.name, p.pid if p.state not in (ProcState.DEAD,) else None)
            if p.name == "nav" and p.restarts > self._nav_restarts:
                self._nav_restarts = p.restarts
                self._nav_seen = self._nav_estimating = False  # a new process's first messages may be lost
                self._nav_state_t = self.world.t_ns  # (sent before the world reconnected): wait on it again once
                # it has been heard; its estimates are due from now
                self._not_in_hand.clear()
                self.event("LOCKSTEP_PARTICIPANT_LOST", Severity.WARNING_HI,
                           f"navigation restarted (restart {p.restarts}): time no longer waits for it until it "
                           f"speaks again")
                self._step_on_if_waiting()

    def _step_on_if_waiting(self) -> None:
        """Navigation has moved on: a lockstep world that was holding time for it (not for control) steps."""
        if self._awaiting_ns is None and self._started and self.cfg.lockstep and not self.stopping:
            self._advance()

    def _nav_behind(self) -> bool:
        """Lockstep holds time while navigation lags (once it has shown it runs): while it has not yet received
        a frame older than `frame_lead_ms` (so every frame reaches it before the IMU samples `frame_lead_ms`
        after it: a frame always comes before the IMU its fusion waits for, the same run every time), and
        while its newest estimate is more than `nav_lag_ms` old (an estimate at t says the IMU, and the frames
        its fusion delay before, are done; a starved navigation would otherwise fall behind for good, and
        the flight meter's figures would depend on how far)."""
        if not (self.cfg.lockstep and self._nav_seen):
            return False
        t = self.world.t_ns
        if self._nav_estimating and t - self._nav_state_t >= self.cfg.nav_lag_ms * NS_PER_MS:
            return True  # navigation is behind on the IMU itself (no frames yet, or it is starved)
        return bool(self._not_in_hand) and t - self._not_in_hand[0][1] >= self.cfg.frame_lead_ms * NS_PER_MS

    def _nav_behind_why(self) -> str:
        """What navigation keeps time waiting for, in words (telemetry: `ginny bus echo tlm`)."""
        if not self._nav_behind():
            return ""
        t = self.world.t_ns
        if self._nav_estimating and t - self._nav_state_t >= self.cfg.nav_lag_ms * NS_PER_MS:
            return f"no estimate since t={self._nav_state_t / NS_PER_S:.3f} s"
        return f"frame {self._not_in_hand[0][0]} not in its hands"

    def _hand_over_late_renders(self) -> None:
        """In lockstep, wait for (and publish) a frame still being drawn `frame_lead_ms` after its exposure."""
        rendering = self.world.oldest_rendering_ns()
        if (self.cfg.lockstep and self._nav_seen and rendering is not None
                and self.world.t_ns - rendering >= self.cfg.frame_lead_ms * NS_PER_MS):
            self._publish_frames(self.world.wait_frame())

    def _on_rte_request(self, rec: Received) -> None:
        """The camera asks for a still. In lockstep it is exposed when due (the time control asked, plus
        `capture_latency_ms`), the same instant every run; in real time now (it comes later, from the stills
        worker)."""
        req = rec.msg
        if req.capture_id in self._captures_due:
            self._capture_requests[req.capture_id] = req
            self._take_due_captures()
            self._step_on_if_waiting()
            return
        still = self.world.capture(req)
        if still is not None:
            self.publish("sim.rte", still)

    def _capture_asked(self, req: RteRequest) -> None:
        """Lockstep: control has asked the camera for a still; it is due `capture_latency_ms` later."""
        self._captures_due.setdefault(req.capture_id, req.t_ns + round(self.cfg.capture_latency_ms * NS_PER_MS))

    def _take_due_captures(self) -> None:
        for capture_id, due in sorted(self._captures_due.items(), key=lambda kv: kv[1]):
            req = self._capture_requests.get(capture_id)
            if req is None or self.world.t_ns < due:
                continue
            del self._captures_due[capture_id], self._capture_requests[capture_id]
            still = self.world.capture(req)
            if still is not None:
                self.publish("sim.rte", still)

    def _capture_behind(self) -> bool:
        """Lockstep: time holds at a still's exposure until the camera's request for it is in."""
        if not self._captures_due:
            return False
        self._take_due_captures()
        return any(due <= self.world.t_ns and cid not in self._capture_requests
                   for cid, due in self._captures_due.items())

    def telemetry(self) -> dict:
        return {"steps": self.stats.steps, "frames": self.stats.frames, "sim_s": self.world.t_ns / NS_PER_S,
                "waiting_for": self._waiting_for() or "", "nav_behind": self._nav_behind_why()}


def world_config(args: argparse.Namespace) -> WorldConfig:
    cfg = load_world(args.world)
    return cfg.with_overrides(faults=list(cfg.faults) + list(args.fault or []) or None,
                              seed=args.seed, terrain=args.terrain, speed=args.speed,
                              lockstep=False if args.realtime else None,
                              event_listeners=getattr(args, "event_listeners", None))


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--world", default=str(DEFAULT_WORLD), help="world config (TOML)")
    p.add_argument("--seconds", type=float, default=None, help="stop after this much simulated time")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--terrain", default=None)
    p.add_argument("--fault", action="append", help="fault spec, e.g. navcam.drop@54 (repeatable)")
    p.add_argument("--realtime", action="store_true", help="pace to the wall clock instead of lockstep")
    p.add_argument("--event-listeners", type=int, default=None,
                   help="readers of the flight's events outside the stack that lockstep waits for (ginny sim's)")
    p.add_argument("--speed", type=float, default=None, help="real-time mode: multiple of real time")
    p.add_argument("--end-on-landing", action="store_true",
                   help="end the run once the vehicle is down after flying (settled or tipped over)")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="sim_hal.worldproc.process")
    p.add_argument("--config", required=True, help="stack config (for the topology)")
    p.add_argument("--run-dir", required=True)
    add_arguments(p)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s world %(levelname)s %(message)s")
    die_with_parent()
    try:
        stack = load_stack(args.config)
        cfg = world_config(args)
        procs = stack.config.processes
        running = frozenset(n for n, p in procs.items() if p.enabled and not p.host)
        control = procs.get("control")
        hosted = control is not None and control.enabled and control.host == NAME
        if hosted and not cfg.lockstep:
            raise ConfigError(args.config, "processes.control.host", "control is hosted by the world only in "
                                                                     "lockstep, not in real time")
        proc = WorldProcess(build_context(stack, NAME, args.run_dir), cfg, args.seconds, args.end_on_landing,
                            running, hosted_control_context(stack, args.run_dir) if hosted else None)
    except (ConfigError, RuntimeError, ValueError) as exc:
        logging.error("cannot start: %s", exc)
        return EXIT_CONFIG
    code = proc.run()
    write_summary(proc.summary(), Path(args.run_dir) / SUMMARY_FILE)
    return EXIT_HANG if proc.ended == "hang" else code


def hosted_control_context(stack, run_dir: str) -> ProcessContext:
    """The control process's context with the hosted backend: its devices fed by this world directly."""
    from sim_hal.backend.hosted import HostedBackend

    ctx = build_context(stack, "control", run_dir)
    backend = HostedBackend(ctx.backend.context)
    return replace(ctx, backend=backend, clock=backend.time_source().clock, time_source=backend.time_source())


def write_summary(summary: WorldSummary, path: Path) -> None:
    """The summary as the bus carries it (its codec's header bytes): `read_summary` gives it back."""
    header, _ = _SUMMARY_CODEC.encode(summary, Envelope(NAME, 0))
    path.write_bytes(header)


def read_summary(path: Path) -> WorldSummary:
    """The summary a world run left (DecodeError if it is damaged; OSError if there is none)."""
    return _SUMMARY_CODEC.decode("sim.summary", path.read_bytes())[0]


_SUMMARY_CODEC = Codec.for_class(WorldSummary)


if __name__ == "__main__":
    sys.exit(main())
