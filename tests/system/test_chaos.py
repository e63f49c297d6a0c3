"""Resilience campaigns, small: a chaos flight judged and tabled; two kill -9s of the whole stack after
which every log reads back, no image is torn, little is lost and the next start works."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from ground.chaos import draw_faults, kill_campaign, run_chaos, survivable, sums


def test_fault_draws_are_seeded_and_judged() -> None:
    a = draw_faults(np.random.default_rng(4), 11.0, 45.0)
    assert a == draw_faults(np.random.default_rng(4), 11.0, 45.0) and 1 <= len(a) <= 3
    assert not survivable(["proc.control.kill@20"]) and not survivable(["imu.garbage@20:1.5"])
    assert survivable(["imu.garbage@20:0.2", "proc.nav.hang@15", "navcam.off@12:3"])


@pytest.mark.timeout(600)
def test_a_chaos_flight_is_flown_judged_and_tabled(tmp_path: Path) -> None:
    rows = run_chaos(1, 5, tmp_path, "flight1", jobs=1)
    table = list(csv.DictReader(open(tmp_path / "chaos.csv")))
    assert [r["index"] for r in table] == ["0"] and all(r["faults"] for r in table)
    s = sums(rows)
    assert s["flights"] == 1 and s["unexplained"] == 0
    assert all(r.outcome in ("landed", "land_now", "crashed", "aborted") for r in rows)


@pytest.mark.timeout(600)
def test_kill_minus_nine_of_the_stack_loses_nothing_durable(tmp_path: Path) -> None:
    rows = kill_campaign(2, 7, tmp_path, "flight1", max_mb=1.0)
    for r in rows:
        assert r.logs >= 1 and r.unreadable_logs == 0 and r.corrupt_images == 0, r
        assert r.lost_s <= 1.0, r  # the flush interval (0.5 s) plus the time to notice and kill
        assert r.restart_ok, r
