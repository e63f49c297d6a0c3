"""The estimator on synthetic trajectories: IMU, altimeter and ideal features from a known flight; its
errors stay inside its covariance."""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from fsw.config.sensors import load_sensors
from fsw.nav.estimator import Estimator, EstimatorConfig
from sim_hal.model import mathx as mx
from sim_hal.model.script import Script, attitude_for

BODY_FROM_CAM = np.array(load_sensors().navcam.body_from_camera)
G = 3.71


HOP = [(0.0, 0.0, 0.0, 0.0), (5.0, 0.0, 0.0, 10.0), (15.0, 20.0, 20.0, 10.0)]  # up to 10 m, 28 m north-east
MINUTE = [(0.0, 0.0, 0.0, 0.0), (5.0, 0.0, 0.0, 10.0), (65.0, 120.0, 0.0, 10.0)]  # then 120 m north in 60 s


def flight(seconds: float, rate: int = 500, waypoints=HOP, drag_per_s: float = 0.0):
    """Truth of a scripted flight; (t, p, v, R, gyro, accel) per IMU sample. With `drag_per_s` the thrust
    also holds the rotor's drag across its disc, and the accelerometer feels that drag, as a vehicle's does."""
    script = Script(waypoints, 0.0, 0.0)
    out, prev = [], None
    for k in range(int(seconds * rate) + 1):
        t = k / rate
        kin = script.at(t)
        q = attitude_for(kin.acc_mps2, G, 0.2)
        R = np.array(mx.matrix(q))
        v, acc = np.array(kin.vel_mps), np.array(kin.acc_mps2)
        for _ in range(4 if drag_per_s > 0 else 0):  # the thrust's direction: the acceleration, the drag made up
            z = R[:, 2]
            R = np.array(mx.matrix(attitude_for(tuple(acc + drag_per_s * (v - (v @ z) * z)), G, 0.2)))
        gyro = np.zeros(3) if prev is None else _log(prev.T @ R) * rate
        accel = R.T @ (acc - np.array([0, 0, G]))
        out.append((k * 2_000_000, np.array(kin.pos_m), np.array(kin.vel_mps), R, gyro, accel))
        prev = R
    return out


def _log(R: np.ndarray) -> np.ndarray:
    angle = math.acos(max(-1.0, min(1.0, (np.trace(R) - 1) / 2)))
    if angle < 1e-12:
        return np.zeros(3)
    return angle / (2 * math.sin(angle)) * np.array([R[2, 1] - R[1, 2], R[0, 2] - R[2, 0], R[1, 0] - R[0, 1]])


def flat(north_m, east_m):
    return np.zeros_like(north_m)


def rising(north_m, east_m):
    """Ground (NED z) rising 1 m over 20 m northwards (a 5% slope), then level."""
    return -np.clip(np.asarray(north_m) / 20.0, 0.0, 1.0)


def features(p_b, R_b, p, R, rng, n=100, ground_z=flat):
    """Ground points seen from the base pose, with their normalized coordinates in both frames."""
    cam_b = R_b @ BODY_FROM_CAM
    n_b = rng.uniform(-0.8, 0.8, (n, 2))
    rays = np.column_stack([n_b, np.ones(n)]) @ cam_b.T
    ground = p_b + rays * ((0.0 - p_b[2]) / rays[:, 2])[:, None]
    for _ in range(8):  # where each ray meets the terrain
        ground = p_b + rays * ((ground_z(ground[:, 0], ground[:, 1]) - p_b[2]) / rays[:, 2])[:, None]
    cam = (ground - p) @ (R @ BODY_FROM_CAM)
    return n_b, cam[:, :2] / cam[:, 2:3]


def no_bias(t_s: float) -> np.ndarray:
    return np.zeros(3)


