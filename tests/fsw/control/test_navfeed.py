"""The nav feed: estimates applied at times that do not depend on when they arrived."""
from __future__ import annotations

from dataclasses import replace

import pytest

from fsw.bus.messages import NavState, VisionStatus
from fsw.config.stack import NavConfig
from fsw.control.navfeed import NavFeed

MS = 1_000_000
LEAD_MS = NavConfig(fusion_delay_ms=150.0, publish_every_imu=10).published_by_ms(500.0)  # settled 172 ms after
STATE = NavState(0, (0.0, 0.0, -3.0), (0.0, 0.0, 0.0), (1.0, 0.0, 0.0, 0.0), (0.01,) * 3, (0.01,) * 3,
                 (0.001,) * 3, True, VisionStatus.GOOD, 0, 0.0)


def at(t_ms: float) -> NavState:
    return replace(STATE, t_ns=round(t_ms * MS))


def test_an_estimate_is_applied_at_its_time_plus_the_delay_whenever_it_arrived() -> None:
    early, late = NavFeed(250.0, LEAD_MS), NavFeed(250.0, LEAD_MS)
    early.push(at(100))
    assert early.due(348 * MS) == [] and early.due(350 * MS) == [at(100)]
    assert late.due(348 * MS) == []
    late.push(at(100))  # arrived later, still before it was due
    assert late.due(350 * MS) == [at(100)]
    assert early.due(352 * MS) == [] == late.due(352 * MS)  # each applied once


def test_estimates_come_out_in_the_order_navigation_published_them() -> None:
    feed = NavFeed(250.0, LEAD_MS)
    for t in (200, 40, 220, 60):  # IMU estimates, then a frame's (fused later, stamped with its exposure)
        feed.push(at(t))
    assert [s.t_ns // MS for s in feed.due(460 * MS)] == [200, 40, 60]
    assert [s.t_ns // MS for s in feed.due(470 * MS)] == [220]


def test_a_cycle_waits_until_a_later_estimate_proves_nothing_due_is_missing() -> None:
    feed = NavFeed(250.0, LEAD_MS)
    feed.push(at(900))
    # due by 1000 ms: estimates up to 750 ms; only one stamped 750 + 172 = 922 ms or later proves it
    assert not feed.ready(1000 * MS)
    feed.push(at(921))
    assert not feed.ready(1000 * MS)
    feed.push(at(922))
    assert feed.ready(1000 * MS)


def test_navigation_is_waited_for_from_the_first_estimate_that_can_be_due() -> None:
    """A first estimate applied on arrival would start a loaded run's flight later than an idle one's."""
    feed = NavFeed(250.0, LEAD_MS)
    assert feed.ready(77 * MS)  # due by then: stamps up to -173 ms, none can exist
    assert not feed.ready(78 * MS)  # one stamped at 0 ms may be on its way: wait for proof
    feed.push(at(0))
    assert feed.ready(78 * MS) and not feed.ready(80 * MS)
    assert feed.due(250 * MS) == [at(0)]


def test_a_slow_navigation_is_waited_for_however_long_it_takes() -> None:
    feed = NavFeed(250.0, LEAD_MS)
    feed.push(at(900))
    for _ in range(10_000):  # no wall clock, no count of tries: only an estimate lets the cycle run
        assert not feed.ready(2000 * MS)
    feed.push(at(1922))
    assert feed.ready(2000 * MS) and feed.losses == 0


def test_navigation_reported_gone_is_not_waited_for_until_it_speaks_again() -> None:
    feed = NavFeed(250.0, LEAD_MS)
    feed.push(at(900))
    assert not feed.ready(2000 * MS)
    feed.lost()
    assert feed.ready(2000 * MS) and feed.losses == 1
    assert feed.ready(3000 * MS)  # not waited for any more ...
    feed.push(at(2500))
    assert not feed.ready(3000 * MS)  # ... until it speaks


def test_without_a_delay_every_estimate_is_applied_at_the_next_cycle() -> None:
    feed = NavFeed(0.0, LEAD_MS)
    feed.push(at(100))
    feed.push(at(50))
    assert feed.ready(0) and feed.due(0) == [at(100), at(50)]


@pytest.mark.parametrize("delay", [100.0, 221.0])
def test_a_delay_too_short_for_navigations_fusion_delay_is_refused(tmp_path, delay: float) -> None:
    from fsw.config import ConfigError
    from fsw.config.stack import DEFAULT_DIR, load_stack
    text = (DEFAULT_DIR / "sim_flight.toml").read_text().replace("nav_apply_delay_ms = 250.0",
                                                                  f"nav_apply_delay_ms = {delay}")
    text = text.replace('topology = "topology.toml"', f'topology = "{DEFAULT_DIR / "topology.toml"}"')
    path = tmp_path / "stack.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"flight.nav_apply_delay_ms.*at least 222 ms"):
        load_stack(path)
