"""The world's record of the critical loop: processing times, dropped frames, deadline misses, latency."""
from __future__ import annotations

from sim_hal.model.flightmeter import TrackerStats


def test_frames_missing_between_the_first_and_the_last_are_dropped_and_slow_ones_are_misses() -> None:
    t = TrackerStats()
    for seq, ms in ((10, 2.0), (11, 3.0), (13, 40.0), (14, 1.0)):
        t.add(seq, ms)
    r = t.report()
    assert r["frames"] == 4 and r["dropped_frames"] == 1 and r["deadline_misses"] == 1
    assert (r["p50_ms"], r["max_ms"]) == (3.0, 40.0)
    assert "latency_p50_ms" not in r  # lockstep: no wall-clock latency to speak of


def test_real_time_latency_percentiles() -> None:
    t = TrackerStats()
    for seq in range(200):
        t.add(seq, 2.0, latency_ms=5.0 if seq < 196 else 30.0)
    r = t.report()
    assert (r["latency_p50_ms"], r["latency_p99_ms"], r["latency_max_ms"]) == (5.0, 30.0, 30.0)


def test_latency_stages_are_reported_apart() -> None:
    t = TrackerStats()
    for seq in range(100):
        t.add(seq, 2.0, latency_ms=9.0)
        t.add_stages((3.0, 2.0, 4.0))
    r = t.report()
    assert (r["latency_render_p50_ms"], r["latency_to_nav_p50_ms"], r["latency_in_nav_p99_ms"]) == (3.0, 2.0, 4.0)


def test_an_estimate_counts_once_the_world_is_half_a_second_past_it() -> None:
    """So the figures do not depend on which late estimates reached the world before the run ended."""
    from sim_hal.model.dynamics import State
    from sim_hal.model.flightmeter import FlightMeter

    m = FlightMeter()
    for k in range(1, 1001):  # 2 s of steps, at rest on the ground
        t = k * 2_000_000
        m.update(t, State((0.0, 0.0, 0.0), (0.0, 0.0, 0.0), (1.0, 0.0, 0.0, 0.0), (0.0, 0.0, 0.0)), 0.0)
        if k % 10 == 0:
            m.compare(t, True, (0.1 * (t > 1_500_000_000), 0.0, 0.0), (0.0, 0.0, 0.0))
    r = m.nav.report()
    assert r["compared_estimates"] == 75  # stamped up to 1.5 s: the 25 after are not settled
    assert r["final_position_error_m"] == 0.0 == r["max_position_error_m"]  # the 0.1 m ones never counted
