"""Campaign specs, draws, the results table and the report's statistics (no flight flown here)."""
from __future__ import annotations

from pathlib import Path

import pytest

from fsw.config import ConfigError
from ground.campaign.draw import draw_job, flight_seed
from ground.campaign.fly import _sensors, _vehicle, _wind, write_inputs
from ground.campaign.report import correlations, write_campaign_report
from ground.campaign.spec import load_spec, parse_spec
from ground.campaign.table import gather, query, read_row, read_table, write_row
from sim_hal.worldproc.config import load_world

SPEC = """
plans = ["flight1"]
flights = 20
seed = 7
[dispersions]
wind_speed_mps = { uniform = [0.0, 4.0] }
mass_scale = { normal = [1.0, 0.03] }
terrain = { choice = ["jezero", "ripples"] }
terrain_seed = { integers = [0, 1000] }
imu_noise_scale = 2.0
[faults]
probability = 0.5
count = [1, 2]
families = ["navcam", "proc"]
"""


def _spec(tmp_path: Path, text: str = SPEC) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(text)
    return path


def test_a_spec_is_read_with_its_distributions(tmp_path: Path) -> None:
    spec = load_spec(_spec(tmp_path))
    assert spec.plans == ("flight1",) and spec.flights == 20 and spec.seed == 7
    assert {d.key: d.kind for d in spec.dispersions} == {"wind_speed_mps": "uniform", "mass_scale": "normal",
                                                         "terrain": "choice", "terrain_seed": "integers",
                                                         "imu_noise_scale": "fixed"}


