"""The colour camera's scene: the rover against its mesh's silhouette, its shadow, the sky band, the rolling
shutter's skew against the readout time, and the helicopter's own shadow."""
from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from fsw.config.sensors import load_sensors
from sim_hal.model import mathx as mx
from sim_hal.model.colourcam import (OWN_SHADOW, ROVER, ROVER_SHADOW, SKY, ColourGeometry, ColourRenderer, Motion,
                                     sun_vector)
from sim_hal.model.raster import shadow_map
from sim_hal.model.rover import perseverance
from sim_hal.model.terrain import RoverSpec, Terrain, TerrainSpec, rover_ground
from tests.sim_hal.model.painted import DARK, PaintedTerrain

CFG = load_sensors().colour_camera
ROVER_AT = RoverSpec(north_m=60.0, east_m=-40.0, yaw_deg=30.0)  # where Flight 51 finds it
W, H = 1052, 780
_SUPER = 4


@pytest.fixture(scope="module")
def scene() -> tuple[ColourRenderer, Terrain]:
    terrain = Terrain(TerrainSpec(name="flat", seed=3, rover=ROVER_AT, extent_m=400.0))
    ground = rover_ground(terrain.spec)
    mesh = perseverance(ROVER_AT.north_m, ROVER_AT.east_m, ROVER_AT.yaw_deg, ground)
    return ColourRenderer(CFG, terrain, mesh, ground), terrain


def flight51_pose(yaw_off_deg: float = 0.0) -> Motion:
    """Hovering 12 m up at (80, 0), facing the rover, as Flight 51's plan has it."""
    yaw = math.atan2(ROVER_AT.east_m - 0.0, ROVER_AT.north_m - 80.0) + math.radians(yaw_off_deg)
    return Motion((80.0, 0.0, -12.0), q=mx.q_from_euler(0.0, 0.0, yaw))


def silhouette(motion: Motion, yaw_err_deg: float = 0.0) -> np.ndarray:
    """The rover's mesh projected through a plain pinhole (OpenCV's projectPoints) at the pose: every face
    filled, no depth test (the outline of the whole mesh), the pixels it covers at least half of."""
    mesh = perseverance(ROVER_AT.north_m, ROVER_AT.east_m, ROVER_AT.yaw_deg, 0.0)
    f = (H / 2) / math.tan(math.radians(CFG.fov_deg) / 2)
    k = np.array([[f, 0, (W - 1) / 2], [0, f, (H - 1) / 2], [0, 0, 1]])
    p = math.radians(CFG.pitch_below_horizon_deg)
    body_from_cam = np.array([[0, -math.sin(p), math.cos(p)], [1, 0, 0], [0, math.cos(p), math.sin(p)]])
    roll, pitch, yaw = mx.q_to_euler(motion.q)
    world_from_cam = np.array(mx.matrix(mx.q_from_euler(roll, pitch, yaw + math.radians(yaw_err_deg)))) @ body_from_cam
    cam_from_world = world_from_cam.T
    rvec, _ = cv2.Rodrigues(cam_from_world)
    tvec = -cam_from_world @ np.asarray(motion.pos_m)
    px, _ = cv2.projectPoints(mesh.vertices, rvec, tvec, k, None)
    fine = np.zeros((H * _SUPER, W * _SUPER), np.uint8)  # drawn 4x finer: a pixel is in if half of it is
    for tri in (px.reshape(-1, 2)[mesh.faces] + 0.5) * _SUPER - 0.5:
        cv2.fillConvexPoly(fine, np.round(tri * 16).astype(np.int32), 255, lineType=cv2.LINE_8, shift=4)
    return cv2.resize(fine, (W, H), interpolation=cv2.INTER_AREA) >= 128


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


def test_the_rover_in_the_flight_51_capture_matches_its_mesh_silhouette(scene) -> None:
    renderer, _ = scene
    motion = flight51_pose()
    drawn = (renderer.render(motion, W, H).label & ROVER).astype(bool)
    assert drawn.sum() > 1000  # about 45 m away: a rover some 90 px across
    assert iou(drawn, silhouette(motion)) >= 0.9
    assert iou(drawn, silhouette(motion, yaw_err_deg=1.0)) < 0.6  # the measure sees a 1 degree error


def test_the_rovers_shadow_falls_away_from_the_sun(scene) -> None:
    renderer, terrain = scene
    spec = terrain.spec
    sun = sun_vector(spec.sun_elevation_deg, spec.sun_azimuth_deg)
    mesh = perseverance(ROVER_AT.north_m, ROVER_AT.east_m, ROVER_AT.yaw_deg, 0.0)
    grid, cover = shadow_map(mesh, sun, 0.0)
    rows, cols = np.nonzero(cover > 0.5)
    centre_n = grid.origin_n + (rows.mean() + 0.5) * grid.res_m - ROVER_AT.north_m
    centre_e = grid.origin_e + (cols.mean() + 0.5) * grid.res_m - ROVER_AT.east_m
    bearing = math.degrees(math.atan2(centre_e, centre_n)) % 360
    assert abs(bearing - (spec.sun_azimuth_deg + 180) % 360) < 5  # straight away from the sun
    # and in the capture: shaded ground, at the sky's share of the light
    s = renderer.render(flight51_pose(), W, H)
    shaded = (s.label & ROVER_SHADOW).astype(bool) & ~(s.label & ROVER).astype(bool)
    assert shaded.sum() > 200
    lit = ~s.label.astype(bool)
    assert s.radiance[shaded].mean() < 0.5 * s.radiance[lit].mean()


