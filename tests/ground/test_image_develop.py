"""`ginny image develop`: a capture's RAW frame developed again on the ground, with its record's settings or
others; bad input named and refused."""
from __future__ import annotations

import io
import json

import cv2
import numpy as np
import pytest

from fsw.bus.messages import ColourImage, RteRequest
from fsw.camera.develop import as_shot
from fsw.camera.store import keep_capture
from fsw.config.sensors import load_sensors
from ground.cli.main import build_parser
from sim_hal.model.imx214 import expose

CFG = load_sensors().colour_camera


@pytest.fixture()
def capture(tmp_path):
    """A kept capture of butterscotch ground: its RAW frame, picture and record."""
    scene = np.broadcast_to(np.array([0.45, 0.32, 0.22], np.float32), (96, 128, 3)).copy()
    raw = expose(scene, CFG, np.random.default_rng(1))
    image = ColourImage(1, 1, CFG.exposure_us, raw, CFG.gain, "RGGB", CFG.bits, 33000.0)
    keep_capture(tmp_path, image, RteRequest(0, 1, 128, 96, (0.0, 0.0, -12.0), (0.0, 0.0, 0.0)), as_shot(CFG), 90)
    return tmp_path / "captures"


def develop_cli(*argv: str) -> tuple[int, str]:
    args = build_parser().parse_args(["image", "develop", *argv])
    out = io.StringIO()
    return args.func(args, out), out.getvalue()


def mean_rgb(path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)[8:-8, 8:-8].reshape(-1, 3).mean(axis=0)


def test_developed_as_shot_it_matches_the_picture_made_on_board(capture) -> None:
    code, text = develop_cli(str(capture / "raw_001.png"), "--out", str(capture / "again.jpg"))
    assert code == 0 and "colour_001.json" in text
    assert np.abs(mean_rgb(capture / "again.jpg") - mean_rgb(capture / "colour_001.jpg")).max() < 2


def test_grey_world_makes_the_ground_grey_and_none_leaves_the_sensors_green(capture) -> None:
    assert develop_cli(str(capture / "raw_001.png"), "--white-balance", "grey-world",
                       "--out", str(capture / "grey.jpg"))[0] == 0
    grey = mean_rgb(capture / "grey.jpg")
    assert np.ptp(grey) < 4
    assert develop_cli(str(capture / "raw_001.png"), "--white-balance", "none", "--out", str(capture / "raw.jpg"))[0] == 0
    green = mean_rgb(capture / "raw.jpg")
    assert green[1] > green[0] + 10 and green[1] > green[2] + 10


def test_gains_and_a_push_in_exposure_are_applied(capture) -> None:
    assert develop_cli(str(capture / "raw_001.png"), "--white-balance", "1.9231,1,1.5152", "--exposure", "1",
                       "--gamma", "linear", "--out", str(capture / "pushed.jpg"))[0] == 0
    linear_pushed = mean_rgb(capture / "pushed.jpg")
    assert develop_cli(str(capture / "raw_001.png"), "--gamma", "linear", "--out", str(capture / "plain.jpg"))[0] == 0
    assert linear_pushed == pytest.approx(2 * mean_rgb(capture / "plain.jpg"), rel=0.05)


def test_without_its_record_a_raw_frame_is_developed_with_the_sensors_config(capture) -> None:
    (capture / "colour_001.json").unlink()
    code, text = develop_cli(str(capture / "raw_001.png"), "--out", str(capture / "x.jpg"))
    assert code == 0 and "sensors config" in text


@pytest.mark.parametrize("argv, reason", [
    (["colour_001.jpg"], "not a RAW frame"),
    (["missing.png"], "no such file"),
    (["raw_001.png", "--white-balance", "warm"], "give one of as-shot, none, grey-world"),
    (["raw_001.png", "--white-balance", "1,0,1"], "each gain must be 0.05..20"),
    (["raw_001.png", "--exposure", "12"], "must be -8..8 stops"),
    (["raw_001.png", "--quality", "0"], "--quality 0: must be 1..100"),
    (["raw_001.png", "--out", "no/such/folder/x.jpg"], "does not exist"),
])
def test_bad_input_is_named_and_refused(capture, capsys, argv, reason) -> None:
    argv = [str(capture / argv[0]), *argv[1:]]
    assert develop_cli(*argv)[0] == 2
    assert reason in capsys.readouterr().err


def test_a_damaged_record_is_named(capture, capsys) -> None:
    (capture / "colour_001.json").write_text(json.dumps({"development": {"white_balance": [1, 2]}}))
    assert develop_cli(str(capture / "raw_001.png"))[0] == 2
    assert "colour_001.json: not a capture record" in capsys.readouterr().err
