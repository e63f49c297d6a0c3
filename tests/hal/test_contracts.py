"""Every backend passes the same behavioural test of every device contract (parametrized over backends)."""
from __future__ import annotations

import types

import numpy as np
import pytest

from fsw.bus import messages as m
from hal import backend as hb

# Backends that can run on this machine without hardware: the sim one against a running world, and the board
# backend's drivers on chips that world feeds (board in the loop).
BACKENDS = ["null", "sim", "board-loop"]


@pytest.fixture(params=BACKENDS)
def backend(request, topology):
    if request.param == "null":
        yield hb.select_backend("null", hb.BackendContext(topology.run_dir))
        return
    from tests.sim_hal.worldproc.world_thread import WorldThread

    options = {"board": {"colour_camera": {"width": 64, "height": 48, "raw": "RGGB"}}}  # board-loop: a small still
    with WorldThread(topology):
        b = hb.select_backend(request.param, hb.BackendContext(topology.run_dir, options, "control", topology))
        yield b
        b.close()


def opened(device):
    device.open()
    return device


def test_every_device_kind_is_provided_with_a_name(backend) -> None:
    for kind in hb.DEVICE_KINDS:
        device = getattr(backend, kind)()
        assert isinstance(device.name, str) and device.name
        device.open()
        device.close()
        device.close()  # closing twice is harmless


def test_navcam_frames_have_the_contract_shape(backend) -> None:
    cam = opened(backend.navcam())
    assert (cam.width, cam.height) == (640, 480)
    frame = cam.read(0)
    if frame is not None:
        assert isinstance(frame, m.NavcamFrame)
        assert frame.pixels.shape == (480, 640) and frame.pixels.dtype == np.uint8
    cam.close()


def test_sample_streams_return_lists_of_their_types(backend) -> None:
    for kind, cls in (("imu", m.ImuSample), ("altimeter", m.AltimeterSample)):
        device = opened(getattr(backend, kind)())
        samples = device.read()
        assert isinstance(samples, list) and all(isinstance(s, cls) for s in samples)
        assert [s.t_ns for s in samples] == sorted(s.t_ns for s in samples)
        device.close()


def test_single_readings(backend) -> None:
    incl = opened(backend.inclinometer())
    assert incl.read() is None or isinstance(incl.read(), m.InclinometerSample)
    health = opened(backend.board_health())
    reading = health.read(123)
    assert reading is None or (isinstance(reading, m.BoardHealth) and reading.t_ns == 123)
    cam = opened(backend.colour_camera())
    img = cam.capture(1, 64, 48)
    # a RAW Bayer frame (the simulated IMX214) or a developed picture (a board's UVC-style camera)
    assert img is None or (img.pixels.shape, img.pattern) in (((48, 64), "RGGB"), ((48, 64, 3), "RGB"))


def test_actuators_accept_commands(backend) -> None:
    act = opened(backend.actuators())
    act.write(m.ActuatorCommand(0, False, 0.0, (0.0, 0.0, 0.0)))
    act.close()


def test_unknown_backend_is_refused_with_the_known_names() -> None:
    with pytest.raises(hb.BackendError, match="unknown HAL backend 'gpu' \\(known: null, sim, board, board-loop\\)"):
        hb.select_backend("gpu", hb.BackendContext(""))


def test_backend_missing_a_device_fails_at_start(monkeypatch) -> None:
    fake = types.ModuleType("fake_backend")

    class Partial(hb.NullBackend):
        imu = None

    fake.Partial = Partial
    monkeypatch.setitem(__import__("sys").modules, "fake_backend", fake)
    monkeypatch.setitem(hb.BACKENDS, "partial", "fake_backend:Partial")
    with pytest.raises(hb.BackendError, match="lacks devices: imu"):
        hb.select_backend("partial", hb.BackendContext(""))


def test_backend_that_cannot_be_imported_says_so(monkeypatch) -> None:
    monkeypatch.setitem(hb.BACKENDS, "ghost", "no_such_module_here:Ghost")
    with pytest.raises(hb.BackendError, match="'ghost' is not available here"):
        hb.select_backend("ghost", hb.BackendContext(""))
