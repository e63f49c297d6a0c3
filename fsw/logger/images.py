"""Images in a flight log (pure): a navcam frame or a colour capture written as a lossless PNG beside the
log, its IMAGE record's metadata, and the message read back from both."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2

from fsw.bus.messages import ColourImage, NavcamFrame
from fsw.runtime.outputs import write_whole


def write_image(log_dir: Path, topic: str, msg: NavcamFrame | ColourImage) -> dict[str, Any] | None:
    """Write the image; return its IMAGE record's body (None if the file could not be written)."""
    if topic == "navcam":
        name, meta = f"navcam_{msg.frame_seq:06d}.png", {"frame_seq": msg.frame_seq, "exposure_us": msg.exposure_us}
    else:
        name, meta = f"colour_{msg.capture_id:03d}.png", {
            "capture_id": msg.capture_id, "exposure_us": msg.exposure_us, "gain": msg.gain, "pattern": msg.pattern,
            "bits": msg.bits, "readout_us": msg.readout_us}
    pixels = msg.pixels if msg.pixels.ndim == 2 else cv2.cvtColor(msg.pixels, cv2.COLOR_RGB2BGR)
    (log_dir / "images").mkdir(parents=True, exist_ok=True)
    ok, png = cv2.imencode(".png", pixels)
    if not ok:
        return None
    try:
        write_whole(log_dir / "images" / name, png.tobytes())
    except OSError:
        return None
    return {"file": f"images/{name}", "shape": list(msg.pixels.shape), **meta}


def read_image(log_dir: Path, topic: str, t_ns: int, body: dict[str, Any]) -> NavcamFrame | ColourImage | None:
    """The message an IMAGE record and its file stand for (None if the file is gone or unreadable)."""
    pixels = cv2.imread(str(log_dir / body["file"]), cv2.IMREAD_UNCHANGED)
    if pixels is None:
        return None
    if topic == "navcam":
        return NavcamFrame(t_ns, body["frame_seq"], body["exposure_us"], pixels)
    return ColourImage(t_ns, body.get("capture_id", 0), body.get("exposure_us", 0.0),
                       cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB) if pixels.ndim == 3 else pixels,
                       body.get("gain", 1.0), body.get("pattern", "RGB"), body.get("bits", 8),
                       body.get("readout_us", 0.0))
