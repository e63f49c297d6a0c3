"""Supervision decisions (pure): who must be started, who is hung, when a dead process comes back.

The health process feeds this with what it sees (starts, heartbeats, exits, the time) and acts on what it
answers. Restarts back off exponentially from `restart_backoff_min_ms` to `restart_backoff_max_ms`; a process
that stayed up `stable_after_ms` starts again from the shortest back-off.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fsw.bus.messages import Heartbeat, ProcState
from fsw.clock import NS_PER_MS
from fsw.config.stack import HealthConfig, ProcessConfig

EXIT_CONFIG = 78  # a process that exits with this cannot start with its config: restarting will not help
PARENT_ENV = "GINNY_SUPERVISOR_PID"  # the supervisor's pid, given to each child it starts (see launch.die_with_parent)
CPU_WINDOW_NS = 3_000_000_000  # a silent process is judged idle only over at least this much time: CPU time
# is counted in 10 ms ticks, and a starved process (1-2% of a core) may show none in a shorter window
CpuReader = Callable[[int], "float | None"]  # pid -> its CPU seconds (None: gone)


@dataclass
class Child:
    name: str
    critical: bool
    max_restarts: int
    heartbeat_timeout_ms: int = 0  # 0: the health default
    pid: int | None = None
    state: ProcState = ProcState.DEAD
    started_ns: int = 0
    last_beat_ns: int = 0
    beats: int = 0
    boot_id: int = -1
    restarts: int = 0
    failures_in_a_row: int = 0
    start_at_ns: int | None = 0  # when to (re)start it; None while it runs or once given up
    given_up: bool = False
    alive_ns: int = 0  # when it last beat
    cpu_mark_s: float | None = None  # in a silence: its CPU time when last seen working ...
    cpu_mark_ns: int = 0  # ... and when
    hung_said: bool = False  # a verdict given for this silence: one silence, one verdict

    @property
    def running(self) -> bool:
        return self.pid is not None


@dataclass(frozen=True)
class Verdict:
    """What happened to a child and what supervision will do about it: the text of an event."""

    name: str
    what: str  # exited | hung | restart | give_up | ready
    text: str


class Supervision:
    def __init__(self, processes: dict[str, ProcessConfig], health: HealthConfig) -> None:
        self.health = health
        self.children = {name: Child(name, p.critical, p.max_restarts, p.heartbeat_timeout_ms)
                         for name, p in processes.items() if p.enabled and not p.host}  # hosted: not a child

    def due_starts(self, now_ns: int) -> list[str]:
        return [c.name for c in self.children.values()
                if not c.running and c.start_at_ns is not None and now_ns >= c.start_at_ns]

    def started(self, name: str, pid: int, now_ns: int) -> None:
        c = self.children[name]
        c.pid, c.state, c.started_ns, c.last_beat_ns, c.start_at_ns = pid, ProcState.STARTING, now_ns, now_ns, None
        c.alive_ns, c.cpu_mark_s, c.hung_said = now_ns, None, False

    def heartbeat(self, hb: Heartbeat, now_ns: int) -> Verdict | None:
        c = self.children.get(hb.process)
        if c is None or c.pid != hb.pid:
            return None  # a stale beat from a process already replaced
        c.last_beat_ns = c.alive_ns = now_ns
        c.hung_said, c.cpu_mark_s = False, None
        c.beats += 1
        was_ready = c.state in (ProcState.READY, ProcState.DEGRADED) and c.boot_id == hb.boot_id
        c.state, c.boot_id = hb.state, hb.boot_id
        if not was_ready and hb.state is ProcState.READY:
            took_ms = (now_ns - c.started_ns) / NS_PER_MS
            return Verdict(c.name, "ready", f"{c.name} ready (pid {c.pid}) {took_ms:.0f} ms after start")
        return None

    def exited(self, name: str, code: int, now_ns: int) -> list[Verdict]:
        c = self.children[name]
        uptime_ns = now_ns - c.started_ns
        c.pid, c.state, c.boot_id = None, ProcState.DEAD, -1
        out = [Verdict(name, "exited", f"{name} exited with code {code} after {uptime_ns / 1e9:.2f} s")]
        return out + self._schedule_restart(c, now_ns, uptime_ns, code == EXIT_CONFIG)

    def hung(self, now_ns: int, cpu_s: CpuReader | None = None) -> list[Verdict]:
        """Children whose heartbeats stopped (or that never became ready in time): they must be killed. One
        verdict for one silence. With `hung_needs_idle_cpu`, a silent child is hung only once it has used no
        CPU at all for the hang timeout (and at least CPU_WINDOW_NS): a starved process is working, and a
        stopped one is not. `cpu_s(pid)` says how much CPU a child has used."""
        out = []
        beat_limit = self.health.heartbeat_timeout_ms * NS_PER_MS
        ready_limit = self.health.ready_timeout_ms * NS_PER_MS
        for c in self.children.values():
            if not c.running or c.hung_said:
                continue
            own = c.heartbeat_timeout_ms * NS_PER_MS
            limit = ready_limit if c.state is ProcState.STARTING else (own or beat_limit)
            if now_ns - c.alive_ns <= limit or self._working(c, now_ns, limit, cpu_s):
                continue
            c.hung_said = True
            silent_ns = now_ns - c.last_beat_ns
            out.append(Verdict(c.name, "hung", f"{c.name} (pid {c.pid}) silent for {silent_ns / 1e6:.0f} ms"))
        return out

    def _working(self, c: Child, now_ns: int, limit_ns: int, cpu_s: CpuReader | None) -> bool:
        """Whether a silent child has used the CPU within the window that judges it."""
        if not self.health.hung_needs_idle_cpu or cpu_s is None or c.pid is None:
            return False
        cpu = cpu_s(c.pid)
        if cpu is None:
            return False
        if c.cpu_mark_s is None or cpu > c.cpu_mark_s:
            c.cpu_mark_s, c.cpu_mark_ns = cpu, now_ns
            return True
        return now_ns - c.cpu_mark_ns < max(limit_ns, CPU_WINDOW_NS)

    def _schedule_restart(self, c: Child, now_ns: int, uptime_ns: int, hopeless: bool) -> list[Verdict]:
        h = self.health
        if uptime_ns >= h.stable_after_ms * NS_PER_MS:
            c.failures_in_a_row = 0
        if hopeless or c.restarts >= c.max_restarts:
            c.given_up, c.start_at_ns = True, None
            why = "its config does not let it start" if hopeless else f"{c.restarts} restarts already"
            return [Verdict(c.name, "give_up", f"{c.name} will not be restarted: {why}")]
        delay_ms = min(h.restart_backoff_max_ms, h.restart_backoff_min_ms * 2 ** c.failures_in_a_row)
        c.failures_in_a_row += 1
        c.restarts += 1
        c.start_at_ns = now_ns + delay_ms * NS_PER_MS
        return [Verdict(c.name, "restart", f"restarting {c.name} in {delay_ms} ms (restart {c.restarts})")]

    def all_ready(self) -> bool:
        return all(c.state is ProcState.READY for c in self.children.values())

    def lost_critical(self) -> list[str]:
        return [c.name for c in self.children.values() if c.given_up and c.critical]
