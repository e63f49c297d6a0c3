from __future__ import annotations

import pytest

from fsw.runtime.events import EventThrottle


def test_throttle_admits_limit_per_window_and_reports_suppressed() -> None:
    th = EventThrottle(limit=3, window_ns=1000)
    assert [th.admit("E", t) for t in (0, 1, 2)] == [0, 0, 0]
    assert [th.admit("E", t) for t in (3, 4)] == [None, None]
    assert th.admit("OTHER", 5) == 0  # names are throttled separately
    assert th.admit("E", 1000) == 2  # new window: says how many were dropped
    assert th.total_suppressed == 2


def test_throttle_rejects_bad_settings() -> None:
    with pytest.raises(ValueError):
        EventThrottle(0, 10)
