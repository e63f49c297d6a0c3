from __future__ import annotations

import pytest

from fsw.clock import Clock, ClockError, ManualClock, MonotonicClock
from sim_hal.backend.timesource import SimClock


def test_clocks_satisfy_the_protocol_and_never_go_back() -> None:
    for clock in (MonotonicClock(), ManualClock(), SimClock()):
        assert isinstance(clock, Clock)
    mono = MonotonicClock()
    a = mono.now_ns()
    assert mono.now_ns() >= a and isinstance(a, int)
    sim = SimClock()
    sim.on_tick(2_000_000)
    assert sim.now_ns() == 2_000_000 and sim.ticks == 1
    sim.on_tick(1)  # an older tick from another stream: time does not go back
    assert sim.now_ns() == 2_000_000 and sim.ticks == 2
    with pytest.raises(ClockError, match="went back"):
        sim.set_ns(1)
