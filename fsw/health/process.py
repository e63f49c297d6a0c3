"""Health process: the supervisor. Starts every flight process as its own OS process, waits for each to be
ready, watches heartbeats, restarts the dead and the hung with back-off, publishes per-process CPU and memory
and the board's health, and on stop ends every child it started."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from fsw.bus.messages import CommandResult, Heartbeat, ProcessStat, ProcessStats, ProcState, Severity
from fsw.bus.transport import Received
from fsw.clock import NS_PER_MS, NS_PER_S
from fsw.faultspec import FaultSpecError
from fsw.health.faults import parse_process_fault
from fsw.health.resources import ResourceSampler, cpu_seconds
from fsw.health.supervision import PARENT_ENV, Supervision, Verdict
from fsw.runtime.node import FlightProcess, ProcessContext

log = logging.getLogger("ginny.health")
_SUPERVISE_PERIOD_NS = 50 * NS_PER_MS  # children found exited or hung within this of it
_FAULT_PERIOD_NS = _SUPERVISE_PERIOD_NS  # process faults are applied within this of their time (one wakeup)
_SEVERITY = {"ready": Severity.ACTIVITY_HI, "exited": Severity.WARNING_HI, "hung": Severity.WARNING_HI,
             "restart": Severity.ACTIVITY_HI, "give_up": Severity.FATAL}
Spawn = Callable[[str], subprocess.Popen]


class HealthProcess(FlightProcess):
    """Supervisor. `spawn(name)` starts one child (injected so tests can start anything)."""

    def __init__(self, ctx: ProcessContext, supervision: Supervision, spawn: Spawn,
                 on_verdict: Callable[[Verdict], None] | None = None) -> None:
        super().__init__(ctx)
        self.supervision = supervision
        self._spawn = spawn
        self._on_verdict = on_verdict
        self._popen: dict[str, subprocess.Popen] = {}
        self._sampler = ResourceSampler()
        self._stack_ready_said = False

    def setup(self) -> None:
        flight = [p for p in self.ctx.topology.processes if p != self.name]
        # heartbeats are taken at the supervision's turns (every 50 ms), not each as it comes (60 a second)
        self.subscribe("heartbeat", self._on_heartbeat, publishers=flight, wake=False)
        self.board = self.ctx.backend.board_health() if self.ctx.backend is not None else None
        if self.board is not None:
            self.open_device(self.board)
        self.on_command("HEALTH_REPORT", self._health_report)
        self.on_command("FAULT_INJECT", self._fault_inject)
        self._faults = sorted((parse_process_fault(spec) for spec in self.ctx.health.faults),
                              key=lambda f: f.start_s)
        self.timers.every(_FAULT_PERIOD_NS, self._apply_due_faults)
        self._last_stats: list[ProcessStat] = []
        self._supervised_ns: int | None = None  # when supervise last ran (wall)
        self.timers.every(_SUPERVISE_PERIOD_NS, self.supervise)
        self.timers.every(self.ctx.health.stats_period_ms * NS_PER_MS, self._publish_stats)
        self.supervise()

    def teardown(self) -> None:
        self.stop_children()
        if self.board is not None:
            self.board.close()

    # --- supervision --------------------------------------------------------------------------------
    def supervise(self) -> None:
        now = self.ctx.wall.now_ns()
        for name, proc in list(self._popen.items()):
            code = proc.poll()
            if code is not None:
                del self._popen[name]
                self._say(self.supervision.exited(name, code, now))
        for verdict in self.supervision.hung(now, cpu_seconds) if self._awake(now) else []:
            self._say([verdict])
            self._kill(verdict.name)
        for name in self.supervision.due_starts(now):
            self._start(name, now)
        if self.supervision.all_ready() and not self._stack_ready_said:
            self._stack_ready_said = True
            self.event("STACK_READY", Severity.ACTIVITY_HI, "every flight process is ready")
        for name in self.supervision.lost_critical():
            self.state = ProcState.DEGRADED

    def _awake(self, now_ns: int) -> bool:
        """Whether the supervisor itself has been running: after a gap of its own of half the heartbeat
        timeout (an overloaded host starving it), every child's silence is stale -- their heartbeats wait
        unread in its queue -- so none is judged hung until it has caught up."""
        last, self._supervised_ns = self._supervised_ns, now_ns
        return last is None or now_ns - last < self.ctx.health.heartbeat_timeout_ms * NS_PER_MS // 2

    def _start(self, name: str, now_ns: int) -> None:
        try:
            proc = self._spawn(name)
        except OSError as exc:
            self._say(self.supervision.exited(name, -1, now_ns))
            self.event("SPAWN_FAILED", Severity.WARNING_HI, f"{name}: {exc}")
            return
        self._popen[name] = proc
        self.supervision.started(name, proc.pid, now_ns)

    # --- process faults (simulation) -----------------------------------------------------------------
    def _fault_inject(self, cmd, args: dict) -> tuple[CommandResult, str]:
        """proc.NAME.kill|hang@T from the ground: T seconds from now on the flight clock."""
        try:
            f = parse_process_fault(args["spec"])
        except FaultSpecError as exc:
            return CommandResult.VALIDATION_ERROR, str(exc)
        if f.name not in self.supervision.children:
            return CommandResult.VALIDATION_ERROR, f"{f.name} is not running in this stack"
        at = self.ctx.clock.now_ns() / NS_PER_S + f.start_s
        self._faults = sorted(self._faults + [replace(f, start_s=at)], key=lambda x: x.start_s)
        return CommandResult.OK, f"{f.spec}: at t={at:.2f} s"

    def _apply_due_faults(self) -> None:
        now_s = self.ctx.clock.now_ns() / NS_PER_S
        while self._faults and self._faults[0].start_s <= now_s:
            f = self._faults.pop(0)
            proc = self._popen.get(f.name)
            if proc is None or proc.poll() is not None:
                self.event("FAULT_REFUSED", Severity.WARNING_LO, f"{f.spec}: {f.name} is not running")
                continue
            proc.send_signal(signal.SIGKILL if f.kind == "kill" else signal.SIGSTOP)
            self.event("FAULT_INJECTED", Severity.WARNING_HI,
                       f"{f.spec}: {f.name} (pid {proc.pid}) {'killed' if f.kind == 'kill' else 'stopped'}")

    def _kill(self, name: str) -> None:
        proc = self._popen.get(name)
        if proc is not None and proc.poll() is None:
            proc.kill()  # reaped, and restarted, by the next supervise()

    def _on_heartbeat(self, rec: Received) -> None:
        hb: Heartbeat = rec.msg
        verdict = self.supervision.heartbeat(hb, self.ctx.wall.now_ns())
        if verdict is not None:
            self._say([verdict])

    def _say(self, verdicts: list[Verdict]) -> None:
        for v in verdicts:
            self.event(f"PROC_{v.what.upper()}", _SEVERITY[v.what], v.text)
            if self._on_verdict is not None:
                self._on_verdict(v)

    def stop_children(self) -> None:
        """SIGTERM every child, wait up to stop_timeout_ms, then SIGKILL what is left; reap them all."""
        for proc in self._popen.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline_s = self.ctx.health.stop_timeout_ms / 1000
        for name, proc in self._popen.items():
            try:
                proc.wait(timeout=deadline_s)
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop in %.1f s: killing it", name, deadline_s)
                proc.kill()
                proc.wait()
        self._popen.clear()

    # --- resources ----------------------------------------------------------------------------------
    def _publish_stats(self) -> None:
        now = self.ctx.clock.now_ns()
        wall = self.ctx.wall.now_ns()
        stats = [self._stat(self.name, os.getpid(), self.state, 0, 0.0)]
        for c in self.supervision.children.values():
            age_ms = (wall - c.last_beat_ns) / NS_PER_MS if c.running else -1.0
            stats.append(self._stat(c.name, c.pid or 0, c.state, c.restarts, age_ms))
        self._last_stats = stats
        self.publish("health.procs", ProcessStats(now, stats))
        if self.board is not None:
            reading = self.board.read(now)
            if reading is not None:
                self.publish("board.health", reading)

    def _stat(self, name: str, pid: int, state: ProcState, restarts: int, age_ms: float) -> ProcessStat:
        cpu, rss, cpu_s = self._sampler.sample(pid) if pid else (0.0, 0, 0.0)
        return ProcessStat(name, pid, state, cpu, rss, restarts, age_ms, round(cpu_s, 2))

    def _health_report(self, cmd, args: dict) -> tuple[CommandResult, str]:
        """Every process's state, CPU, memory, restarts and heartbeat age, as an event and in the ack."""
        if not self._last_stats:
            self._publish_stats()
        lines = [f"{p.name} {p.state.name} pid {p.pid} cpu {p.cpu_pct:.0f}% rss {p.rss_bytes / 2**20:.0f} MiB "
                 f"restarts {p.restarts} beat {p.heartbeat_age_ms:.0f} ms" for p in self._last_stats]
        self.event("HEALTH_REPORT", Severity.ACTIVITY_HI, "; ".join(lines))
        ready = sum(p.state is ProcState.READY for p in self._last_stats)
        return CommandResult.OK, f"{ready}/{len(self._last_stats)} processes ready; " + "; ".join(lines)

    def telemetry(self) -> dict:
        return {f"{c.name}.restarts": c.restarts for c in self.supervision.children.values()}


def launcher(config_path: Path, run_dir: str, log_dir: Path | None = None) -> Spawn:
    """The real spawn: `python -m fsw.runtime.launch NAME` with its output in `log_dir/NAME.log`."""

    def spawn(name: str) -> subprocess.Popen:
        out = subprocess.DEVNULL
        if log_dir is not None:
            out = open(log_dir / f"{name}.log", "ab")  # noqa: SIM115 - the child owns it after fork
        try:
            return subprocess.Popen(
                [sys.executable, "-m", "fsw.runtime.launch", name, "--config", str(config_path),
                 "--run-dir", run_dir], stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                env={**os.environ, PARENT_ENV: str(os.getpid())})
        finally:
            if out is not subprocess.DEVNULL:
                out.close()

    return spawn
