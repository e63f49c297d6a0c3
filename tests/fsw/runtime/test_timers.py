from __future__ import annotations

from fsw.clock import ManualClock
from fsw.runtime.timers import Timers


def test_timers_fire_on_period_skip_missed_and_survive_errors() -> None:
    clock = ManualClock()
    timers = Timers(clock)
    calls: list[int] = []
    timers.every(10, lambda: calls.append(clock.now_ns()), name="tick")
    timers.every(25, lambda: 1 / 0, name="broken")
    assert timers.ms_until_next() == 1  # 10 ns rounds up to 1 ms
    clock.set_ns(10)
    assert timers.run_due() == []
    clock.set_ns(55)  # four periods late: fires once, next due at 60
    errors = timers.run_due()
    assert calls == [10, 55]
    assert errors == ["broken: ZeroDivisionError: division by zero"]
    clock.set_ns(59)
    timers.run_due()
    assert calls == [10, 55]
    clock.set_ns(60)
    timers.run_due()
    assert calls == [10, 55, 60]
