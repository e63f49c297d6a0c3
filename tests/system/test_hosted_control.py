"""Control hosted in the lockstep world (as the MCU it stands in for runs it) flies a plan as control in a process
of its own does: the same plan, seed and configs otherwise."""
from __future__ import annotations

from pathlib import Path

import pytest

from fsw.config import read_toml
from fsw.config.stack import DEFAULT_DIR
from tests.system.test_sim_flight import PLANS, ginny_sims


def _config(tmp_path: Path, host: str) -> Path:
    import tomli_w

    raw = read_toml(DEFAULT_DIR / "sim_flight.toml")
    raw["stack"]["topology"] = str(DEFAULT_DIR / "topology.toml")
    raw["processes"]["control"]["host"] = host
    path = tmp_path / f"stack-{host or 'own'}.toml"
    path.write_text(tomli_w.dumps(raw))
    return path


@pytest.mark.timeout(600)
def test_control_hosted_in_the_world_flies_the_plan_as_its_own_process_does(tmp_path: Path) -> None:
    plan = str(PLANS / "jump.toml")
    flights = {}
    runs = ginny_sims({host: (tmp_path / (host or "own"), ("--plan", plan, "--seed", "3", "--config",
                                                           str(_config(tmp_path, host))))
                       for host in ("world", "")})
    for host, (run, s) in runs.items():
        assert run.returncode == 0, run.stdout + run.stderr
        assert s["outcome"] == "landed" and s["images"], s
        flights[host] = s["flight"]
    hosted, own = flights["world"], flights[""]
    for key, bound in (("final_north_m", 0.02), ("final_east_m", 0.02), ("flight_time_s", 0.01),
                       ("liftoff_s", 0.01), ("max_tilt_deg", 0.1), ("max_altitude_m", 0.02)):
        assert abs(hosted[key] - own[key]) <= bound, (key, hosted[key], own[key])