def run(seconds: float, vision: bool, seed: int = 1, ground_z=flat, n_features: int = 100, waypoints=HOP,
        accel_bias=no_bias, watch=None, drag_per_s: float = 0.0, drift: tuple[float, float] | None = None):
    """Fly the script through the estimator; `watch(est, p)` after every sample. With `drag_per_s` the
    vehicle meets the rotor's drag, and the estimator is told the drag across the rotor every 25 samples."""
    rng = np.random.default_rng(seed)
    truth = flight(seconds, waypoints=waypoints, drag_per_s=drag_per_s)
    cfg = EstimatorConfig(feature_std_px=1.5, rotor_drag_per_s=drag_per_s)
    if drift is not None:
        cfg = replace(cfg, drift_fraction=drift[0], height_drift_fraction=drift[1])
    est = Estimator(cfg, BODY_FROM_CAM)  # ideal
    est.reset(truth[0][1], truth[0][3])  # features on the true ground, 1 px noise
    base, across = None, []
    for k, (t, p, v, R, gyro, accel) in enumerate(truth):
        measured = accel + accel_bias(t * 1e-9) + rng.normal(0, 0.02, 3)
        est.propagate(t, gyro + rng.normal(0, 0.0017, 3), measured)
        across.append(measured[:2])
        if len(across) == 25:
            if drag_per_s > 0 and -p[2] > 1.0:
                est.update_drag(np.mean(across, axis=0))
            across = []
        if watch is not None:
            watch(est, p)
        if k % 10 == 0 and -p[2] > 0.3:
            down = R[:, 2]
            est.update_altimeter((ground_z(p[0], p[1]) - p[2]) / down[2] + rng.normal(0, 0.0125))
        if vision and k % 16 == 0 and -p[2] > 1.0:
            if base is None or k - base[0] > 16 * 30:
                base = (k, p, R)
                est.new_base()
                continue
            n_b, n_c = features(base[1], base[2], p, R, rng, n_features, ground_z)
            est.update_features(n_b, n_c + rng.normal(0, 1.0 / 275.5, n_c.shape))
    return est, truth[-1]


def test_with_vision_errors_stay_inside_the_covariance() -> None:
    est, (t, p, v, R, _, _) = run(15.0, vision=True)
    sd = np.sqrt(est.covariance_diag())
    pos_err, vel_err = est.p - p, est.v - v
    assert np.all(np.abs(pos_err) < 3 * sd[0:3] + 0.01), (pos_err, sd[0:3])
    assert abs(est.ground_z) < 0.1  # the flat ground, ranged with the altimeter's noise
    assert np.all(np.abs(vel_err) < 3 * sd[3:6] + 0.005), (vel_err, sd[3:6])
    assert np.linalg.norm(pos_err[:2]) < 0.3  # 28 m flown
    assert np.linalg.norm(vel_err) < 0.05


def test_the_frame_s_drift_grows_the_position_s_sigma_with_the_distance_and_leaves_the_estimate() -> None:
    """Scale and heading errors, which the model lacks, grow the position's sigma with the distance flown, as a
    drift of the whole frame: neither the features, the laser nor the IMU sees it, so the estimate stays that of
    the filter without it (to rounding), and only the sigmas grow: by the share of the distance (28 m across
    the ground, 10 m up)."""
    drifting, (_, p, _, _, _, _) = run(15.0, vision=True, drift=(0.005, 0.001))
    still, _ = run(15.0, vision=True, drift=(0.0, 0.0))
    assert np.allclose(drifting.p, still.p, atol=1e-6) and np.allclose(drifting.v, still.v, atol=1e-7)
    assert drifting.ground_z == pytest.approx(still.ground_z, abs=1e-6)
    grown = drifting.covariance_diag()[0:3] - still.covariance_diag()[0:3]
    flown = math.hypot(*p[:2])  # 28.3 m, straight
    climbed = 10.0
    assert grown == pytest.approx([(0.005 * flown) ** 2] * 2 + [(0.001 * flown) ** 2 + (0.005 * climbed) ** 2],
                                  rel=0.05)


def test_over_rising_ground_the_height_stays_above_the_takeoff_point_and_the_ground_is_tracked() -> None:
    """The ground rises 1 m under a level flight: the laser's range shrinks, but the features (on a sloping
    plane) and the IMU say the vehicle did not sink, so the range moves the ground estimate. A flat ground plane
    and the range taken for height put the vehicle 0.8 m low and 0.5 m off over the 28 m."""
    est, (_, p, v, _, _, _) = run(15.0, vision=True, ground_z=rising)
    assert est.ground_z == pytest.approx(-1.0, abs=0.1)
    assert est.p[2] == pytest.approx(p[2], abs=0.1)
    assert np.linalg.norm(est.p[:2] - p[:2]) < 0.2
    assert np.linalg.norm(est.v - v) < 0.05


def test_a_drifting_accelerometer_bias_over_flat_ground_does_not_move_the_height_for_a_minute() -> None:
    """Level flight 10 m over flat ground for 60 s (120 m), the accelerometer's bias drifting 0.06 m/s^2 down
    and 0.02 sideways (a model walk of 0.002 per root second would give 0.015): the laser and the IMU hold
    the height above the takeoff point, the ground state is not pushed around by the bias."""
    worst = [0.0, 0.0]

    def watch(est: Estimator, p: np.ndarray) -> None:
        if -p[2] > 1.0:
            worst[0] = max(worst[0], abs(est.p[2] - p[2]))
            worst[1] = max(worst[1], abs(est.ground_z))

    drift = lambda t: np.array([0.02, -0.02, 0.06]) * min(t / 65.0, 1.0)  # noqa: E731
    est, (_, p, _, _, _, _) = run(65.0, vision=True, waypoints=MINUTE, accel_bias=drift, watch=watch)
    assert worst[0] < 0.2 and worst[1] < 0.2, worst
    assert est.ba[2] == pytest.approx(0.06, abs=0.02)  # learnt


