"""Replay of recorded data through the navigation pipeline, from a dataset in the EuRoC/ASL layout:

    mav0/cam0/data.csv         #timestamp [ns],filename           (images in mav0/cam0/data/)
    mav0/cam0/sensor.yaml      EuRoC camera calibration (pinhole radial-tangential, or equidistant)
    mav0/imu0/data.csv         #timestamp [ns],w_x,w_y,w_z [rad s^-1],a_x,a_y,a_z [m s^-2]
    mav0/altimeter0/data.csv   #timestamp [ns],range [m]          (optional)

A malformed dataset is refused with the file, the line and the reason.
"""
from __future__ import annotations

import csv
import math
import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import yaml

from fsw.bus.messages import AltimeterSample, ImuSample, NavcamFrame
from fsw.config.sensors import NavcamConfig, SensorsConfig
from fsw.config.stack import NavConfig
from fsw.nav.pipeline import NavPipeline, Outputs
from fsw.typed import FieldError

TRAJECTORY_COLUMNS = ("t_ns,x_m,y_m,z_m,vx_mps,vy_mps,vz_mps,qw,qx,qy,qz,features,inliers,proc_ms,"
                      "x_sd_m,y_sd_m,z_sd_m,vision").split(",")


class DatasetError(ValueError):
    def __init__(self, path: Path, line: int | None, reason: str) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {reason}")
        self.path, self.line, self.reason = path, line, reason


@dataclass(frozen=True)
class Dataset:
    root: Path
    camera: NavcamConfig
    frames: list[tuple[int, Path, int]]  # (t_ns, image path, line in data.csv)
    imu: list[ImuSample]
    altimeter: list[AltimeterSample]


def _rows(path: Path, columns: int) -> Iterator[tuple[int, list[str]]]:
    if not path.is_file():
        raise DatasetError(path, None, "missing")
    try:
        for number, row in enumerate(csv.reader(_text(path).splitlines()), start=1):
            if not row or row[0].lstrip().startswith("#"):
                continue
            if len(row) != columns:
                raise DatasetError(path, number, f"expected {columns} columns, found {len(row)}")
            yield number, [c.strip() for c in row]
    except csv.Error as exc:
        raise DatasetError(path, None, f"not CSV ({exc})") from None


