"""The flight-process runtime: the loop every flight process runs.

A FlightProcess binds its publishers, subscribes to what it reads, then loops: it waits on its sockets (and
on a signal wake-up pipe) until the next timer is due, hands each message to its handler, and runs due timers.
Every process heartbeats, answers NO_OP, acknowledges every command addressed to it, counts commands and
errors, throttles its events and publishes its telemetry. A handler that raises is counted and reported as an
event; it never ends the process.
"""
from __future__ import annotations

import contextlib
import cProfile
import logging
import os
import secrets
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zmq

from fsw.bus.message import Message
from fsw.bus.messages import (Command, CommandAck, CommandResult, Event, Heartbeat, ProcState, Scalar,
                              Severity, Telemetry)
from fsw.bus.reader import subscription_for
from fsw.bus.topology import Topology
from fsw.bus.transport import Publisher, Received, Subscription
from fsw.clock import NS_PER_MS, Clock
from fsw.config.stack import (CommConfig, EventsConfig, FlightConfig, HealthConfig, LoggerConfig, NavConfig,
                              ProcessConfig)
from fsw.runtime.commands import CommandDictionary, CommandRejected
from fsw.runtime.events import EventThrottle
from fsw.runtime.realtime import apply_realtime
from fsw.runtime.timers import Timers
from fsw.runtime.timesource import HostTimeSource, TimeSource

STOP_GRACE_S = 20  # after a stop signal, the most a process may take to close before SIGALRM ends it
PROFILE_ENV = "GINNY_PROFILE_DIR"  # a folder: every flight process profiles its loop into it (see `profiled`)
log = logging.getLogger("ginny.process")
Handler = Callable[[Received], None]
CommandHandler = Callable[[Command, dict[str, Scalar]], tuple[CommandResult, str]]


@dataclass(frozen=True)
class ProcessContext:
    """Everything a flight process is given; it opens nothing before `open()`."""

    name: str
    topology: Topology
    clock: Clock  # flight time: monotonic on the board, the world's time in simulation
    wall: Clock  # liveness time (heartbeats, timeouts): always the host's monotonic clock
    dictionary: CommandDictionary
    process: ProcessConfig = field(default_factory=ProcessConfig)
    health: HealthConfig = field(default_factory=HealthConfig)
    events: EventsConfig = field(default_factory=EventsConfig)
    nav: NavConfig = field(default_factory=NavConfig)
    flight: FlightConfig = field(default_factory=FlightConfig)
    logger: LoggerConfig = field(default_factory=LoggerConfig)
    comm: CommConfig = field(default_factory=CommConfig)
    run_dir: str = ""
    config_path: str = ""  # the stack config file (the logger records it)
    backend: Any = None  # hal.backend.Backend; fsw does not import the HAL's modules
    time_source: TimeSource | None = None  # what drives `clock` (the backend's); None: nothing to attach

    def files_root(self) -> Path:
        """The vehicle's file store: what LIST_FILES and DOWNLINK_FILE reach, where colour captures are kept."""
        return Path(self.comm.files_dir or self.run_dir or ".")


