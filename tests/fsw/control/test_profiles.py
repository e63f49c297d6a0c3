"""Speed profiles: the trapezoid, and the tilt-limited profile that leans into the rotor drag."""
from __future__ import annotations

import math

import numpy as np
import pytest

from fsw.control.profiles import TiltLimited, Trapezoid

G, K = 3.71, 0.05  # Mars gravity; rotor drag per unit mass (1/s)


def sampled(profile, dt: float = 0.005) -> np.ndarray:
    return np.array([profile.at(t) for t in np.arange(0.0, profile.duration + dt, dt)])


def test_the_trapezoid_accelerates_cruises_and_brakes_or_makes_a_triangle() -> None:
    p = Trapezoid(100.0, 4.0, 0.8)
    assert p.duration == pytest.approx(2 * 5.0 + (100.0 - 20.0) / 4.0)
    assert p.at(2.0) == pytest.approx((1.6, 1.6, 0.8))
    assert p.at(10.0) == pytest.approx((10.0 + 4.0 * 5.0, 4.0, 0.0))
    assert p.at(p.duration) == pytest.approx((100.0, 0.0, -0.8))
    short = Trapezoid(5.0, 4.0, 0.8)
    assert short.speed == pytest.approx(2.0) and short.duration == pytest.approx(2 * math.sqrt(5.0 / 0.8))


@pytest.mark.parametrize("distance", [150.0, 50.0, 15.0, 0.5])
def test_the_tilt_limited_profile_never_leans_more_than_its_limit_and_stops_at_the_end(distance: float) -> None:
    p = TiltLimited(distance, 4.0, 0.25, 4.0, K, G)
    rows = sampled(p)
    x, v, a = rows[:, 0], rows[:, 1], rows[:, 2]
    lean = np.degrees(np.arctan(np.abs(a + K * v) / G))  # the thrust holds the acceleration and the drag
    assert lean.max() <= 4.0 + 0.01 and np.abs(a).max() <= 0.25 + 1e-9
    assert v.max() <= 4.0 + 1e-9 and v.min() >= -1e-9
    assert x[-1] == pytest.approx(distance, abs=1e-6) and v[-1] == pytest.approx(0.0, abs=1e-6)
    assert np.abs(np.diff(x)).max() <= 4.0 * 0.005 + 1e-6  # continuous
    assert np.abs(np.diff(v)).max() <= 0.25 * 0.005 + 1e-6
    assert np.all(np.diff(x) >= -1e-9)


def test_a_long_leg_reaches_the_cruise_speed_and_brakes_harder_than_it_accelerated() -> None:
    p = TiltLimited(150.0, 4.0, 0.25, 4.0, K, G)
    rows = sampled(p)
    assert rows[:, 1].max() == pytest.approx(4.0)
    assert -rows[:, 2].min() > rows[:, 2][rows[:, 1] > 3.5].max()  # the drag helps braking
    assert 50.0 < p.duration < 60.0  # about as long as the 0.25 m/s^2 trapezoid's 53.5 s


def test_a_cruise_speed_the_tilt_cannot_hold_against_the_drag_is_lowered() -> None:
    p = TiltLimited(500.0, 8.0, 0.5, 2.0, K, G)  # 2 deg holds the drag of 2.6 m/s at most
    assert p.speed == pytest.approx(0.9 * G * math.tan(math.radians(2.0)) / K)