def _text(path: Path) -> str:
    """A dataset file's text; DatasetError names the line of the first byte that is not UTF-8."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DatasetError(path, raw.count(b"\n", 0, exc.start) + 1,
                           f"not UTF-8 text (byte 0x{raw[exc.start]:02x})") from None


def _number(path: Path, line: int, text: str, kind: Callable) -> float | int:
    try:
        value = kind(text)
    except ValueError:
        raise DatasetError(path, line, f"{text!r} is not a {kind.__name__}") from None
    if not math.isfinite(value):
        raise DatasetError(path, line, f"{text!r}: must be a finite number")
    return value


def _times_increase(path: Path, rows: list) -> None:
    for (line, t), (_, prev) in zip(rows[1:], rows):
        if t <= prev:
            raise DatasetError(path, line, "timestamps must increase")


def read_frames(root: Path) -> list[tuple[int, Path, int]]:
    path = root / "mav0" / "cam0" / "data.csv"
    frames = []
    for line, (t, name) in _rows(path, 2):
        image = path.parent / "data" / name
        if not image.is_file():
            raise DatasetError(path, line, f"image {name} is missing")
        frames.append((_number(path, line, t, int), image, line))
    _times_increase(path, [(ln, t) for t, _, ln in frames])
    return frames


def read_imu(root: Path) -> list[ImuSample]:
    path = root / "mav0" / "imu0" / "data.csv"
    out, stamps = [], []
    for line, cells in _rows(path, 7):
        t = _number(path, line, cells[0], int)
        v = [_number(path, line, c, float) for c in cells[1:]]
        out.append(ImuSample(t, tuple(v[0:3]), tuple(v[3:6]), 20.0))
        stamps.append((line, t))
    _times_increase(path, stamps)
    if not out:
        raise DatasetError(path, None, "no IMU samples")
    return out


def read_altimeter(root: Path) -> list[AltimeterSample]:
    path = root / "mav0" / "altimeter0" / "data.csv"
    if not path.exists():
        return []
    out = []
    for line, (t, r) in _rows(path, 2):
        out.append(AltimeterSample(_number(path, line, t, int), _number(path, line, r, float), True))
    return out


def read_camera(root: Path, base: NavcamConfig) -> NavcamConfig:
    path = root / "mav0" / "cam0" / "sensor.yaml"
    try:
        doc = yaml.safe_load(_text(path))
    except OSError:
        raise DatasetError(path, None, "missing") from None
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise DatasetError(path, None if line is None else line + 1, "not valid YAML") from None
    try:
        fu, fv, cu, cv = (float(x) for x in doc["intrinsics"])
        w, h = (int(x) for x in doc["resolution"])
        dist = tuple(float(x) for x in doc["distortion_coefficients"])[:4]
        model = {"radial-tangential": "radtan", "equidistant": "equidistant"}[doc["distortion_model"]]
        T = np.array(doc["T_BS"]["data"], dtype=float).reshape(4, 4)
        if not all(math.isfinite(v) for v in (fu, fv, cu, cv, *dist)) or not np.isfinite(T).all():
            raise ValueError("numbers must be finite")
    except (KeyError, TypeError, ValueError) as exc:
        raise DatasetError(path, None, f"bad or missing calibration key ({type(exc).__name__}: {exc})") from None
    rows = tuple(tuple(float(v) for v in r) for r in T[:3, :3])
    try:
        return dataclasses.replace(base, width_px=w, height_px=h, fx_px=fu, fy_px=fv, cx_px=cu, cy_px=cv,
                                   distortion=dist + (0.0,) * (4 - len(dist)), model=model, body_from_camera=rows,
                                   rate_hz=float(doc.get("rate_hz", base.rate_hz)))
    except FieldError as exc:
        raise DatasetError(path, None, f"bad calibration: {exc.key}: {exc.reason}") from None


def load_dataset(root: str | Path, sensors: SensorsConfig) -> Dataset:
    root = Path(root)
    if not (root / "mav0").is_dir():
        raise DatasetError(root, None, "no mav0/ folder: not an EuRoC/ASL dataset")
    return Dataset(root, read_camera(root, sensors.navcam), read_frames(root), read_imu(root), read_altimeter(root))


def replay(ds: Dataset, sensors: SensorsConfig, out_csv: Path, progress: Callable[[int], None] = lambda n: None,
           timer_ns: Callable[[], int] = lambda: 0) -> int:
    """Run the pipeline over the dataset; write one trajectory row per frame; return the rows written."""
    cfg = dataclasses.replace(sensors, navcam=ds.camera)
    pipe = NavPipeline(NavConfig(start="data"), cfg, timer_ns, lambda: 0)  # a recording may start in flight
    events = [(s.t_ns, 0, s) for s in ds.altimeter] + [(t, 1, (p, ln)) for t, p, ln in ds.frames]
    events += [(s.t_ns, 2, s) for s in ds.imu]
    events.sort(key=lambda e: (e[0], e[1]))
    seq, rows = 0, 0
    with out_csv.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(TRAJECTORY_COLUMNS)
        for t, kind, item in events:
            out = Outputs()
            if kind == 0:
                pipe.on_altimeter(item)
            elif kind == 1:
                seq += 1
                pipe.on_frame(NavcamFrame(t, seq, 0.0, _image(item, ds.camera)), out)
                pipe.finish_frame(out)
                progress(1)
            else:
                pipe.on_imu(item, out)
            rows += _write(writer, out)
    return rows


def _image(item: tuple[Path, int], camera: NavcamConfig) -> np.ndarray:
    path, line = item
    img = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if img is None or img.shape != (camera.height_px, camera.width_px):
        raise DatasetError(path, None, f"unreadable, or not {camera.width_px}x{camera.height_px} "
                                       f"(listed at line {line} of data.csv)")
    return img


def _write(writer, out: Outputs) -> int:
    states = {s.t_ns: s for s in out.states}
    n = 0
    for tr in out.tracks:
        s = states.get(tr.t_ns)
        if s is None:
            continue
        writer.writerow([tr.t_ns, *s.pos_m, *s.vel_mps, *s.q_wxyz, tr.features, tr.inliers, f"{tr.proc_ms:.3f}",
                         *s.pos_std_m, s.vision.name])
        n += 1
    return n