@pytest.mark.parametrize("text, key, reason", [
    ('plans = ["flight1"]\nflights = 0', "flights", "must be an integer"),
    ('plans = ["nosuch"]\nflights = 2', "plans[0]", "no such plan"),
    ('plans = []\nflights = 2', "plans", "must be a list"),
    ('plans = ["flight1"]\nflights = 2\nseed = -1', "seed", "must be an integer"),
    ('plans = ["flight1"]\nflights = 2\ncolour = 1', "colour", "unknown key"),
    ('plans = ["flight1"]\nflights = 2\n[dispersions]\nwarp = 1.0', "dispersions.warp", "unknown dispersion"),
    ('plans = ["flight1"]\nflights = 2\n[dispersions]\nmass_scale = 9.0', "dispersions.mass_scale", "outside"),
    ('plans = ["flight1"]\nflights = 2\n[dispersions]\nmass_scale = { uniform = [1.2, 0.9] }',
     "dispersions.mass_scale.uniform", "low <= high"),
    ('plans = ["flight1"]\nflights = 2\n[dispersions]\nmass_scale = { gaussian = [1, 0.1] }',
     "dispersions.mass_scale", "must be one of"),
    ('plans = ["flight1"]\nflights = 2\n[dispersions]\nmass_scale = { normal = [1.0, -0.1] }',
     "dispersions.mass_scale.normal", "std >= 0"),
    ('plans = ["flight1"]\nflights = 2\n[dispersions]\nterrain = { choice = ["moon"] }',
     "dispersions.terrain.choice", "must be a list of"),
    ('plans = ["flight1"]\nflights = 2\n[dispersions]\nterrain_seed = { uniform = [0, 5] }',
     "dispersions.terrain_seed", "integers"),
    ('plans = ["flight1"]\nflights = 2\n[faults]\nprobability = 2', "faults.probability", "must be 0..1"),
    ('plans = ["flight1"]\nflights = 2\n[faults]\nfamilies = ["warp"]', "faults.families", "must be a list of"),
])
def test_a_bad_spec_is_refused_with_file_key_and_reason(tmp_path: Path, text: str, key: str, reason: str) -> None:
    path = _spec(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_spec(path)
    assert err.value.file == str(path) and err.value.key == key and reason in err.value.reason, str(err.value)


def test_not_toml_and_not_utf8_are_refused_naming_the_file(tmp_path: Path) -> None:
    for raw in (b"plans = [", b"\xff\xfe"):
        path = tmp_path / "bad.toml"
        path.write_bytes(raw)
        with pytest.raises(ConfigError, match=str(path)):
            load_spec(path)


def test_each_flight_is_drawn_from_the_base_seed_and_its_index_alone(tmp_path: Path) -> None:
    spec = load_spec(_spec(tmp_path))
    jobs = [draw_job(spec, i) for i in range(spec.flights)]
    assert draw_job(spec, 13) == jobs[13]  # drawn alone, the same
    assert len({j.seed for j in jobs}) == spec.flights and jobs[3].seed == flight_seed(7, 3)
    assert all(0.0 <= j.draws["wind_speed_mps"] <= 4.0 and j.draws["imu_noise_scale"] == 2.0 for j in jobs)
    assert {j.draws["terrain"] for j in jobs} == {"jezero", "ripples"}
    with_faults = [j for j in jobs if j.faults]
    assert 4 <= len(with_faults) <= 16 and all(1 <= len(j.faults) <= 2 for j in with_faults)
    assert all(f.split(".")[0] in ("navcam", "proc") for j in jobs for f in j.faults)
    fewer = parse_spec({"plans": ["flight1"], "flights": 20, "seed": 7,
                        "dispersions": {"wind_speed_mps": {"uniform": [0.0, 4.0]}}})
    assert draw_job(fewer, 13).draws["wind_speed_mps"] == jobs[13].draws["wind_speed_mps"]  # its own generator


def test_the_inputs_of_a_flight_carry_its_draws_and_load_as_a_world(tmp_path: Path) -> None:
    d = {"wind_speed_mps": 2.0, "wind_from_deg": 90.0, "mass_scale": 1.1, "thrust_scale": 0.9,
         "imu_noise_scale": 3.0, "navcam_exposure_scale": 0.5, "terrain_seed": 42, "start_north_m": 5.0}
    world: dict = {}
    _wind(world, d)
    assert world["wind"]["east_mps"] == pytest.approx(-2.0) and world["wind"]["north_mps"] == pytest.approx(0.0)
    v, s = _vehicle(d), _sensors(d)
    assert v["body"]["mass_kg"] == pytest.approx(1.98) and v["rotor"]["max_thrust_n"] == pytest.approx(11.7)
    assert s["imu"]["gyro_noise_radps"] == pytest.approx(0.0051) and s["navcam"]["exposure_us"] == 1000.0
    spec = parse_spec({"plans": ["flight1"], "flights": 1, "dispersions": {
        k: v for k, v in d.items() if k != "wind_from_deg"} | {"wind_from_deg": 90.0}})
    folder = write_inputs(draw_job(spec, 0), tmp_path / "in")
    cfg = load_world(folder / "world.toml")
    assert cfg.terrain_seed == 42 and cfg.start.north_m == 5.0 and Path(cfg.vehicle).is_file()


def _row(i: int, **kw) -> dict:
    return {"flight_id": f"{i:06d}", "index": i, "plan": "flight1", "seed": i, "faults": "", "survivable": True,
            "outcome": "landed", "exit_code": 0, "landing_error_m": 0.1 * i, "nav_final_error_m": None,
            "touchdown_speed_mps": 0.5, "touchdown_horizontal_speed_mps": 0.1, "max_tilt_deg": 3.0,
            "vision_degraded_s": 0.0, "lost": False, "explanation": "", "mass_scale": 1.0 + 0.01 * i, **kw}


def test_rows_gather_into_one_table_that_duckdb_queries(tmp_path: Path) -> None:
    for i in range(5):
        write_row(tmp_path, f"{i:06d}", _row(i, outcome="crashed" if i == 4 else "landed"))
    assert read_row(tmp_path, "000003")["landing_error_m"] == pytest.approx(0.3)
    assert read_row(tmp_path, "000009") is None
    gather(tmp_path)
    assert [r["index"] for r in read_table(tmp_path)] == [0, 1, 2, 3, 4]
    names, rows = query(tmp_path, "SELECT outcome, count(*) AS n FROM flights GROUP BY outcome ORDER BY outcome")
    assert names == ["outcome", "n"] and rows == [("crashed", 1), ("landed", 4)]


def test_the_report_finds_what_the_failures_go_with(tmp_path: Path) -> None:
    for i in range(12):
        write_row(tmp_path, f"{i:06d}", _row(i, lost=i >= 8, outcome="crashed" if i >= 8 else "landed"))
    gather(tmp_path)
    found = {k: (lost, err) for k, lost, err, _ in correlations(read_table(tmp_path))}
    assert found["mass_scale"][0] > 0.7 and found["mass_scale"][1] == pytest.approx(1.0)
    page = write_campaign_report(tmp_path)
    text = page.read_text()
    assert "The ten worst flights" in text and "data:image/png;base64," in text and "000011" in text
