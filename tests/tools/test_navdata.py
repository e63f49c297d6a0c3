"""The photograph datasets' generator: its IMU is consistent with its trajectory (dead-reckoned from the first
truth, a perfect IMU's samples retrace the whole flight), it is seeded, and `ginny replay` reads what it writes."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from fsw.config.sensors import load_sensors
from fsw.rotation import MARS_GRAVITY, kinematics
from sim_hal.model import mathx as mx
from tools.navdata import GROUNDTRUTH, Flight, quiet_imu, write_dataset

SHORT = Flight(terrain="gravel_slope", start="ground", height_m=4.0, distance_m=6.0, speed_mps=2.0, seed=3)


def _rows(path: Path) -> np.ndarray:
    return np.array([[float(c) for c in row] for row in csv.reader(path.read_text().splitlines()) if row[0][0] != "#"])


def _matrix(q: np.ndarray) -> np.ndarray:
    return np.array([mx.rotate(tuple(q), tuple(e)) for e in np.eye(3)]).T


@pytest.mark.timeout(120)
def test_a_perfect_imu_retraces_the_truth(tmp_path: Path) -> None:
    write_dataset(tmp_path, SHORT, quiet_imu(load_sensors()))
    imu = _rows(tmp_path / "mav0" / "imu0" / "data.csv")
    truth = _rows(tmp_path / "mav0" / GROUNDTRUTH / "data.csv")
    assert len(imu) == len(truth) and (imu[:, 0] == truth[:, 0]).all()
    p, v, R = truth[0, 1:4], truth[0, 8:11], _matrix(truth[0, 4:8])
    worst = 0.0
    for k in range(1, len(imu)):
        p, v, R = kinematics(p, v, R, imu[k, 1:4], imu[k, 4:7], (imu[k, 0] - imu[k - 1, 0]) * 1e-9, MARS_GRAVITY)
        worst = max(worst, float(np.linalg.norm(p - truth[k, 1:4])))
    travelled = float(np.linalg.norm(truth[-1, 1:3] - truth[0, 1:3]))
    assert travelled > 5.5 and worst < 0.01  # 6 m flown and 4 m climbed, retraced to a centimetre
    assert np.abs(truth[:, 11:]).max() == 0.0  # and the truth says the biases are zero


@pytest.mark.timeout(120)
def test_the_same_seed_writes_the_same_dataset(tmp_path: Path) -> None:
    flight = Flight(terrain="gravel", start="air", height_m=5.0, distance_m=1.0, speed_mps=1.0, seed=5)
    write_dataset(tmp_path / "a", flight)
    write_dataset(tmp_path / "b", flight)
    for name in ("imu0", "altimeter0", GROUNDTRUTH):
        a = (tmp_path / "a" / "mav0" / name / "data.csv").read_bytes()
        assert a == (tmp_path / "b" / "mav0" / name / "data.csv").read_bytes()
    frames = sorted((tmp_path / "a" / "mav0" / "cam0" / "data").iterdir())
    assert len(frames) > 100
    assert frames[-1].read_bytes() == (tmp_path / "b" / "mav0" / "cam0" / "data" / frames[-1].name).read_bytes()


@pytest.mark.timeout(180)
def test_a_replay_case_is_written_replayed_and_measured(tmp_path: Path) -> None:
    """The benchmark's replay path end to end on a short hover-and-go over gravel: `ginny replay` starts it in
    the air from its data and the figures come out of trajectory.csv against the dataset's truth."""
    from ground.accuracy import ReplayCase, run_replay_case

    r = run_replay_case(ReplayCase("short", Flight("gravel", "air", distance_m=6.0, speed_mps=2.0, seed=2)),
                        tmp_path)
    assert r["outcome"] == "replayed" and r["distance_m"] == pytest.approx(6.0, abs=0.05)
    assert r["final_error_pct"] < 2.0 and r["altitude_rmse_m"] < 0.2 and 0.0 <= r["within_3sigma"] <= 1.0
