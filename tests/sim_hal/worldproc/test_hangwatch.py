"""The hang watch: waiting is not hanging; only a whole window without an answer and without CPU is."""
from __future__ import annotations

from sim_hal.worldproc.hangwatch import HangWatch

S = 1_000_000_000


class Host:
    def __init__(self) -> None:
        self.now = 0
        self.cpu = {11: 0.0, 12: 0.0}

    def watch(self) -> HangWatch:
        w = HangWatch(lambda: self.now, 10 * S, lambda pid: self.cpu.get(pid))
        w.pid("control", 11)
        w.pid("nav", 12)
        return w


def test_time_moving_on_is_never_a_hang() -> None:
    host = Host()
    w = host.watch()
    for step in range(1000):  # waited on at every check, but at a new step each time
        host.now += S
        assert not w.hung("control", step)


def test_a_starved_participant_that_works_is_not_hung() -> None:
    host = Host()
    w = host.watch()
    for _ in range(300):  # 300 s at one step, navigation using 2% of a core
        host.now += S
        host.cpu[12] += 0.02
        assert not w.hung("control", 7)  # control waits for navigation: the chain's CPU counts


def test_a_stopped_participant_is_hung_after_a_window_without_cpu() -> None:
    host = Host()
    w = host.watch()
    verdicts = []
    for t in range(1, 40):
        host.now = t * S
        verdicts.append(w.hung("control", 7))
    first = verdicts.index(True) + 1
    assert 10 <= first <= 21  # one window to take the CPU's measure, one without any


def test_no_participant_waited_on_resets_the_watch() -> None:
    host = Host()
    w = host.watch()
    host.now = 15 * S
    assert not w.hung("control", 7)
    assert not w.hung(None, 7)
    host.now = 16 * S
    assert not w.hung("control", 7)
