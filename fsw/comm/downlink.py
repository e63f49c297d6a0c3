"""What goes down the link, built from bus messages (pure): the essential vehicle state and JPEG images."""
from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np

from fsw.bus.messages import NavState, NavTrack
from fsw.comm.frames import Image, State

THUMBNAIL_WIDTH = 160
CAPTURE_WIDTH = 640  # colour captures go down at most this wide (the full image stays on board)


def euler_deg(q: tuple[float, float, float, float]) -> tuple[float, float, float]:
    """Roll, pitch, yaw (ZYX, degrees) of a body-to-NED quaternion."""
    w, x, y, z = q
    roll = math.atan2(2 * (w * x + y * z), 1 - 2 * (x * x + y * y))
    pitch = math.asin(max(-1.0, min(1.0, 2 * (w * y - z * x))))
    yaw = math.atan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z))
    return math.degrees(roll), math.degrees(pitch), math.degrees(yaw)


def state_frame(seq: int, mode: str, nav: NavState | None, track: NavTrack | None,
                link: dict[str, Any]) -> State:
    """The essential telemetry frame: mode, the nav estimate, the tracker's last frame and the link."""
    out: dict[str, Any] = {"seq": seq, "mode": mode, "link": link}
    if nav is not None:
        roll, pitch, yaw = euler_deg(nav.q_wxyz)
        out.update(t_ns=nav.t_ns, pos_m=[round(v, 3) for v in nav.pos_m], vel_mps=[round(v, 3) for v in nav.vel_mps],
                   att_deg=[round(roll, 2), round(pitch, 2), round(yaw, 2)], altitude_m=round(-nav.pos_m[2], 3),
                   height_m=round(nav.ground_z_m - nav.pos_m[2], 3), valid=nav.valid, vision=nav.vision.name,
                   pos_std_m=round(max(nav.pos_std_m), 3))
    if track is not None:
        out.update(features=track.features, inliers=track.inliers, tracker_ms=round(track.proc_ms, 2),
                   latency_ms=round(track.latency_ms, 2), frame_seq=track.frame_seq)
    return State(**out)


def jpeg(pixels: np.ndarray, max_width: int, quality: int = 70) -> tuple[bytes, int, int]:
    """The image shrunk to at most `max_width` (aspect kept) as JPEG bytes, with its size."""
    h, w = pixels.shape[:2]
    if w > max_width:
        pixels = cv2.resize(pixels, (max_width, max(1, round(h * max_width / w))), interpolation=cv2.INTER_AREA)
    if pixels.ndim == 3:
        pixels = cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)  # images on the bus are RGB; OpenCV writes BGR
    ok, buf = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError(f"cannot encode a {w}x{h} image as JPEG")
    return buf.tobytes(), pixels.shape[1], pixels.shape[0]


def image_frame(kind: str, seq: int, t_ns: int, pixels: np.ndarray, max_width: int) -> Image:
    data, w, h = jpeg(pixels, max_width)
    return Image(kind, seq, t_ns, w, h, data)
