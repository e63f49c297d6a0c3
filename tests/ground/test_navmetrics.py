"""Navigation accuracy figures (pure): the 4-DOF alignment, the percentages and the 3-sigma count."""
from __future__ import annotations

import math

import numpy as np
import pytest

from ground.navmetrics import Track, align_4dof, distance_m, metrics


def _turned(p: np.ndarray, yaw: float, shift: np.ndarray) -> np.ndarray:
    c, s = math.cos(yaw), math.sin(yaw)
    return p @ np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]]).T + shift


def test_the_alignment_undoes_a_turn_about_the_vertical_and_a_shift() -> None:
    rng = np.random.default_rng(1)
    true = np.cumsum(rng.normal(0, 1, (200, 3)), axis=0)
    est = _turned(true, 0.3, np.array([5.0, -2.0, 1.0]))
    assert np.abs(align_4dof(est, true) - true).max() < 1e-9
    tilted = est.copy()
    tilted[:, 2] += 0.1 * est[:, 0]  # a tilt is not among the four: it stays
    assert np.abs(align_4dof(tilted, true) - true).max() > 0.1


def test_the_figures_of_a_track_with_known_errors() -> None:
    t = np.linspace(0.0, 10.0, 101)
    true = np.column_stack([10.0 * t, np.zeros_like(t), np.full_like(t, -10.0)])  # 100 m north
    est = true + np.array([0.0, 0.3, 0.1])  # 0.3 m east, 0.1 m low, all along
    v = np.tile([10.0, 0.0, 0.0], (len(t), 1))
    sd = np.tile([0.2, 0.2, 0.2], (len(t), 1))
    sd[:10, 1] = 0.05  # the first ten estimates claim 5 cm east: 0.3 m is outside 3 sigma there
    degraded = t >= 9.0
    m = metrics(Track(t, est, true, v + 0.02, v, sd, degraded))
    assert m["distance_m"] == pytest.approx(100.0)
    assert m["final_error_m"] == pytest.approx(0.3) and m["final_error_pct"] == pytest.approx(0.3)
    assert m["ate_rmse_m"] < 1e-6  # a constant offset aligns away
    assert m["altitude_rmse_m"] == pytest.approx(0.1)
    assert m["speed_rmse_mps"] == pytest.approx(0.02 * math.sqrt(3), abs=1e-4)
    assert m["vision_degraded_s"] == pytest.approx(1.0)
    assert m["within_3sigma"] == pytest.approx(91 / 101, abs=1e-4)
    assert (m["within_3sigma_north"], m["within_3sigma_down"]) == (1.0, 1.0)  # only east was too sure
    assert m["within_3sigma_east"] == pytest.approx(91 / 101, abs=1e-4)
    assert distance_m(true[:1]) == 0.0


def test_a_track_needs_its_truth() -> None:
    t = np.arange(3.0)
    with pytest.raises(ValueError, match="two or more"):
        Track(t, np.zeros((3, 3)), np.zeros((2, 3)), np.zeros((3, 3)), np.zeros((3, 3)), np.ones((3, 3)),
              np.zeros(3, bool))
