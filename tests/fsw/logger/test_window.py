"""The flight's log is cut by flight time, not by arrival order."""
from __future__ import annotations

from fsw.logger.window import FlightWindow

MS = 1_000_000


def _feed(w: FlightWindow, stamps_ms: list[int]) -> tuple[list[bytes], bool]:
    due, complete = [], False
    for t in stamps_ms:
        got, complete = w.offer(t * MS, f"r{t}".encode())
        due += got
    return due, complete


def test_records_stamped_after_armed_that_came_before_it_are_taken_in() -> None:
    w = FlightWindow(recent_ns=2000 * MS, late_ns=10 * MS)
    assert _feed(w, [90, 101, 99, 102]) == ([], False)  # arrival order differs from time order; no flight yet
    w.armed(100 * MS)
    due, _ = _feed(w, [98, 103, 120])  # 98: stamped before the flight, the boot log's only
    assert due == [b"r101", b"r102", b"r103"]  # held until a record 10 ms younger came


def test_records_stamped_after_the_end_that_came_before_it_are_dropped() -> None:
    """The bug CI found: a loaded run's LANDED event came after a few records stamped after it."""
    w = FlightWindow(recent_ns=2000 * MS, late_ns=2000 * MS)
    w.armed(0)
    assert _feed(w, [4990, 5000, 5002, 5004]) == ([], False)
    w.ended(5000 * MS)  # the LANDED event, stamped 5000, arrives now
    due, complete = _feed(w, [4999, 5001, 6500])
    assert (due, complete) == ([], False)
    due, complete = _feed(w, [7001])
    assert complete and due == [b"r4990", b"r5000", b"r4999"]
    assert not w.open and _feed(w, [7002]) == ([], False)


def test_a_stopping_logger_drains_what_it_holds_up_to_the_end() -> None:
    w = FlightWindow(recent_ns=2000 * MS, late_ns=2000 * MS)
    w.armed(0)
    _feed(w, [10, 20, 30])
    w.ended(20 * MS)
    assert w.drain() == [b"r10", b"r20"] and not w.open


def test_only_the_last_recent_ns_is_remembered() -> None:
    w = FlightWindow(recent_ns=10 * MS, late_ns=0)
    for t in range(100):
        w.offer(t * MS, bytes([t]))
    w.armed(0)
    assert w.drain() == [bytes([t]) for t in range(89, 100)]
