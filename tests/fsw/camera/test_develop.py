"""The colour sensor's RAW frames and their development: the Bayer layout, noise as the sensor model says,
colours that come back through white balance and the colour matrix, and the files a capture is kept as."""
from __future__ import annotations

import json
from dataclasses import replace

import cv2
import numpy as np
import pytest

from fsw.bus.messages import ColourImage, RteRequest
from fsw.camera.develop import as_shot, develop
from fsw.camera.store import keep_capture
from fsw.config.sensors import load_sensors
from sim_hal.model.imx214 import FULL_WELL_EXPOSURE_US, expose, response

CFG = load_sensors().colour_camera


def flat_scene(rgb: tuple[float, float, float], h: int = 64, w: int = 64) -> np.ndarray:
    return np.broadcast_to(np.array(rgb, np.float32), (h, w, 3)).copy()


def test_each_pixel_of_the_raw_frame_sees_its_own_filters_colour() -> None:
    raw = expose(flat_scene((0.8, 0.0, 0.0)), CFG, np.random.default_rng(1)).astype(float) - CFG.black_level_dn
    r, g1, g2, b = raw[0::2, 0::2].mean(), raw[0::2, 1::2].mean(), raw[1::2, 0::2].mean(), raw[1::2, 1::2].mean()
    assert r > 2 * max(g1, g2) and r > 4 * b  # R at even rows and columns: RGGB


def test_raw_noise_is_shot_noise_plus_read_noise_through_the_gain() -> None:
    grey = 0.3
    raw = expose(flat_scene((grey, grey, grey), 256, 256), CFG, np.random.default_rng(2), gain=2.0)
    green = raw[0::2, 1::2].astype(float)
    electrons = grey * response(CFG)[1].sum() * CFG.exposure_us / FULL_WELL_EXPOSURE_US * CFG.full_well_e
    dn_per_e = 2.0 * ((1 << CFG.bits) - 1 - CFG.black_level_dn) / CFG.full_well_e
    assert green.mean() == pytest.approx(CFG.black_level_dn + electrons * dn_per_e, rel=0.01)
    assert green.std() == pytest.approx(np.sqrt(electrons + CFG.read_noise_e ** 2) * dn_per_e, rel=0.1)


def test_the_raw_frame_saturates_at_its_bits_and_sits_on_its_black_level() -> None:
    raw = expose(flat_scene((50.0, 50.0, 50.0)), CFG, np.random.default_rng(3))
    assert raw.max() == (1 << CFG.bits) - 1 and raw.dtype == np.uint16
    dark = expose(flat_scene((0.0, 0.0, 0.0), 128, 128), CFG, np.random.default_rng(3)).astype(float)
    assert dark.mean() == pytest.approx(CFG.black_level_dn, abs=1.0)


@pytest.mark.parametrize("rgb", [(0.3, 0.3, 0.3), (0.45, 0.32, 0.22), (0.1, 0.2, 0.4)])
def test_developed_as_shot_the_scenes_colours_come_back(rgb) -> None:
    """Grey stays grey and a colour keeps its proportions: the as-shot white balance and colour matrix undo
    the sensor's response (compared in linear light: the picture's sRGB decoded)."""
    raw = expose(flat_scene(rgb, 128, 128), CFG, np.random.default_rng(4))
    picture = develop(raw, as_shot(CFG))
    srgb = picture[8:-8, 8:-8].reshape(-1, 3).mean(axis=0) / 255.0
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    expected = np.array(rgb) * CFG.exposure_us / FULL_WELL_EXPOSURE_US
    assert linear == pytest.approx(expected, rel=0.06)


def test_developing_without_the_white_balance_leaves_the_sensors_green_cast() -> None:
    raw = expose(flat_scene((0.3, 0.3, 0.3)), CFG, np.random.default_rng(5))
    cast = develop(raw, as_shot(CFG).with_white_balance((1.0, 1.0, 1.0)))[8:-8, 8:-8].reshape(-1, 3).mean(axis=0)
    assert cast[1] > 1.15 * cast[0] and cast[1] > 1.1 * cast[2]


def test_a_raw_capture_is_kept_as_its_raw_frame_picture_and_record(tmp_path) -> None:
    raw = expose(flat_scene((0.3, 0.25, 0.2), 48, 64), CFG, np.random.default_rng(6))
    image = ColourImage(5_000_000_000, 3, CFG.exposure_us, raw, CFG.gain, "RGGB", CFG.bits, 33000.0)
    req = RteRequest(4_990_000_000, 3, 64, 48, (80.0, 0.0, -12.0), (0.5, -1.0, -116.57))
    kept = keep_capture(tmp_path, image, req, as_shot(CFG), 90)
    assert kept.files == ["captures/raw_003.png", "captures/colour_003.jpg", "captures/colour_003.json"]
    back = cv2.imread(str(tmp_path / kept.files[0]), cv2.IMREAD_UNCHANGED)
    assert back.dtype == np.uint16 and np.array_equal(back, raw)  # the sensor's numbers, losslessly
    jpg = cv2.imread(str(tmp_path / kept.files[1]))
    assert jpg.shape == (48, 64, 3) and kept.picture.pattern == "RGB" and kept.picture.pixels.shape == (48, 64, 3)
    record = json.loads((tmp_path / kept.files[2]).read_text())
    assert record["t_ns"] == 5_000_000_000 and record["exposure_us"] == CFG.exposure_us and record["gain"] == CFG.gain
    assert record["pose"]["pos_m"] == [80.0, 0.0, -12.0] and record["pose"]["att_deg"][2] == -116.57
    assert record["development"]["white_balance"] == list(as_shot(CFG).white_balance)
    assert not list(tmp_path.glob("captures/.*"))  # no part-written file left behind


def test_a_picture_from_a_camera_without_raw_is_kept_without_a_raw_file(tmp_path) -> None:
    picture = np.full((48, 64, 3), 120, np.uint8)
    image = ColourImage(1, 9, 0.0, picture, 1.0, "RGB", 8, 0.0)
    kept = keep_capture(tmp_path, image, RteRequest(0, 9, 64, 48, (0.0, 0.0, 0.0), (0.0, 0.0, 0.0)), as_shot(CFG), 90)
    assert kept.files == ["captures/colour_009.jpg", "captures/colour_009.json"]
    assert kept.picture is image and json.loads((tmp_path / kept.files[1]).read_text())["development"] is None


def test_a_frame_that_is_not_raw_is_refused_by_develop() -> None:
    with pytest.raises(ValueError, match="2-D uint16"):
        develop(np.zeros((4, 4, 3), np.uint8), as_shot(CFG))
    with pytest.raises(ValueError, match="gamma"):
        develop(np.zeros((4, 4), np.uint16), replace(as_shot(CFG), gamma="log"))