def test_a_level_capture_has_the_sky_band_at_the_top_and_the_sky_is_bluer_toward_the_sun(scene) -> None:
    renderer, terrain = scene
    s = renderer.render(flight51_pose(), W, H)
    sky = (s.label & SKY).astype(bool)
    f = (H / 2) / math.tan(math.radians(CFG.fov_deg) / 2)
    horizon_row = (H - 1) / 2 - f * math.tan(math.radians(CFG.pitch_below_horizon_deg))  # at the centre column
    assert horizon_row > 10
    assert sky[:int(horizon_row) - 2, W // 2].all() and not sky[int(horizon_row) + 3:, W // 2].any()
    spec = terrain.spec
    toward = renderer.render(Motion((0.0, 0.0, -12.0), q=mx.q_from_euler(0, math.radians(30),
                                                                        math.radians(spec.sun_azimuth_deg))), 320, 240)
    away = renderer.render(Motion((0.0, 0.0, -12.0), q=mx.q_from_euler(0, math.radians(30),
                                                                      math.radians(spec.sun_azimuth_deg + 180))), 320, 240)

    def blue_ratio(sc) -> float:
        rgb = sc.radiance[(sc.label & SKY).astype(bool)]
        return float(rgb[:, 2].mean() / rgb[:, 0].mean())

    assert blue_ratio(toward) > 1.3 * blue_ratio(away)


def stripe_terrain() -> PaintedTerrain:
    """Level, dark ground with one bright stripe 0.2 m wide running north along east = 0."""
    res, px = 0.02, 3000
    shade = np.full((px, px), DARK, np.uint8)
    shade[:, px // 2 - 5:px // 2 + 5] = 250
    return PaintedTerrain(-10.0, -30.0, res, shade)


def stripe_columns(radiance: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The stripe's centre (sub-pixel column) in each of `rows`."""
    lum = radiance[rows].mean(axis=2)
    bright = lum > 0.5 * lum.max(axis=1, keepdims=True)
    cols = np.arange(lum.shape[1])[None, :]
    return (bright * cols).sum(axis=1) / bright.sum(axis=1)


def test_a_vertical_edge_is_skewed_by_what_the_readout_time_predicts_during_a_60_deg_s_yaw() -> None:
    terrain = stripe_terrain()
    rate = math.radians(60.0)
    motion = Motion((0.0, 0.0, -6.0), q=mx.IDENTITY, omega_radps=(0.0, 0.0, rate))  # looking north along it
    still = Motion((0.0, 0.0, -6.0), q=mx.IDENTITY)
    moving = ColourRenderer(CFG, terrain).render(motion, W, H).radiance
    steady = ColourRenderer(CFG, terrain).render(still, W, H).radiance
    geo = ColourGeometry(CFG, W, H)
    rows = np.arange(200, H, 40)  # the stripe's near part (its far end thins toward the horizon)
    shift = stripe_columns(moving, rows) - stripe_columns(steady, rows)
    # a yaw about the body's down axis, seen by a camera pitched p down: the image moves across at
    # f * w * (cos p - y sin p) px/s at normalised row y (first order); each row by its readout time
    p = math.radians(CFG.pitch_below_horizon_deg)
    y = (rows - geo.cy) / geo.f_px
    predicted = -geo.f_px * rate * (math.cos(p) - y * math.sin(p)) * geo.row_time_s(rows)
    skew, predicted_skew = shift[-1] - shift[0], predicted[-1] - predicted[0]
    assert abs(predicted_skew) > 10
    assert abs(skew - predicted_skew) <= 0.1 * abs(predicted_skew)
    assert np.abs(shift - predicted).max() <= 0.1 * np.abs(predicted).max()


def test_the_helicopters_own_shadow_shows_where_the_camera_looks_at_it() -> None:
    terrain = Terrain(TerrainSpec(name="flat", seed=3, extent_m=200.0))
    spec = terrain.spec
    renderer = ColourRenderer(CFG, terrain)
    # 5 m up, facing away from the sun: the shadow is 7 m ahead, 37 deg below the horizon
    yaw = math.radians(spec.sun_azimuth_deg + 180)
    s = renderer.render(Motion((0.0, 0.0, -5.0), q=mx.q_from_euler(0, 0, yaw)), 640, 480)
    own = (s.label & OWN_SHADOW).astype(bool)
    assert own.sum() > 50
    assert not (renderer.render(Motion((0.0, 0.0, -5.0), q=mx.q_from_euler(0, 0, yaw + math.pi)), 640, 480).label
                & OWN_SHADOW).any()
