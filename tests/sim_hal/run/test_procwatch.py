"""Memory growth is measured from a settled baseline, per process, across restarts."""
import io

from fsw.bus.messages import ProcessStat, ProcessStats, ProcState
from sim_hal.run.procwatch import MIB, ProcessWatch


def _stats(t_s: float, **rss_by_name: tuple[int, int]) -> ProcessStats:
    return ProcessStats(int(t_s * 1e9), [ProcessStat(n, pid, ProcState.READY, 5.0, mib * MIB, 0, 10.0)
                                         for n, (pid, mib) in rss_by_name.items()])


def test_growth_from_the_settled_baseline() -> None:
    csv = io.StringIO()
    w = ProcessWatch(csv, settle_s=60)
    w.add(_stats(0, nav=(10, 50)))
    w.add(_stats(30, nav=(10, 90)))  # warming up: not the baseline
    w.add(_stats(60, nav=(10, 100)))
    w.add(_stats(3600, nav=(10, 108)))
    r = w.report()["nav"]
    assert (r["rss_baseline_mib"], r["rss_end_mib"], r["rss_peak_mib"], r["rss_growth_pct"]) == (100, 108, 108, 8.0)
    assert r["longest_heartbeat_silence_ms"] == 10
    assert csv.getvalue().splitlines()[1] == "0.0,nav,10,50.00,5.0,10"


def test_a_restart_is_measured_from_its_new_start_and_short_runs_have_no_growth() -> None:
    w = ProcessWatch(settle_s=60)
    w.add(_stats(0, nav=(10, 50), control=(11, 40)))
    w.add(_stats(100, nav=(12, 70), control=(11, 40)))
    w.add(_stats(200, nav=(12, 77), control=(11, 40)))
    r = w.report()
    assert r["nav"]["restarts"] == 1 and r["nav"]["rss_growth_pct"] == 10.0
    short = ProcessWatch(settle_s=60)
    short.add(_stats(0, nav=(10, 50)))
    assert short.report()["nav"]["rss_growth_pct"] is None


def test_cpu_time_is_the_last_sample_and_adds_up_across_restarts() -> None:
    w = ProcessWatch(settle_s=60)
    for t_s, pid, cpu_s in [(0, 10, 0.5), (50, 10, 20.0), (100, 12, 1.0), (150, 12, 4.5)]:
        w.add(ProcessStats(int(t_s * 1e9), [ProcessStat("nav", pid, ProcState.READY, 5.0, 50 * MIB, 0, 10.0, cpu_s)]))
    assert w.report()["nav"]["cpu_s"] == 24.5  # 20 s before the restart, 4.5 s since
