"""Supervision decisions, on a manual clock."""
from __future__ import annotations

from fsw.bus.messages import Heartbeat, ProcState
from fsw.clock import NS_PER_MS
from fsw.config.stack import HealthConfig, ProcessConfig
from fsw.health.supervision import EXIT_CONFIG, Supervision

MS = NS_PER_MS
HEALTH = HealthConfig(heartbeat_period_ms=100, heartbeat_timeout_ms=600, ready_timeout_ms=5000,
                      restart_backoff_min_ms=100, restart_backoff_max_ms=400, stable_after_ms=10_000)


def make(**procs: ProcessConfig) -> Supervision:
    return Supervision(procs or {"nav": ProcessConfig(), "logger": ProcessConfig(critical=False)}, HEALTH)


def beat(s: Supervision, name: str, pid: int, t: int, state=ProcState.READY, boot=1):
    return s.heartbeat(Heartbeat(0, name, pid, state, boot), t)


def test_everything_starts_at_once_and_becomes_ready() -> None:
    s = make()
    assert s.due_starts(0) == ["nav", "logger"]
    s.started("nav", 10, 0)
    s.started("logger", 11, 0)
    assert s.due_starts(1) == []
    assert beat(s, "nav", 10, 300 * MS).what == "ready"
    assert beat(s, "nav", 10, 400 * MS) is None  # only the first ready beat is news
    assert not s.all_ready()
    beat(s, "logger", 11, 400 * MS)
    assert s.all_ready()


