"""Flight plans: the bundled ones reproduce the real flights; bad plans are refused clearly."""
from __future__ import annotations

from pathlib import Path

import pytest

from fsw.config import ConfigError
from fsw.control.plan import bundled_plans, load_plan, summarize
from ground.cli.main import main

REAL = {  # name: (distance m, duration s, max altitude m), as flown by Ingenuity
    "flight1": (0.0, 39.1, 3.0),
    "flight6": (215.0, 139.9, 10.0),
    "flight51": (188.0, 136.9, 12.0),
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_bundled_plans_reproduce_the_real_flights(name: str) -> None:
    s = summarize(load_plan(name))
    distance, duration, altitude = REAL[name]
    assert s.distance_m == pytest.approx(distance, abs=1.0)
    assert s.duration_s == pytest.approx(duration, abs=1.0)
    assert s.max_altitude_m == pytest.approx(altitude)


def test_every_bundled_plan_loads() -> None:
    assert set(bundled_plans()) >= {"flight1", "flight6", "flight51", "flight72"}
    assert load_plan("flight72").terrain == "ripples"
    assert load_plan("flight51").captures[0].at_waypoint == 0


BASE = 'name = "t"\ntakeoff_altitude_m = 5.0\n'
WP = '[[waypoints]]\nnorth_m = 10.0\neast_m = 0.0\naltitude_m = {alt}\nspeed_mps = {speed}\n'


@pytest.mark.parametrize("text, key, reason", [
    (BASE + "waypoints = []\ncolour = 1\n", "colour", "unknown key"),
    (BASE + WP.format(alt=40.0, speed=2.0), "waypoints[0].altitude_m", "must be 1..25.0 m"),
    (BASE + WP.format(alt=5.0, speed=7.0), "waypoints[0].speed_mps", "above the plan's limit of 5.0 m/s"),
    (BASE + WP.format(alt=5.0, speed=12.0), "waypoints[0].speed_mps", "must be in (0, 10.0] m/s"),
    (BASE + WP.format(alt=2.0, speed=3.0), "waypoints[0].speed_mps", "3.0 m/s is too fast for navigation 2 m up"),
    (BASE + "start_hold_s = -10\nwaypoints = []\n", "start_hold_s", "must be 0..7200 s"),
    (BASE + WP.format(alt=5.0, speed=2.0) + "[[captures]]\nat_waypoint = 3\n", "captures[0].at_waypoint",
     "no waypoint 3"),
    (BASE + "waypoints = []\n[limits]\nmax_speed_mps = 0.0\n", "limits.max_speed_mps", "must be in (0"),
    ('name = "t"\nwaypoints = []\n', "takeoff_altitude_m", "missing required key"),
])
def test_bad_plans_are_refused_with_file_key_and_reason(tmp_path: Path, text: str, key: str, reason: str) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_plan(path)
    assert (err.value.file, err.value.key) == (str(path), key)
    assert reason in err.value.reason


def test_plan_check_cli(tmp_path: Path, capsys) -> None:
    assert main(["plan", "check", "flight51"]) == 0
    out = capsys.readouterr().out
    assert "flight51: valid: 3 waypoints, 188.0 m, 136.9 s, up to 12.0 m" in out
    bad = tmp_path / "bad.toml"
    bad.write_text(BASE + WP.format(alt=5.0, speed=7.0))
    assert main(["plan", "check", str(bad)]) == 2
    assert "waypoints[0].speed_mps" in capsys.readouterr().err
