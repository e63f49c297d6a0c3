"""Replay: a small EuRoC/ASL dataset written from the simulated world, read back and flown through navigation;
malformed datasets refused with the file, the line and the reason."""
from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from fsw.config.sensors import load_sensors
from ground.cli.main import main
from sim_hal.worldproc.config import ScriptConfig, WorldConfig
from sim_hal.model.params import load_vehicle
from sim_hal.worldproc.world import World

SENSORS = load_sensors()
HOP = ScriptConfig([(0.0, 0.0, 0.0, 0.0), (0.5, 0.0, 0.0, 0.0), (4.5, 0.0, 0.0, 5.0), (6.0, 1.5, 0.0, 5.0)])


def write_dataset(root: Path) -> dict[int, np.ndarray]:
    """Fly a hop in the world and record it as EuRoC does; return the true positions by time."""
    w = World(WorldConfig(terrain="flat", terrain_extent_m=300.0, seed=4, script=HOP), load_vehicle(), SENSORS)
    cam, imu, alt = root / "mav0" / "cam0", root / "mav0" / "imu0", root / "mav0" / "altimeter0"
    for d in (cam / "data", imu, alt):
        d.mkdir(parents=True)
    c = SENSORS.navcam
    T = [v for row in c.body_from_camera for v in (*row, 0.0)] + [0.0, 0.0, 0.0, 1.0]
    (cam / "sensor.yaml").write_text(
        f"sensor_type: camera\nrate_hz: 30\nresolution: [{c.width_px}, {c.height_px}]\ncamera_model: pinhole\n"
        f"intrinsics: [{c.fx_px}, {c.fy_px}, {c.cx_px}, {c.cx_px - 80}]\ndistortion_model: equidistant\n"
        f"distortion_coefficients: [0.0, 0.0, 0.0, 0.0]\nT_BS:\n  cols: 4\n  rows: 4\n  data: {T}\n"
        .replace(f"{c.cx_px - 80}", f"{c.cy_px}"))
    truth = {}
    with open(cam / "data.csv", "w") as fc, open(imu / "data.csv", "w") as fi, open(alt / "data.csv", "w") as fa:
        fc.write("#timestamp [ns],filename\n")
        fi.write("#timestamp [ns],w_RS_S_x [rad s^-1],w_RS_S_y,w_RS_S_z,a_RS_S_x [m s^-2],a_RS_S_y,a_RS_S_z\n")
        fa.write("#timestamp [ns],range [m]\n")
        for _ in range(3000):
            o = w.step()
            truth[o.t_ns] = np.array(w.truth().pos_m)
            for f in o.navcam:
                cv2.imwrite(str(cam / "data" / f"{f.t_ns}.png"), f.pixels)
                fc.write(f"{f.t_ns},{f.t_ns}.png\n")
            for s in o.imu:
                fi.write(",".join(map(str, [s.t_ns, *s.gyro_radps, *s.accel_mps2])) + "\n")
            for a in o.altimeter:
                if a.valid:
                    fa.write(f"{a.t_ns},{a.range_m}\n")
    return truth


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("euroc")
    return root, write_dataset(root)


def test_replay_round_trip(dataset, tmp_path: Path, capsys) -> None:
    root, truth = dataset
    assert main(["replay", str(root), "--out", str(tmp_path), "--quiet"]) == 0
    assert "rows in" in capsys.readouterr().out
    rows = list(csv.DictReader(open(tmp_path / "trajectory.csv")))
    frames = len(list((root / "mav0" / "cam0" / "data").iterdir()))
    assert len(rows) == frames and list(rows[0]) == ["t_ns", "x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps",
                                                     "qw", "qx", "qy", "qz", "features", "inliers", "proc_ms",
                                                     "x_sd_m", "y_sd_m", "z_sd_m", "vision"]
    last = rows[-1]
    err = np.linalg.norm(np.array([float(last[k]) for k in ("x_m", "y_m", "z_m")]) - truth[int(last["t_ns"])])
    assert err < 0.5


def insert_line(text: str, number: int, line: str) -> str:
    """`text` with `line` as its line `number` (1-based)."""
    lines = text.split("\n")
    return "\n".join(lines[:number - 1] + [line] + lines[number - 1:])


def copy(dataset_root: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "ds"
    shutil.copytree(dataset_root, dst)
    return dst


@pytest.mark.parametrize("file, edit, message", [
    ("mav0/imu0/data.csv", lambda t: insert_line(t, 3, "1,2,3"), "data.csv:3: expected 7 columns, found 3"),
    ("mav0/imu0/data.csv", lambda t: insert_line(t, 2, "abc,0,0,0,0,0,-3.7"), "data.csv:2: 'abc' is not a int"),
    ("mav0/imu0/data.csv", lambda t: insert_line(t, 4, "5,0,0,0,0,0,-3.7"), "data.csv:4: timestamps must increase"),
    ("mav0/cam0/data.csv", lambda t: t + "99999999999,nope.png\n", "image nope.png is missing"),
    ("mav0/cam0/sensor.yaml", lambda t: t.replace("intrinsics", "intrinsix"), "bad or missing calibration key"),
    ("mav0/cam0/sensor.yaml", lambda t: "a: [1, 2\n", "not valid YAML"),
    ("mav0/imu0/data.csv", lambda t: insert_line(t, 5, "1000000,nan,0,0,0,0,-3.7"), "data.csv:5: 'nan': must be a finite"),
    ("mav0/altimeter0/data.csv", lambda t: insert_line(t, 3, "1000000,inf"), "data.csv:3: 'inf': must be a finite"),
    ("mav0/imu0/data.csv", lambda t: insert_line(t, 3, "1,\udccf,0,0,0,0,0"), "data.csv:3: not UTF-8"),
    ("mav0/cam0/sensor.yaml", lambda t: re.sub(r"intrinsics: \[[^,]+", "intrinsics: [0.0", t), "focal lengths must be positive"),
    ("mav0/cam0/sensor.yaml", lambda t: t.replace("camera\n", "camera \udccf\n"), "not UTF-8"),
])
def test_malformed_datasets_are_refused_clearly(dataset, tmp_path: Path, capsys, file, edit, message) -> None:
    root = copy(dataset[0], tmp_path)
    path = root / file
    path.write_bytes(edit(path.read_text()).encode("utf-8", "surrogateescape"))
    assert main(["replay", str(root), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert message in err and file.split("/")[-1] in err


def test_not_a_dataset(tmp_path: Path, capsys) -> None:
    assert main(["replay", str(tmp_path), "--quiet"]) == 2
    assert "not an EuRoC/ASL dataset" in capsys.readouterr().err