def test_a_dead_process_restarts_with_exponential_back_off() -> None:
    s = make(nav=ProcessConfig())
    s.started("nav", 10, 0)
    delays = []
    t = 0
    for pid in range(11, 16):
        verdicts = s.exited("nav", -9, t)
        assert [v.what for v in verdicts] == ["exited", "restart"]
        start = s.children["nav"].start_at_ns
        delays.append((start - t) // MS)
        assert s.due_starts(start - 1) == [] and s.due_starts(start) == ["nav"]
        t = start
        s.started("nav", pid, t)
    assert delays == [100, 200, 400, 400, 400]
    assert s.children["nav"].restarts == 5


def test_back_off_resets_after_a_stable_run() -> None:
    s = make()
    s.started("nav", 10, 0)
    s.exited("nav", 1, 0)
    s.started("nav", 11, 100 * MS)
    s.exited("nav", 1, 100 * MS)  # second quick failure: 200 ms
    assert s.children["nav"].start_at_ns == 300 * MS
    s.started("nav", 12, 300 * MS)
    s.exited("nav", 1, 60_000 * MS)  # it ran a minute: back to the shortest back-off
    assert s.children["nav"].start_at_ns == 60_100 * MS


def test_silence_means_hung() -> None:
    s = make()
    s.started("nav", 10, 0)
    s.started("logger", 11, 0)
    assert s.hung(4_000 * MS) == []  # still starting: the ready timeout applies
    beat(s, "nav", 10, 4_000 * MS)
    beat(s, "logger", 11, 4_000 * MS)
    assert s.hung(4_600 * MS) == []
    beat(s, "logger", 11, 4_500 * MS)
    assert [v.name for v in s.hung(4_601 * MS)] == ["nav"]
    assert [v.name for v in make().hung(0)] == []  # nothing running, nothing hung


def test_never_ready_is_hung_after_the_ready_timeout() -> None:
    s = make()
    s.started("nav", 10, 0)
    beat(s, "nav", 10, 1_000 * MS, state=ProcState.STARTING)
    assert [v.name for v in s.hung(6_001 * MS)] == ["nav"]


def test_stale_beats_from_a_replaced_process_are_ignored() -> None:
    s = make()
    s.started("nav", 10, 0)
    s.exited("nav", -9, 0)
    s.started("nav", 11, 100 * MS)
    assert beat(s, "nav", 10, 150 * MS) is None
    assert s.children["nav"].beats == 0


def test_gives_up_after_max_restarts_or_a_config_error() -> None:
    s = make(nav=ProcessConfig(max_restarts=1), logger=ProcessConfig(critical=False))
    s.started("nav", 10, 0)
    s.exited("nav", 1, 0)
    s.started("nav", 11, 100 * MS)
    verdicts = s.exited("nav", 1, 100 * MS)
    assert verdicts[-1].what == "give_up" and "1 restarts" in verdicts[-1].text
    assert s.due_starts(10**12) == ["logger"]
    assert s.lost_critical() == ["nav"]
    s.started("logger", 12, 0)
    assert s.exited("logger", EXIT_CONFIG, 0)[-1].what == "give_up"
    assert s.lost_critical() == ["nav"]  # logger is not critical


def test_a_supervisor_that_was_starved_itself_judges_no_one_until_it_has_caught_up() -> None:
    """After a gap of its own of half the heartbeat timeout, the children's silence is the supervisor's."""
    from types import SimpleNamespace

    from fsw.health.process import HealthProcess

    me = SimpleNamespace(_supervised_ns=None, ctx=SimpleNamespace(health=SimpleNamespace(heartbeat_timeout_ms=600)))
    ms = 1_000_000
    assert HealthProcess._awake(me, 0)
    assert HealthProcess._awake(me, 20 * ms)
    assert not HealthProcess._awake(me, 420 * ms)  # 400 ms without a turn of its own
    assert HealthProcess._awake(me, 440 * ms)


def test_a_process_may_have_a_hang_timeout_of_its_own() -> None:
    from fsw.config.stack import HealthConfig, ProcessConfig

    sup = Supervision({"nav": ProcessConfig(), "logger": ProcessConfig(heartbeat_timeout_ms=3000)},
                      HealthConfig(heartbeat_timeout_ms=600))
    for name, pid in (("nav", 1), ("logger", 2)):
        sup.started(name, pid, 0)
        sup.children[name].state = ProcState.READY
    assert [v.name for v in sup.hung(1_000_000_000)] == ["nav"]  # 1 s: nav is hung, the logger only slow
    assert [v.name for v in sup.hung(3_500_000_000)] == ["logger"]  # nav's one silence: one verdict


def test_one_silence_gives_one_verdict_and_a_beat_ends_it() -> None:
    from fsw.bus.messages import Heartbeat
    from fsw.config.stack import HealthConfig, ProcessConfig

    sup = Supervision({"nav": ProcessConfig()}, HealthConfig(heartbeat_timeout_ms=600))
    sup.started("nav", 1, 0)
    sup.children["nav"].state = ProcState.READY
    said = [v.name for t_ms in range(700, 5000, 100) for v in sup.hung(t_ms * 1_000_000)]
    assert said == ["nav"]
    sup.heartbeat(Heartbeat(0, "nav", 1, ProcState.READY, 7), 5_000_000_000)
    assert [v.name for v in sup.hung(5_700_000_000)] == ["nav"]  # a new silence


def test_with_hung_needs_idle_cpu_a_silent_process_using_the_cpu_is_working() -> None:
    from fsw.config.stack import HealthConfig, ProcessConfig

    cpu = {1: 0.0}
    sup = Supervision({"nav": ProcessConfig()}, HealthConfig(heartbeat_timeout_ms=600, hung_needs_idle_cpu=True))
    sup.started("nav", 1, 0)
    sup.children["nav"].state = ProcState.READY
    ms = 1_000_000
    for t_ms in range(700, 20_000, 100):  # starved: no heartbeat for 20 s, a 10 ms tick of CPU now and then
        cpu[1] = (t_ms // 2000) * 0.01
        assert sup.hung(t_ms * ms, cpu.get) == []
    stopped_at = 20_000
    verdicts = [(t, v.name) for t in range(stopped_at, stopped_at + 6000, 100) for v in sup.hung(t * ms, cpu.get)]
    assert verdicts and verdicts[0][1] == "nav" and len(verdicts) == 1  # stopped: no CPU over a whole window
    assert stopped_at + 1000 <= verdicts[0][0] <= stopped_at + 3000 + 100
