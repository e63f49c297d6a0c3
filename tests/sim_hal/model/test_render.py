"""The rendered navcam: geometry against the lens model, the rover's footprint, determinism, noise."""
from __future__ import annotations

import math

import numpy as np
import pytest

from fsw.camera.model import FisheyeModel
from fsw.config.sensors import load_sensors
from sim_hal.model import mathx as mx
from sim_hal.model.render import NavcamRenderer
from sim_hal.model.terrain import RoverSpec, Terrain, TerrainSpec
from tests.sim_hal.model.painted import DARK, PaintedTerrain

SENSORS = load_sensors()
ROVER = RoverSpec(north_m=4.0, east_m=-3.0, yaw_deg=0.0)


@pytest.fixture(scope="module")
def flat() -> Terrain:
    return Terrain(TerrainSpec(name="flat", seed=3, rover=ROVER, extent_m=200.0))


def centroid(mask: np.ndarray) -> tuple[float, float]:
    ys, xs = np.nonzero(mask)
    return float(xs.mean()), float(ys.mean())


class MarkerTerrain(PaintedTerrain):
    """Level ground, dark, with one bright 0.3 m square at a known point (and a coarse map of the same)."""

    MARK = (6.0, -9.0)

    def __init__(self) -> None:
        res, px = 0.03, 2000
        shade = np.full((px, px), DARK, np.uint8)
        r, c = (int((m + 30.0) / res) for m in self.MARK)
        shade[r - 5:r + 5, c - 5:c + 5] = 250
        super().__init__(-30.0, -30.0, res, shade)


@pytest.mark.parametrize("pos, euler_deg", [
    ((6.0, -9.0, -12.0), (0.0, 0.0, 0.0)),  # straight below
    ((0.0, 0.0, -12.0), (0.0, 0.0, 0.0)),  # 10.8 m off to the side: 42 deg off the optical axis
    ((0.0, 0.0, -12.0), (0.0, 0.0, 35.0)),
    ((2.0, -1.0, -5.0), (-10.0, 6.0, -15.0)),  # low, tilted and turned: 65 deg off axis
])
def test_a_known_ground_point_lands_on_the_pixel_the_lens_model_predicts(pos, euler_deg) -> None:
    q = mx.q_from_euler(*(math.radians(a) for a in euler_deg))
    img = NavcamRenderer(SENSORS.navcam, MarkerTerrain(), seed=1).render(pos, q, noise=False)
    mark_world = np.array([*MarkerTerrain.MARK, 0.0]) - np.array(pos)
    body = np.array(mx.matrix(q)).T @ mark_world
    model = FisheyeModel(SENSORS.navcam)
    expected = model.project((model.body_from_camera.T @ body)[None, :])[0]
    got = centroid(img > 150)
    assert np.hypot(*(np.array(got) - expected)) < 0.5, (got, expected)


class SlopedMarkerTerrain(MarkerTerrain):
    """The marker terrain on a 10% slope rising to the east (heights up): the mark 1.9 m above the level under
    the vehicle, 19 m away, 60 degrees off the optical axis."""

    MARK = (2.0, 19.0)
    SLOPE = 0.1

    def __init__(self) -> None:
        super().__init__()
        cols = self._fine.origin_e + (np.arange(self._fine.height.shape[1]) + 0.5) * self._fine.res_m
        self._fine.height[:] = (self.SLOPE * cols)[None, :].astype(np.float32)

    def height_at(self, north_m: float, east_m: float) -> float:
        return self.SLOPE * east_m


def test_on_a_slope_a_known_ground_point_still_lands_where_the_lens_model_predicts() -> None:
    """Each ray meets the terrain where the terrain is (a fixed point iterated to convergence): one pass, from
    the level of the ground under the vehicle, drew this mark 5 px off (and the far side of a slope metres off)."""
    pos, q = (0.0, 0.0, -12.0), mx.IDENTITY
    img = NavcamRenderer(SENSORS.navcam, SlopedMarkerTerrain(), seed=1).render(pos, q, noise=False)
    n, e = SlopedMarkerTerrain.MARK
    body = np.array([n, e, -SlopedMarkerTerrain.SLOPE * e]) - np.array(pos)
    model = FisheyeModel(SENSORS.navcam)
    expected = model.project((model.body_from_camera.T @ body)[None, :])[0]
    got = centroid(img > 150)
    assert np.hypot(*(np.array(got) - expected)) < 1.0, (got, expected)


def test_navcam_frame_format_and_altitude_scale(flat: Terrain) -> None:
    r = NavcamRenderer(SENSORS.navcam, flat, seed=1)
    low = r.render((ROVER.north_m, ROVER.east_m, -6.0), mx.IDENTITY, layer="rover")
    high = r.render((ROVER.north_m, ROVER.east_m, -12.0), mx.IDENTITY, layer="rover")
    assert low.shape == (480, 640) and low.dtype == np.uint8
    # straight above the deck (1.1 m high): 4.9 m against 10.9 m away, (10.9 / 4.9)^2 = 4.9 times the area
    assert (low > 127).sum() / (high > 127).sum() == pytest.approx(4.9, rel=0.1)


def test_same_seed_same_frames_other_seed_other_noise(flat: Terrain) -> None:
    a = [NavcamRenderer(SENSORS.navcam, flat, seed=1).render((1.0, 2.0, -10.0), mx.IDENTITY) for _ in range(2)]
    b = NavcamRenderer(SENSORS.navcam, flat, seed=2).render((1.0, 2.0, -10.0), mx.IDENTITY)
    assert np.array_equal(a[0], a[1])
    assert not np.array_equal(a[0], b)
    clean = NavcamRenderer(SENSORS.navcam, flat, seed=1).render((1.0, 2.0, -10.0), mx.IDENTITY, noise=False)
    residual = a[0].astype(float) - clean
    assert residual.std() == pytest.approx(SENSORS.navcam.noise_std_dn, rel=0.25)
