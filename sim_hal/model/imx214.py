"""The colour camera's sensor (pure): linear scene radiance to a RAW RGGB Bayer frame, as a Sony IMX214 gives.

Each pixel sees one colour through its filter (R at even rows and columns, B at odd ones, G between): the
scene's RGB weighted by that filter's row of the sensor's response (its channel sensitivity times the
filters' crosstalk). Light becomes electrons in proportion to the exposure (a radiance of 1.0 fills the well
in `FULL_WELL_EXPOSURE_US`), with shot noise (Poisson, as a Gaussian of the same variance) and read noise;
electrons become digital numbers through the analogue gain above the black level, clipped and quantised to
`bits`. Noise is drawn from the generator given: a capture is the same for the same seed.
"""
from __future__ import annotations

import numpy as np

from fsw.config.sensors import ColourCameraConfig

FULL_WELL_EXPOSURE_US = 1600.0  # a white surface facing the sun fills the well in this exposure at gain 1
BAYER = "RGGB"


def response(cfg: ColourCameraConfig) -> np.ndarray:
    """(3, 3): the raw R, G, B a scene's linear RGB gives (rows: the filters)."""
    return np.diag(cfg.sensitivity) @ np.asarray(cfg.crosstalk, float)


def expose(radiance: np.ndarray, cfg: ColourCameraConfig, rng: np.random.Generator,
           exposure_us: float | None = None, gain: float | None = None) -> np.ndarray:
    """A RAW frame (h, w) uint16 of `radiance` (h, w, 3), h and w even."""
    h, w = radiance.shape[:2]
    if h % 2 or w % 2:
        raise ValueError(f"a Bayer frame needs an even size, not {w}x{h}")
    exposure_us = cfg.exposure_us if exposure_us is None else exposure_us
    gain = cfg.gain if gain is None else gain
    weights = response(cfg).astype(np.float32) * np.float32(exposure_us / FULL_WELL_EXPOSURE_US * cfg.full_well_e)
    electrons = np.empty((h, w), np.float32)
    for (r, c), channel in zip(((0, 0), (0, 1), (1, 0), (1, 1)), (0, 1, 1, 2)):
        electrons[r::2, c::2] = radiance[r::2, c::2] @ weights[channel]
    np.maximum(electrons, 0, out=electrons)
    noise = rng.standard_normal((h, w), dtype=np.float32)
    noise *= np.sqrt(electrons + np.float32(cfg.read_noise_e ** 2))
    electrons += noise
    top = (1 << cfg.bits) - 1
    dn = electrons * np.float32(gain * (top - cfg.black_level_dn) / cfg.full_well_e) + np.float32(cfg.black_level_dn)
    return np.clip(np.rint(dn), 0, top).astype(np.uint16)