class FlightProcess:
    """Base of every flight process. Subclasses override `setup` (and `teardown`, `telemetry`)."""

    DRAIN_LIMIT = 64  # messages taken from one socket per loop turn, so timers (heartbeats) always get a turn
    BUNDLE_IDLE_MS = 5  # a process that holds bundled messages sends them after this long without input

    def __init__(self, ctx: ProcessContext) -> None:
        self.ctx = ctx
        self.name = ctx.name
        self.state = ProcState.STARTING
        self.counters = {"commands": 0, "commands_ok": 0, "command_errors": 0, "handler_errors": 0}
        self.timers = Timers(ctx.wall)
        self._zmq: zmq.Context | None = None
        self._publishers: dict[str, Publisher] = {}
        self._bundled: list[Publisher] = []  # the publishers that hold their messages for bundles
        self._subscriptions: list[tuple[Subscription, Handler]] = []
        self._sampled: set[Subscription] = set()  # subscriptions that do not wake the process (`wake=False`)
        self._command_handlers: dict[str, CommandHandler] = {"NO_OP": self._no_op}
        self._watched: list[tuple[Any, Callable[[], None]]] = []
        self._throttle = EventThrottle(ctx.events.throttle_limit, ctx.events.throttle_window_ms * NS_PER_MS)
        self._boot_id = secrets.randbits(31)
        self._stopping = False  # a plain flag: set from a signal handler, which must take no lock
        self.signalled = False  # stopped by SIGINT/SIGTERM (an operator's Ctrl-C), not by its own decision
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._poller = zmq.Poller()
        self._time_source: TimeSource = ctx.time_source or HostTimeSource()
        self._guests: list[FlightProcess] = []  # processes hosted in this one's loop (`host`)
        self._taps: dict[str, list[Callable[[Message], None]]] = {}  # topic -> in-process listeners (`tap`)

    # --- hooks for subclasses ------------------------------------------------------------------------
    def setup(self) -> None:
        """Declare subscriptions, timers and command handlers; open devices (raise to refuse to start)."""

    def teardown(self) -> None:
        """Close devices."""

    def telemetry(self) -> dict[str, Scalar]:
        """This process's own telemetry channels, merged with the common counters."""
        return {}

    # --- wiring --------------------------------------------------------------------------------------
    def subscribe(self, topic: str, handler: Handler, publishers: list[str] | None = None,
                  wake: bool = True) -> Subscription:
        """Take `topic`'s messages with `handler`. With `wake=False` a message does not wake the process: what
        came is taken at its next loop turn, whatever woke it (a timer, another input) -- as a PX4 module
        copies the topics it does not run on at its own rate. For topics a process only needs as they
        stand, or in bulk, when waking for each costs more than the message's own work."""
        sub = subscription_for(self._zmq, self.ctx.topology, topic, self.ctx.wall, publishers)
        sub.open()
        self._subscriptions = [*self._subscriptions, (sub, handler)]  # a new list: see unsubscribe
        if wake:
            self._poller.register(sub.socket, zmq.POLLIN)
        else:
            self._sampled.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Stop taking a topic (from a handler too: the loop serving this poll goes on over the list it
        started with, and what it drained already is still handled)."""
        self._subscriptions = [(s, h) for s, h in self._subscriptions if s is not sub]
        if sub in self._sampled:
            self._sampled.discard(sub)
        else:
            self._poller.unregister(sub.socket)
        sub.close()

    def watch(self, pollable: Any, callback: Callable[[], None]) -> None:
        """Call `callback` whenever `pollable` (a ZeroMQ socket or a file descriptor) has input: how a
        process waits on a device that can wake it (the sim backend's sockets)."""
        self._watched.append((pollable, callback))
        self._poller.register(pollable, zmq.POLLIN)

    def unwatch(self, pollable: Any) -> None:
        """Stop watching `pollable` (before closing it)."""
        self._watched = [(p, c) for p, c in self._watched if p != pollable]
        self._poller.unregister(pollable)

    def add_publisher(self, topic: str) -> Publisher:
        """Bind a publisher for a topic the runtime does not bind itself (a HAL-owned one)."""
        t = self.ctx.topology.registry[topic]
        pub = Publisher(self._zmq, t, self.ctx.topology.endpoint(self.name, topic), self.name)
        pub.open()
        self._publishers[topic] = pub
        return pub

    def open_device(self, device: Any) -> Any:
        """Open a HAL device. One that opened degraded (an optional device missing, replaced by its null
        stand-in) is reported as an event; a required one that is missing raises DeviceError."""
        device.open()
        failure = getattr(device, "failure", None)
        if failure is not None:
            self.event("DEVICE_DEGRADED", Severity.WARNING_HI, f"{failure}: going on without it")
        return device

    def on_command(self, name: str, handler: CommandHandler) -> None:
        if name not in self.ctx.dictionary:
            raise ValueError(f"{self.name}: {name} is not in the command dictionary")
        self._command_handlers[name] = handler

    def take_realtime(self, priority: int, cpus: list[int], nice: int = 0) -> None:
        """SCHED_FIFO `priority`, the CPU set `cpus` and `nice` for every thread (fsw/runtime/realtime.py); an
        event for each the system refuses, and the process runs on without it."""
        for warning in apply_realtime(priority, cpus, nice):
            self.event("REALTIME_REFUSED", Severity.WARNING_LO, warning)

    def publish(self, topic: str, msg: Message) -> int:
        if self._taps:
            for tap in self._taps.get(topic, ()):
                tap(msg)
        return self._publishers[topic].publish(msg)

    def tap(self, topic: str, fn: Callable[[Message], None]) -> None:
        """Hand `fn` every message this process publishes on `topic`, as it publishes it: how a host learns
        what its guest says at once and in order, not whenever the bus delivers it."""
        self._taps.setdefault(topic, []).append(fn)

    def publisher(self, topic: str) -> Publisher:
        return self._publishers[topic]

    @property
    def subscriptions(self) -> list[Subscription]:
        return [s for s, _ in self._subscriptions]

    # --- events and telemetry -------------------------------------------------------------------------
    def event(self, name: str, severity: Severity, text: str, t_ns: int | None = None) -> None:
        """Publish an event unless the throttle holds it back; log it either way. `t_ns`: the flight time it
        describes (default: now). The throttle counts flight time, so which events a lockstep run publishes
        does not depend on how fast the machine ran it."""
        log.log(_LOG_LEVEL[severity], "%s: %s: %s", self.name, name, text)
        t_ns = self.ctx.clock.now_ns() if t_ns is None else t_ns
        suppressed = self._throttle.admit(name, t_ns)
        if suppressed is not None and "event" in self._publishers:
            self.publish("event", Event(t_ns, self.name, name, severity, text, suppressed))

    def _publish_telemetry(self) -> None:
        channels: dict[str, Scalar] = dict(self.counters)
        channels["events_suppressed"] = self._throttle.total_suppressed
        for sub in self.subscriptions:
            channels[f"bus.{sub.topic.name}.gaps"] = sub.stats.gaps
            channels[f"bus.{sub.topic.name}.errors"] = sub.stats.errors
        channels.update(self.telemetry())
        self.publish("tlm", Telemetry(self.ctx.clock.now_ns(), self.name, channels))

    def _heartbeat(self) -> None:
        self.publish("heartbeat", Heartbeat(self.ctx.clock.now_ns(), self.name, os.getpid(), self.state,
                                            self._boot_id))

    # --- commands -------------------------------------------------------------------------------------
    def _on_command_message(self, rec: Received) -> None:
        cmd: Command = rec.msg
        if cmd.target != self.name:
            return
        self.counters["commands"] += 1
        try:
            args = self.ctx.dictionary.validate(cmd.name, cmd.args)
            handler = self._command_handlers.get(cmd.name)
            if handler is None:
                raise CommandRejected(CommandResult.INVALID_COMMAND, f"{self.name} does not handle {cmd.name}")
            result, reason = self._run_command(handler, cmd, args)
        except CommandRejected as exc:
            result, reason = exc.result, exc.reason
        self.counters["commands_ok" if result is CommandResult.OK else "command_errors"] += 1
        self.publish("cmd.ack", CommandAck(self.ctx.clock.now_ns(), cmd.cmd_id, cmd.name, self.name, result,
                                           reason))

    def _run_command(self, handler: CommandHandler, cmd: Command, args: dict) -> tuple[CommandResult, str]:
        try:
            return handler(cmd, args)
        except Exception as exc:  # a failing command must not end the process
            log.exception("%s: command %s failed", self.name, cmd.name)
            self.event("COMMAND_FAILED", Severity.WARNING_HI, f"{cmd.name}: {type(exc).__name__}: {exc}")
            return CommandResult.EXECUTION_ERROR, f"{type(exc).__name__}: {exc}"

    def _no_op(self, cmd: Command, args: dict) -> tuple[CommandResult, str]:
        self.event("NO_OP", Severity.ACTIVITY_HI, f"NO_OP {cmd.cmd_id} received")
        return CommandResult.OK, ""

    # --- life cycle -----------------------------------------------------------------------------------
    def open(self) -> None:
        """Bind publishers, subscribe to commands, run `setup`, and become READY."""
        self._zmq = zmq.Context()
        topology = self.ctx.topology
        for topic in topology.registry.published_by(self.name):
            if topic.hal:
                continue  # the HAL backend binds its own
            pub = Publisher(self._zmq, topic, topology.endpoint(self.name, topic.name), self.name)
            pub.open()
            if topic.stream and self.ctx.process.bundle > 1:
                pub.hold(self.ctx.process.bundle)
                self._bundled.append(pub)
            self._publishers[topic.name] = pub
        if "comm" in topology.processes:
            self.subscribe("cmd", self._on_command_message)
        self.take_realtime(self.ctx.process.realtime_priority, self.ctx.process.cpus, self.ctx.process.nice)
        try:
            self.setup()
        except Exception as exc:  # a missing device, a bad plan: said as an event before the process ends
            self.event("SETUP_FAILED", Severity.FATAL, f"{type(exc).__name__}: {exc}")
            raise
        self._time_source.attach(self)
        period = self.ctx.health.heartbeat_period_ms * NS_PER_MS
        self.timers.every(period, self._heartbeat)
        self.timers.every(self.ctx.process.telemetry_period_ms * NS_PER_MS, self._publish_telemetry)
        self.state = ProcState.READY
        self._heartbeat()

    def close(self) -> None:
        self.state = ProcState.STOPPING
        for guest in self._guests:
            guest.close()
        self._guests.clear()
        try:
            self.teardown()
        finally:
            for sub, _ in self._subscriptions:
                sub.close()
            for pub in self._publishers.values():
                pub.close()
            self._subscriptions = []
            self._sampled.clear()
            self._publishers.clear()
            self._bundled.clear()
            self._watched.clear()
            backend_close = getattr(self.ctx.backend, "close", None)
            if backend_close is not None:
                backend_close()
            if self._zmq is not None:
                self._zmq.term()
                self._zmq = None

    def stop(self) -> None:
        """Ask the loop to end (thread-safe; also what SIGINT/SIGTERM do)."""
        self._stopping = True
        if self._wake_w is not None:
            try:
                self._wake_w.send(b"\0")
            except OSError:
                pass

    def spin_once(self, max_wait_ms: int = 1000) -> int:
        """Wait for messages or the next timer, handle what came; return how many messages were handled.
        Bundled streams are flushed when the process has been idle `BUNDLE_IDLE_MS`: nothing it holds waits
        on more input than its own. A hosted guest (`host`) shares the wait and gets its turn after this one."""
        loops = [self, *self._guests]
        wait_ms = min(lp._wait_ms(max_wait_ms) for lp in loops)
        ready = dict(self._poller.poll(wait_ms))
        return sum(lp._serve_ready(ready) for lp in loops)

    def _wait_ms(self, max_wait_ms: int) -> int:
        wait_ms = max(0, min(max_wait_ms, self.timers.ms_until_next()))
        return min(wait_ms, self.BUNDLE_IDLE_MS) if any(p.holding for p in self._bundled) else wait_ms

    def _serve_ready(self, ready: dict) -> int:
        """Handle what `ready` (one poll's result) holds of this process's inputs, then its due timers."""
        if not ready:
            for pub in self._bundled:
                if pub.holding:
                    pub.flush()
        handled = 0
        for sub, handler in self._subscriptions:
            if sub.socket in ready or sub in self._sampled:
                for rec in sub.drain(self.DRAIN_LIMIT):
                    self._handle(handler, rec)
                    handled += 1
        for pollable, callback in list(self._watched):  # a callback may watch or unwatch
            if pollable in ready:
                self._call(callback)
        if self._wake_r is not None and self._wake_r.fileno() in ready:
            self._wake_r.recv(4096)
        self._run_timers()
        return handled

    # --- hosting --------------------------------------------------------------------------------------
    def host(self, guest: "FlightProcess") -> None:
        """Run `guest` in this process's loop: it opens here, binds its own publishers, and its inputs and
        timers are served between this process's (the world hosting control, as the MCU it stands in for
        runs the control loop; docs/performance.md). Call from `setup`."""
        guest._poller = self._poller
        guest.open()
        self._guests.append(guest)

    def wake(self, guest: "FlightProcess", pollable: Any) -> None:
        """Run what `guest` watches `pollable` for, now: a host that feeds a guest's device directly wakes it
        without a system call."""
        for watched, callback in guest._watched:
            if watched is pollable:
                guest._call(callback)

    def _handle(self, handler: Handler, rec: Received) -> None:
        try:
            self._time_source.deliver(handler, rec)
        except Exception as exc:  # one bad message must not end the process
            self.counters["handler_errors"] += 1
            log.exception("%s: handler for %s failed", self.name, rec.topic)
            self.event("HANDLER_FAILED", Severity.WARNING_HI, f"{rec.topic}: {type(exc).__name__}: {exc}")

    def _call(self, callback: Callable[[], None]) -> None:
        try:
            callback()
        except Exception as exc:  # a device that fails to read must not end the process
            self.counters["handler_errors"] += 1
            log.exception("%s: %s failed", self.name, getattr(callback, "__name__", "callback"))
            self.event("DEVICE_FAILED", Severity.WARNING_HI, f"{type(exc).__name__}: {exc}")

    def _run_timers(self) -> None:
        for error in self.timers.run_due():
            self.counters["handler_errors"] += 1
            self.event("TIMER_FAILED", Severity.WARNING_HI, error)

    def run(self) -> int:
        """Open, loop until stopped, close. Returns the process exit code."""
        self._install_signal_wakeup()
        try:
            self.open()
            with profiled(self.name):
                while not self._stopping:
                    self.spin_once()
            return 0
        finally:
            self.close()
            self._remove_signal_wakeup()

    def _install_signal_wakeup(self) -> None:
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._poller.register(self._wake_r.fileno(), zmq.POLLIN)
        if threading.current_thread() is threading.main_thread():
            signal.set_wakeup_fd(self._wake_w.fileno())
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, self._on_signal)

    @property
    def stopping(self) -> bool:
        """True once the loop has been asked to end."""
        return self._stopping

    def _on_signal(self, *_: Any) -> None:
        """No lock here: a second signal runs its handler inside the first's, and a lock the first holds (as
        threading.Event.set does) would never be released. The wakeup fd ends the poll. If closing then hangs
        anyway, SIGALRM's default action ends the process `STOP_GRACE_S` later: nothing else would, once the
        supervisor is gone (a child told by PR_SET_PDEATHSIG)."""
        if not self._stopping:
            signal.alarm(STOP_GRACE_S)
        self.signalled = True
        self._stopping = True

    def _remove_signal_wakeup(self) -> None:
        if threading.current_thread() is threading.main_thread():
            signal.set_wakeup_fd(-1)
        for s in (self._wake_r, self._wake_w):
            if s is not None:
                s.close()
        self._wake_r = self._wake_w = None


@contextlib.contextmanager
def profiled(name: str) -> Iterator[None]:
    """With PROFILE_ENV set to a folder, profile what runs inside (the main thread's CPU time, by cProfile)
    into FOLDER/NAME.prof (`ginny bench lockstep --profile DIR`; read with `python -m pstats`)."""
    folder = os.environ.get(PROFILE_ENV)
    if not folder:
        yield
        return
    profile = cProfile.Profile(time.thread_time)
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        profile.dump_stats(os.path.join(folder, f"{name}.prof"))


_LOG_LEVEL = {Severity.DIAGNOSTIC: logging.DEBUG, Severity.ACTIVITY_LO: logging.INFO,
              Severity.ACTIVITY_HI: logging.INFO, Severity.WARNING_LO: logging.WARNING,
              Severity.WARNING_HI: logging.WARNING, Severity.FATAL: logging.CRITICAL}
