"""Developing a RAW colour frame (pure), on board and on the ground: demosaic, white balance, colour matrix,
gamma, JPEG. On board it runs with the camera's as-shot settings (the white balance and colour matrix that
undo the sensor's characterised response, from the sensors config); `ginny image develop` re-develops a
RAW frame with others, as an image team does.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from fsw.config.sensors import ColourCameraConfig

Row = tuple[float, float, float]


@dataclass(frozen=True)
class Development:
    """How a RAW frame becomes a picture."""

    black_level_dn: int
    white_level_dn: int
    white_balance: Row  # gains on R, G, B after demosaicing
    colour_matrix: tuple[Row, Row, Row]  # camera RGB (white-balanced) to linear sRGB
    exposure: float = 1.0  # a gain on the linear image (a push in stops is 2**stops)
    gamma: str = "srgb"  # or "linear"

    def with_white_balance(self, gains: Row) -> "Development":
        return replace(self, white_balance=tuple(float(g) for g in gains))

    def to_json(self) -> dict:
        return {"black_level_dn": self.black_level_dn, "white_level_dn": self.white_level_dn,
                "white_balance": list(self.white_balance), "colour_matrix": [list(r) for r in self.colour_matrix],
                "exposure": self.exposure, "gamma": self.gamma}


def as_shot(cfg: ColourCameraConfig) -> Development:
    """The on-board development: white balance from the sensor's channel sensitivity (green kept at 1), the
    colour matrix the inverse of its crosstalk (rows normalised, so grey stays grey)."""
    s = np.asarray(cfg.sensitivity, float)
    wb = s[1] / s
    ccm = np.linalg.inv(np.asarray(cfg.crosstalk, float))
    ccm /= ccm.sum(axis=1, keepdims=True)
    return Development(cfg.black_level_dn, (1 << cfg.bits) - 1, tuple(wb.round(4).tolist()),
                       tuple(tuple(r) for r in ccm.round(5).tolist()))


def develop(raw: np.ndarray, dev: Development) -> np.ndarray:
    """An RGB uint8 picture (h, w, 3) of a RAW RGGB frame (h, w) uint16."""
    if raw.ndim != 2 or raw.dtype != np.uint16:
        raise ValueError(f"a RAW frame is a 2-D uint16 array, not {raw.ndim}-D {raw.dtype}")
    rgb = cv2.cvtColor(raw, cv2.COLOR_BayerRGGB2RGB).astype(np.float32)
    span = max(dev.white_level_dn - dev.black_level_dn, 1)
    gains = np.asarray(dev.white_balance, np.float32) * np.float32(dev.exposure / span)
    m = (np.asarray(dev.colour_matrix, np.float32) * gains[None, :]).astype(np.float32)
    black = np.float32(dev.black_level_dn)
    linear = cv2.transform(rgb - black, m)  # per pixel: matrix @ (white balance * (raw - black) / span)
    return _encode_gamma(linear, dev.gamma)


_LUT_SIZE = 4096


def _encode_gamma(linear: np.ndarray, gamma: str) -> np.ndarray:
    x = np.linspace(0.0, 1.0, _LUT_SIZE)
    if gamma == "srgb":
        curve = np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1 / 2.4) - 0.055)
    elif gamma == "linear":
        curve = x
    else:
        raise ValueError(f"gamma {gamma!r} is not 'srgb' or 'linear'")
    lut = np.round(curve * 255).astype(np.uint8)
    index = np.clip(linear * np.float32(_LUT_SIZE - 1) + np.float32(0.5), 0, _LUT_SIZE - 1).astype(np.uint16)
    return lut[index]


def jpeg(rgb: np.ndarray, quality: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("the picture could not be encoded as JPEG")
    return buf.tobytes()
