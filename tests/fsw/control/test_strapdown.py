"""Control's fast estimate: the IMU integrated, corrected by late navigation estimates as of their own time."""
from __future__ import annotations

import numpy as np
import pytest

from fsw.control.strapdown import HISTORY, Strapdown

G = 3.71
LEVEL = (1.0, 0.0, 0.0, 0.0)
MS = 1_000_000


def hovering(sd: Strapdown, k0: int, n: int, accel_x: float = 0.0) -> None:
    """n IMU samples at 500 Hz from sample k0: level, thrust holding the weight (plus a push north)."""
    for k in range(k0, k0 + n):
        sd.propagate(k * 2 * MS, np.zeros(3), np.array([accel_x, 0.0, -G]))


def started() -> Strapdown:
    sd = Strapdown(G)
    sd.propagate(0, np.zeros(3), np.array([0.0, 0.0, -G]))
    sd.correct(0, np.zeros(3), np.zeros(3), LEVEL, True)
    return sd


def test_a_late_estimate_shifts_the_state_now_by_what_it_changes_then() -> None:
    sd = started()
    hovering(sd, 1, 300, accel_x=0.5)  # 0.6 s pushed north at 0.5 m/s^2
    v_then = sd.est.v.copy()
    # navigation says that 0.2 s ago the vehicle was 1 m further east and 0.1 m/s faster east than believed
    i = 200
    then_p = sd._past.p[sd._past.find(i * 2 * MS)].copy()
    then_v = sd._past.v[sd._past.find(i * 2 * MS)].copy()
    sd.correct(i * 2 * MS, then_p + [0.0, 1.0, 0.0], then_v + [0.0, 0.1, 0.0], LEVEL, True)
    assert sd.est.v == pytest.approx(v_then + [0.0, 0.1, 0.0])
    assert sd.est.v[0] == pytest.approx(0.5 * 0.6, abs=1e-3)  # the push north is kept


def test_the_same_estimate_twice_corrects_once() -> None:
    sd = started()
    hovering(sd, 1, 100)
    sd.correct(100 * MS, [0.0, 2.0, 0.0], [0.0, 0.0, 0.0], LEVEL, True)
    p_once = sd.est.p.copy()
    sd.correct(100 * MS, [0.0, 2.0, 0.0], [0.0, 0.0, 0.0], LEVEL, True)
    assert sd.est.p == pytest.approx(p_once) and p_once[1] == pytest.approx(2.0)


def test_an_estimate_older_than_the_history_is_dropped_and_an_invalid_one_corrects_nothing() -> None:
    sd = started()
    hovering(sd, 1, HISTORY * 3)  # the history is kept across its own compaction
    p = sd.est.p.copy()
    sd.correct(10 * MS, [5.0, 0.0, 0.0], [0.0, 0.0, 0.0], LEVEL, True)
    assert sd.est.p == pytest.approx(p)
    sd.correct(sd.est.t_ns - 20 * MS, [5.0, 0.0, 0.0], [0.0, 0.0, 0.0], LEVEL, False)
    assert sd.est.p == pytest.approx(p) and not sd.est.valid
    sd.correct(sd.est.t_ns - 20 * MS, [5.0, 0.0, 0.0], [0.0, 0.0, 0.0], LEVEL, True)
    assert sd.est.p[0] == pytest.approx(5.0) and sd.est.valid


def test_a_heading_correction_turns_the_state_now() -> None:
    sd = started()
    hovering(sd, 1, 50)
    yaw = np.radians(10.0)
    sd.correct(50 * MS, [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], (np.cos(yaw / 2), 0.0, 0.0, np.sin(yaw / 2)), True)
    assert np.degrees(np.arctan2(sd.est.R[1, 0], sd.est.R[0, 0])) == pytest.approx(10.0)
