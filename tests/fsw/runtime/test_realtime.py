from __future__ import annotations

import os

from fsw.runtime.realtime import apply_realtime


def test_nothing_asked_nothing_done() -> None:
    assert apply_realtime(0, []) == []


def test_refusals_are_reported_not_raised(monkeypatch) -> None:
    def refuse(*args):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "sched_setscheduler", refuse)
    warnings = apply_realtime(50, [99999])
    assert any("CPU set [99999] refused" in w for w in warnings)
    assert any("SCHED_FIFO priority 50 refused" in w and "not permitted" in w for w in warnings)


def test_a_cpu_set_is_applied(monkeypatch) -> None:
    before = os.sched_getaffinity(0)
    try:
        cpu = min(before)
        assert apply_realtime(0, [cpu]) == []
        assert os.sched_getaffinity(0) == {cpu}
    finally:
        os.sched_setaffinity(0, before)