def pitch_error_rad(est: Estimator, R: np.ndarray) -> float:
    """The estimate's tilt error about the body's y axis (nose up or down)."""
    return float(_log(R.T @ est.R)[1])


@pytest.mark.parametrize("drag", [0.05, 0.0])
def test_in_a_straight_flight_the_rotor_s_drag_tells_the_accelerometer_s_bias_from_a_tilt(drag: float) -> None:
    """A minute's straight flight north at 2 m/s, the accelerometer's forward bias walking to 0.04 m/s^2:
    told the drag across the rotor (0.05 per second, the simulated vehicle's), the filter learns the bias and
    keeps its tilt and its height; without, the bias reads as a tilt (0.04 / g is 0.6 deg), the tilt as a
    sloping ground, and the ground the height follows drifts -- the mode of the simulated flights' height."""
    drift = lambda t: np.array([0.04, 0.0, 0.0]) * min(t / 65.0, 1.0)  # noqa: E731
    est, (_, p, _, R, _, _) = run(65.0, vision=True, waypoints=MINUTE, accel_bias=drift, drag_per_s=drag)
    learnt, tilt, height = float(est.ba[0]), abs(pitch_error_rad(est, R)), abs(est.p[2] - p[2])
    if drag > 0:  # measured: 0.033, 0.0017 rad, 0.03 m
        assert learnt == pytest.approx(0.04, abs=0.012) and tilt < 0.0025 and height < 0.08, (learnt, tilt, height)
    else:  # the mode, as it was (measured: 0.019, 0.0054 rad, 0.21 m)
        assert abs(learnt - 0.04) > 0.015 and tilt > 0.004 and height > 0.15, (learnt, tilt, height)


def slope_north(north_m, east_m):
    """Ground (NED z) rising 10% northwards from 20 m north on: 10 m up by the end of the minute's leg."""
    return -0.1 * np.clip(np.asarray(north_m) - 20.0, 0.0, 100.0)


def test_a_slope_flown_up_is_learnt_without_moving_the_vehicle_s_height() -> None:
    """The ground rises 6 m at 10% under a level flight 12 m above the takeoff point: the range shrinks from 12
    to 6 m, the vehicle's height above the takeoff point holds (within 0.4 m over the rise: the slope comes
    out 5-15% steep while it is learnt; 0.32 m while the ranges could turn the attitude too, 0.37 m since they
    correct the vertical channel alone), the ground state follows the plane's slope and takes the rise.
    Without the ground following the slope the height sank 3.0 m of the 6."""
    worst = [0.0, 0.0]

    def watch(est: Estimator, p: np.ndarray) -> None:
        if -p[2] > 1.0:
            worst[0] = max(worst[0], abs(est.p[2] - p[2]))
            worst[1] = max(worst[1], abs(est.ground_z - float(slope_north(p[0], p[1]))))

    flight_ = [(0.0, 0.0, 0.0, 0.0), (5.0, 0.0, 0.0, 12.0), (45.0, 80.0, 0.0, 12.0)]
    est, _ = run(45.0, vision=True, ground_z=slope_north, waypoints=flight_, watch=watch)
    assert worst[0] < 0.4 and worst[1] < 0.4, worst
    assert est.slope[0] == pytest.approx(-0.1, abs=0.025)


def test_few_inliers_leave_the_ground_plane_s_slope_alone() -> None:
    """Over low texture a plane free to tilt fits a few features with a tilt of the vehicle: below
    `slope_min_inliers` the slope is held, above it the slope is learnt."""
    few, _ = run(15.0, vision=True, ground_z=rising, n_features=40)
    many, _ = run(15.0, vision=True, ground_z=rising)
    assert np.all(few.slope == 0.0)
    assert many.slope[0] < -0.015  # rising northwards (NED z falls), then level where the flight ends


def test_without_vision_horizontal_error_grows_and_the_filter_knows_it() -> None:
    blind, (_, p, v, _, _, _) = run(15.0, vision=False)
    seeing, _ = run(15.0, vision=True)
    blind_sd = np.sqrt(blind.covariance_diag())
    seeing_sd = np.sqrt(seeing.covariance_diag())
    assert blind_sd[0] > 3 * seeing_sd[0]  # the horizontal uncertainty grows without features
    assert abs(blind.p[2] - p[2]) < 0.1  # the altimeter keeps the height


