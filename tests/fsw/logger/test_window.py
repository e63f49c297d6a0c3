"""The flight's log is cut by flight time, not by arrival order."""
from __future__ import annotations

from fsw.logger.window import FlightWindow, Verdict

MS = 1_000_000


def test_records_stamped_after_armed_that_came_before_it_are_taken_in() -> None:
    w = FlightWindow(recent_ns=2000 * MS, late_ns=2000 * MS)
    for t in (90, 101, 99, 102):  # arrival order differs from time order
        assert w.offer(t * MS, f"r{t}".encode()) is Verdict.SKIP
    assert w.armed(100 * MS) == [b"r101", b"r102"]
    assert w.offer(98 * MS, b"late") is Verdict.SKIP  # stamped before the flight: the boot log's only
    assert w.offer(103 * MS, b"r103") is Verdict.KEEP


def test_after_the_end_only_what_is_stamped_before_it_is_kept_then_the_log_closes() -> None:
    w = FlightWindow(recent_ns=2000 * MS, late_ns=2000 * MS)
    w.armed(0)
    w.ended(5000 * MS)
    assert w.offer(4999 * MS, b"a") is Verdict.KEEP
    assert w.offer(5001 * MS, b"b") is Verdict.SKIP
    assert w.offer(6500 * MS, b"c") is Verdict.SKIP
    assert w.offer(7001 * MS, b"d") is Verdict.CLOSE
    assert not w.open and w.offer(7002 * MS, b"e") is Verdict.SKIP


def test_only_the_last_recent_ns_is_remembered() -> None:
    w = FlightWindow(recent_ns=10 * MS, late_ns=10 * MS)
    for t in range(100):
        w.offer(t * MS, bytes([t]))
    assert w.armed(0) == [bytes([t]) for t in range(89, 100)]
