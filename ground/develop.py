"""Re-developing a colour capture on the ground (pure but for the files it reads): its RAW frame, the
record kept beside it (how it was developed on board), and other choices of white balance, exposure and
gamma, as an image team makes them."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from fsw.camera.develop import Development, as_shot
from fsw.config.sensors import load_sensors

WHITE_BALANCES = ("as-shot", "none", "grey-world")


class RawError(ValueError):
    """A RAW frame or its record that cannot be used, naming the file and why."""


def load_raw(path: Path) -> tuple[np.ndarray, Development, str]:
    """The RAW frame, how it was developed on board, and where that came from (its record `colour_NNN.json`
    beside `raw_NNN.png`, else the default sensors config's as-shot settings)."""
    if not path.is_file():
        raise RawError(f"{path}: no such file")
    raw = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if raw is None or raw.ndim != 2 or raw.dtype != np.uint16:
        raise RawError(f"{path}: not a RAW frame (a 16-bit single-channel PNG, as raw_NNN.png is)")
    if raw.shape[0] % 2 or raw.shape[1] % 2:
        raise RawError(f"{path}: {raw.shape[1]}x{raw.shape[0]} is not a whole number of 2x2 Bayer cells")
    record = path.with_name(path.name.replace("raw_", "colour_", 1)).with_suffix(".json")
    if not record.is_file() or record == path:
        return raw, as_shot(load_sensors().colour_camera), "the sensors config's as-shot settings (no record found)"
    try:
        d = json.loads(record.read_text())["development"]
        dev = Development(int(d["black_level_dn"]), int(d["white_level_dn"]), _triple(d["white_balance"]),
                          tuple(_triple(r) for r in d["colour_matrix"]), float(d.get("exposure", 1.0)),
                          str(d.get("gamma", "srgb")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RawError(f"{record}: not a capture record with its development ({type(exc).__name__}: {exc})") from None
    return raw, dev, str(record)


def _triple(values) -> tuple[float, float, float]:
    a, b, c = (float(v) for v in values)
    return a, b, c


def white_balance(choice: str, raw: np.ndarray, dev: Development) -> tuple[float, float, float]:
    """Gains on R, G, B: `as-shot` (the record's), `none` (1, 1, 1: the sensor's own colour), `grey-world`
    (the gains that make the frame's mean grey), or three numbers `R,G,B`."""
    if choice == "as-shot":
        return dev.white_balance
    if choice == "none":
        return 1.0, 1.0, 1.0
    if choice == "grey-world":
        cells = raw.astype(np.float64) - dev.black_level_dn
        r, b = cells[0::2, 0::2].mean(), cells[1::2, 1::2].mean()
        g = (cells[0::2, 1::2].mean() + cells[1::2, 0::2].mean()) / 2
        if min(r, g, b) <= 0:
            raise RawError("grey-world: the frame is black in a channel")
        return g / r, 1.0, g / b
    try:
        gains = _triple(choice.split(","))
    except ValueError:
        raise RawError(f"--white-balance {choice!r}: give one of {', '.join(WHITE_BALANCES)} or three numbers "
                       "R,G,B") from None
    if not all(0.05 <= g <= 20 for g in gains):
        raise RawError(f"--white-balance {choice!r}: each gain must be 0.05..20")
    return gains


def redevelop(dev: Development, gains: tuple[float, float, float], stops: float, gamma: str) -> Development:
    if not -8.0 <= stops <= 8.0:
        raise RawError(f"--exposure {stops:g}: must be -8..8 stops")
    return replace(dev.with_white_balance(gains), exposure=dev.exposure * 2.0 ** stops, gamma=gamma)