def test_altimeter_alone_holds_height_through_a_climb() -> None:
    est, (_, p, _, _, _, _) = run(6.0, vision=False)
    assert est.p[2] == pytest.approx(p[2], abs=0.05)


def test_the_update_equals_the_textbook_kalman_update_even_with_a_cloned_singular_covariance() -> None:
    """The gain comes from an N x N system (push-through identity): the same as from the m x m innovation
    covariance, here with the base slots an exact clone of the pose (P singular) and 160 measurements."""
    from fsw.nav.estimator import N, Estimator, EstimatorConfig

    rng = np.random.default_rng(1)
    e = Estimator(EstimatorConfig(), np.eye(3))
    X = rng.normal(size=(N, N))
    P = X @ X.T * 1e-3
    P[15:21] = P[[0, 1, 2, 6, 7, 8]]
    P[:, 15:21] = P[:, [0, 1, 2, 6, 7, 8]]
    H, r, res = rng.normal(size=(160, N)), 0.01, rng.normal(size=160) * 0.1
    S = H @ P @ H.T + np.eye(160) * r
    K = np.linalg.solve(S, H @ P).T
    want_P = (np.eye(N) - K @ H) @ P @ (np.eye(N) - K @ H).T + r * K @ K.T
    e.P = P.copy()
    p0 = e.p.copy()
    assert e._correct(res, H, r)
    np.testing.assert_allclose(e.P, want_P, atol=1e-12)
    np.testing.assert_allclose(e.p - p0, (K @ res)[0:3], atol=1e-12)
    e.P = P.copy()
    d2 = float(res @ np.linalg.solve(S, res))
    assert e._correct(res, H, r, gate=d2 / 160 * 1.001) and not e._correct(res, H, r, gate=d2 / 160 * 0.999)


def test_the_covariance_step_over_summed_imu_matches_the_continuous_error_model() -> None:
    """The covariance moves once per `covariance_every` samples on the summed delta angle and delta velocity
    (as PX4's EKF2): its transition matches the continuous error model integrated finely over the samples
    (each held for its interval, cut in 50 steps), turning at 1 rad/s under a hard manoeuvre, to a small
    part of each block."""
    from fsw.nav.estimator import BA, BG, P_, TH, V_
    from fsw.rotation import rotvec_to_matrix, skew

    est = Estimator(EstimatorConfig(covariance_every=1000), BODY_FROM_CAM)
    est.reset(np.zeros(3), rotvec_to_matrix([0.1, -0.2, 0.7]))
    rng = np.random.default_rng(4)
    est.propagate(0, np.zeros(3), np.zeros(3))
    fine, cuts = np.eye(15), 50
    h = 0.002 / cuts
    for k in range(1, 6):
        w, f = np.array([0.6, -0.5, 0.6]) + rng.normal(0, 0.05, 3), np.array([1.5, -1.0, -5.0]) + rng.normal(0, 0.3, 3)
        R = est.R
        for j in range(cuts):
            F = np.eye(15)
            F[P_, V_] = np.eye(3) * h
            F[V_, TH] = -R @ skew(f) * h
            F[V_, BA] = -R * h
            F[TH, TH] = rotvec_to_matrix(-w * h)
            F[TH, BG] = -np.eye(3) * h
            fine = F @ fine
            R = R @ rotvec_to_matrix(w * h)
        est.propagate(k * 2_000_000, w, f)
    summed = est._transition()
    for rows, cols in ((P_, V_), (V_, TH), (V_, BA), (TH, TH), (TH, BG), (P_, TH), (P_, BA), (V_, BG)):
        block, want = summed[rows, cols], fine[rows, cols]
        assert np.abs(block - want).max() <= 0.05 * np.abs(want).max(), (rows, cols, block, want)


def test_a_ground_taken_from_a_range_carries_the_height_s_uncertainty() -> None:
    """The ground re-taken from a range lies that range below the estimated height: its error is the height's
    (fully correlated) plus the range's, so a frame's drift, unseen by the ranges, stays unseen after it."""
    from fsw.nav.estimator import GZ

    est = Estimator(EstimatorConfig(), BODY_FROM_CAM)
    est.reset(np.array([0.0, 0.0, -10.0]), np.eye(3), height_std_m=0.5)
    assert est.reinit_ground(10.4)
    assert est.ground_z == pytest.approx(0.4)
    P = est.P
    assert P[GZ, 2] == pytest.approx(P[2, 2]) and P[GZ, GZ] == pytest.approx(P[2, 2] + 0.03 ** 2)
    height = est.p[2]
    assert est.update_altimeter(10.45)  # 5 cm more: the ground's (half of it: two ranges' worth), not the height's
    assert est.p[2] == pytest.approx(height, abs=1e-3) and est.ground_z == pytest.approx(0.425, abs=0.002)
