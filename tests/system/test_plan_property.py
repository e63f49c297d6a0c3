"""The property behind `ginny plan check`: a plan it accepts is one the vehicle flies. Any plan that `plan
check` accepts and that lasts at most 30 s is flown by `ginny sim` over flat terrain and lands as planned
(outcome "landed": not crashed, not a contingency landing, not timed out).

Plans are drawn by hypothesis (seeded: the same examples every run), two per example, flown side by side.
CI flies GINNY_PLAN_EXAMPLES of them (default 4: five minutes of the suite went to 20); run more by hand:  GINNY_PLAN_EXAMPLES=200 .venv/bin/python -m pytest tests/system/test_plan_property.py
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, Phase, assume, given, note, settings
from hypothesis import strategies as st

from fsw.config import ConfigError
from sim_hal.run.plancheck import check_plan

PER_EXAMPLE = 2  # plans flown side by side in one example
EXAMPLES = int(os.environ.get("GINNY_PLAN_EXAMPLES", "4")) // PER_EXAMPLE
MAX_DURATION_S = 30.0


FLOWN: list[str] = []  # the plans flown, for the count printed at the end


@pytest.fixture(scope="module", autouse=True)
def say_how_many() -> Any:
    yield
    print(f"\nplan property: {len(FLOWN)} plans flown, every one landed" if FLOWN else "")


def _num(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False).map(lambda v: round(v, 2))


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    """A plan table as a user could write one: any limits, 0..3 waypoints, holds, yaws and captures."""
    limits = {"max_speed_mps": draw(_num(0.5, 10.0)), "max_accel_mps2": draw(_num(0.2, 3.0)),
              "climb_mps": draw(_num(0.3, 3.0)), "descent_mps": draw(_num(0.3, 3.0)),
              "yaw_rate_dps": draw(_num(5.0, 90.0)), "max_tilt_deg": draw(st.sampled_from([0.0, 1.0, 5.0, 10.0, 20.0]))}
    waypoints = []
    for _ in range(draw(st.integers(0, 3))):
        wp = {"north_m": draw(_num(-30.0, 30.0)), "east_m": draw(_num(-30.0, 30.0)),
              "altitude_m": draw(_num(1.0, 12.0)), "speed_mps": draw(_num(0.1, limits["max_speed_mps"])),
              "hold_s": draw(_num(0.0, 4.0))}
        yaw = draw(st.one_of(st.none(), _num(-360.0, 360.0)))
        waypoints.append(wp if yaw is None else {**wp, "yaw_deg": yaw})
    plan = {"name": "drawn", "terrain": "flat", "takeoff_altitude_m": draw(_num(1.0, 12.0)),
            "start_hold_s": draw(_num(0.0, 5.0)), "limits": limits, "waypoints": waypoints}
    if waypoints and draw(st.booleans()):
        plan["captures"] = [{"at_waypoint": draw(st.integers(0, len(waypoints) - 1)),
                             "width_px": draw(st.integers(16, 1600)), "height_px": draw(st.integers(16, 1200))}]
    return plan


def _accepted(plan: dict[str, Any], path: Path) -> bool:
    path.write_text(tomli_w.dumps(plan), encoding="utf-8")
    try:
        return check_plan(path).summary.duration_s <= MAX_DURATION_S
    except ConfigError:
        return False


@pytest.mark.timeout(3600)
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          phases=(Phase.explicit, Phase.generate),  # no shrinking: each step would be a whole flight
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(drawn=st.lists(plans(), min_size=PER_EXAMPLE, max_size=PER_EXAMPLE))
def test_every_plan_plan_check_accepts_flies_and_lands(tmp_path_factory, drawn: list[dict[str, Any]]) -> None:
    folder = tmp_path_factory.mktemp("plans")
    paths = [folder / f"drawn{i}.toml" for i in range(len(drawn))]
    accepted = [(plan, path) for plan, path in zip(drawn, paths) if _accepted(plan, path)]
    texts = {tomli_w.dumps(plan) for plan, _ in accepted}
    assume(len(accepted) == PER_EXAMPLE and len(texts) == PER_EXAMPLE and not texts & set(FLOWN))  # new plans only
    runs = [(plan, path, subprocess.Popen([sys.executable, "-m", "ground.cli.main", "sim", "--plan", str(path),
                                           "--out", str(path.with_suffix(""))], stdout=subprocess.PIPE,
                                          stderr=subprocess.DEVNULL, text=True))
            for plan, path in accepted]  # two at a time: a lockstep flight leaves part of the two cores idle
    for plan, path, run in runs:
        stdout, _ = run.communicate(timeout=600)
        note(tomli_w.dumps(plan))
        summary = json.loads((path.with_suffix("") / "summary.json").read_text())
        assert summary["outcome"] == "landed" and run.returncode == 0, (summary["outcome"], summary["flight"],
                                                                         stdout[-1500:])
    FLOWN.extend(texts)  # once every plan of the example has landed (hypothesis replays a failing example whole)
