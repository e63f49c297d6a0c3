"""Colour captures kept on board (pure but for the files it writes): a RAW frame is developed with the
camera's as-shot settings, and kept as `raw_NNN.png` (16-bit, the sensor's numbers), `colour_NNN.jpg` (the
picture) and `colour_NNN.json` (its record: time, pose, exposure, gain, readout, white balance, colour
matrix); a camera that gives a picture, not a RAW frame, leaves no `raw_NNN.png`. Each file appears whole
under its name or not at all."""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import cv2

from fsw.bus.messages import ColourImage, RteRequest
from fsw.camera.develop import Development, develop, jpeg
from fsw.runtime.outputs import write_whole

FOLDER = "captures"  # under the vehicle's file store


@dataclass(frozen=True)
class Kept:
    picture: ColourImage  # the developed picture (RGB)
    files: list[str]  # relative to the file store


def keep_capture(root: Path, image: ColourImage, req: RteRequest, dev: Development, quality: int) -> Kept:
    """Develop `image` if it is RAW and write its files under `root`/captures (OSError if they cannot be)."""
    folder = root / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    n = image.capture_id
    files = []
    if image.pattern != "RGB":
        ok, png = cv2.imencode(".png", image.pixels)
        if not ok:
            raise OSError(f"capture {n}: the RAW frame could not be encoded")
        files.append(_write(folder / f"raw_{n:03d}.png", png.tobytes()))
        picture = replace(image, pixels=develop(image.pixels, dev), pattern="RGB", bits=8)
    else:
        picture = image
    files.append(_write(folder / f"colour_{n:03d}.jpg", jpeg(picture.pixels, quality)))
    files.append(_write(folder / f"colour_{n:03d}.json", json.dumps(record(image, req, dev, files), indent=1).encode()))
    return Kept(picture, [f"{FOLDER}/{f}" for f in files])


def record(image: ColourImage, req: RteRequest, dev: Development, files: list[str]) -> dict:
    h, w = image.pixels.shape[:2]
    return {"capture_id": image.capture_id, "t_ns": image.t_ns, "width_px": w, "height_px": h,
            "exposure_us": image.exposure_us, "gain": image.gain, "readout_us": image.readout_us,
            "pattern": image.pattern, "bits": image.bits,
            "pose": {"pos_m": list(req.pos_m), "att_deg": list(req.att_deg),
                     "source": "the navigation estimate when the capture was asked for"},
            "development": dev.to_json() if image.pattern != "RGB" else None,
            "files": files}


def _write(path: Path, data: bytes) -> str:
    write_whole(path, data)
    return path.name
