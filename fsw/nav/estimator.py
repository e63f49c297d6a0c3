"""The navigation filter (pure): an error-state EKF propagated with the IMU and updated by the laser altimeter
and by tracked features, MAVeN-style.

State: position and velocity (NED, from the takeoff point on the ground), attitude (body to world), the
accelerometer and gyro biases, the pose (position and attitude) of the current *base* frame, the height of the
ground under the vehicle, and the base frame's ground plane (its height under the base frame and its slope). A
feature seen in the base frame lies on that plane: where it must appear in the current frame follows from both
poses, so each tracked inlier constrains the motion since the base frame. The plane's slope matters: the
navcam sees tens of metres of ground, and a flat plane laid over a 5% slope reads as the vehicle sinking
towards it. A new base frame clones the current pose and ground into the base slots (the slope carries
over). The laser altimeter ranges the ground under the vehicle, a state of its own (as PX4's terrain
estimator): it wanders as the vehicle travels (`terrain_walk_m`), so a range that shrinks over rising ground
moves the ground estimate, while the features and the IMU hold the height above the takeoff point. Every
measurement is applied at its own time.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from fsw.rotation import kinematics, orthonormalize, rotvec_to_matrix, skew

N = 25  # error state: dp dv dtheta dba dbg dp_base dtheta_base, ground z, base ground z, base plane slope
P_, V_, TH, BA, BG, PB, THB = (slice(i, i + 3) for i in range(0, 21, 3))
GZ, GZB = 21, 22
SL = slice(23, 25)  # the base plane's slope: dz/dnorth, dz/deast
_VERTICAL = np.array([P_.start + 2, V_.start + 2, BA.start + 2, PB.start + 2, GZ, GZB, SL.start, SL.start + 1])
# what a range may correct: the height, the vertical velocity, the accelerometer's down bias, the base frame's
# height, the ground and the base plane (its height and slope); the rest are consider states to it ...
_HELD_BY_RANGE = np.ones(N, bool)
_HELD_BY_RANGE[_VERTICAL] = False  # ... their gain held at zero
_MOVED = 15  # dp dv dtheta dba dbg: the states the IMU propagation moves
_I3 = np.eye(3)
_DIAG = np.arange(3, _MOVED)  # dv dtheta dba dbg: the states the process noise enters
_DRIFTING = tuple(np.ix_(a, a) for a in ([P_.start, PB.start], [P_.start + 1, PB.start + 1],
                                         [P_.start + 2, PB.start + 2, GZ, GZB]))  # the frame's drift: north,
# east (the vehicle's and the base frame's positions) and down (their heights, and the ground under each)
_EPS = 1e-6  # the step of the features' numeric Jacobian
_OFFSETS = np.vstack([np.zeros(15), np.eye(15) * _EPS])  # feature model offsets: none, then each parameter
_TURNS = np.stack([[rotvec_to_matrix(x[a:a + 3]) for x in _OFFSETS] for a in (3, 9)])  # their rotations:
# current frame, base frame


@dataclass(frozen=True)
class EstimatorConfig:
    gyro_noise_radps: float = 0.0017
    accel_noise_mps2: float = 0.02
    gyro_bias_walk: float = 0.0002
    accel_bias_walk: float = 0.002
    imu_rate_hz: float = 500.0
    altimeter_std_m: float = 0.03
    feature_std_px: float = 4.0  # a tracked feature against the base plane it is fitted to: the tracker places it
    # within a pixel, but the ground under a fisheye footprint tens of metres wide is not a plane (at 1.5 px the
    # replays of real photographs were overconfident: lunar's altitude RMSE 0.80 m, 4 px 0.15 m; docs/navigation.md)
    focal_px: float = 275.5
    ground_z_m: float = 0.0  # the ground plane at the start (the takeoff point's level), NED z
    terrain_walk_m: float = 0.03  # the ground's height wanders this much (std) per square root metre travelled
    drift_fraction: float = 0.005  # the position's error grows by this share of the distance flown, one sigma,
    # horizontally with the distance flown across the ground, in height with the height climbed or descended:
    # the feature odometry's scale and heading errors, which the model does not have (the filter knew the
    # along-track position to 5-9 cm after hundreds of metres while it was metres off, and its height to 6 mm
    # in a climb that put it 5 cm high)
    height_drift_fraction: float = 0.003  # ... and the height's with the distance flown across the ground: the
    # base planes' slope is known to a few tenths of a percent from the features (0.3-0.6% off, one sign for a
    # whole leg, in the replays of real photographs over flat ground), and the ground under the vehicle, with
    # the vehicle above it at the laser's range, follows that slope (0.001 left lunar's height outside 3 sigma
    # half the time: 0.24 m low after 35 m, sigma 0.07 m); all as a drift of the whole frame (`_drift`):
    # nothing measures it, so only the sigmas grow, not the estimate
    slope_std: float = 0.05  # the ground's slope (m/m) under a base frame, a priori
    slope_walk: float = 0.02  # ... and how much it may differ under the next base frame
    slope_min_inliers: int = 80  # a frame with fewer inliers leaves the slope be (over low texture, as on
    # Flight 72's ripples, a plane free to tilt fits the few features with a tilt of the vehicle)
    max_features: int = 80  # features used per update (the strongest-spread subset of the inliers)
    covariance_every: int = 5  # IMU samples per covariance propagation
    rotor_drag_per_s: float = 0.0  # the rotor's drag across its disc per unit mass and airspeed (0: not used):
    # in flight the accelerometer's horizontal specific force is this drag alone, which tells its bias from a tilt
    body_drag_per_m: float = 0.0  # the body's drag per unit mass and squared airspeed (1/2 rho Cd A / m)
    drag_std_mps2: float = 0.1  # the drag model against the mean specific force over `drag_every_imu` samples:
    # gusts (0.3 m/s, 2 s long: 0.015 m/s^2 held over 40 updates) and the model's error


class Estimator:
    def __init__(self, cfg: EstimatorConfig, body_from_camera: np.ndarray) -> None:
        self.cfg = cfg
        # the process noise per second of propagation, on the IMU's states: per-sample white noise sigma at
        # rate f adds sigma^2 dt / f of variance over dt; x4 for what the model leaves out (vibration,
        # timing). The ground's wander goes with the distance flown.
        self._q_per_s = np.repeat([4 * cfg.accel_noise_mps2 ** 2 / cfg.imu_rate_hz,
                                   4 * cfg.gyro_noise_radps ** 2 / cfg.imu_rate_hz,
                                   cfg.accel_bias_walk ** 2, cfg.gyro_bias_walk ** 2], 3)
        self.R_bc = np.asarray(body_from_camera, dtype=np.float64)
        self.reset(np.zeros(3), np.eye(3))

    def reset(self, pos: np.ndarray, R: np.ndarray, vel_std_mps: float = 0.01, height_std_m: float = 0.01) -> None:
        """At rest on the ground: position and attitude known (levelled by the inclinometer). Started in the
        air: the height from the laser (`height_std_m`), the velocity not known (`vel_std_mps`)."""
        self.p, self.v, self.R = np.array(pos, float), np.zeros(3), np.array(R, float)
        self.ba, self.bg = np.zeros(3), np.zeros(3)
        self.p_b, self.R_b = self.p.copy(), self.R.copy()
        self.P = np.diag([1e-4, 1e-4, height_std_m ** 2] + [vel_std_mps ** 2] * 3 + [1e-5] * 3 + [0.05 ** 2] * 3
                         + [0.003 ** 2] * 3 + [1e-4, 1e-4, height_std_m ** 2] + [1e-5] * 3 + [1e-4] * 2
                         + [self.cfg.slope_std ** 2] * 2)
        self.t_ns: int | None = None
        self.ground_z = self.cfg.ground_z_m  # the ground under the vehicle, NED z
        self.ground_z_b = self.ground_z  # the base frame's ground plane: its height under the base frame ...
        self.slope = np.zeros(2)  # ... and its slope
        self._pending_dt = 0.0  # the propagation since the last flush, summed: its length, the distance
        self._pending_travel_m = 0.0  # flown, the attitude at its start, and the rotation and velocity change
        self._pending_R = self.R  # the IMU measured over it (body axes)
        self._pending_turn = [0.0, 0.0, 0.0]
        self._pending_dv = [0.0, 0.0, 0.0]
        self._pending_dn = self._pending_de = 0.0  # ... and the horizontal displacement over it
        self._count = 0
        self._flown_m = self._climbed_m = 0.0  # distance flown across the ground, and up or down, since the start
        self._pending_climb_m = 0.0  # ... and up or down since the last flush (the frame's drift grows with them)

    # --- propagation ----------------------------------------------------------------------------------
    def propagate(self, t_ns: int, gyro: np.ndarray, accel: np.ndarray) -> None:
        """Advance to `t_ns` with the IMU sample taken then (held over the interval since the last one)."""
        if self.t_ns is None:
            self.t_ns = t_ns
            return
        dt = (t_ns - self.t_ns) * 1e-9
        if dt <= 0:
            return
        self.t_ns = t_ns
        w = np.asarray(gyro) - self.bg
        f = np.asarray(accel) - self.ba
        if self._pending_dt == 0.0:
            self._pending_R = self.R
        self.p, self.v, self.R = kinematics(self.p, self.v, self.R, w, f, dt)
        turn, dv = self._pending_turn, self._pending_dv
        for i, (wi, fi) in enumerate(zip(w.tolist(), f.tolist())):
            turn[i] += wi * dt
            dv[i] += fi * dt
        self._pending_dt += dt
        v0, v1 = self.v[0], self.v[1]
        self._pending_travel_m += math.sqrt(v0 * v0 + v1 * v1) * dt
        self._pending_climb_m += abs(self.v[2]) * dt
        self._pending_dn += v0 * dt
        self._pending_de += v1 * dt
        self._count += 1
        if self._count % self.cfg.covariance_every == 0:
            self.flush_covariance()

    def _transition(self) -> np.ndarray:
        """The error state's transition over the propagation since the last flush (its first 15 states: the
        base pose and the ground do not move with the IMU). As PX4's EKF2 predicts its covariance from the
        IMU's delta angle and delta velocity summed over the filter's period, not sample by sample: the
        continuous error model with the interval's mean rate and specific force, to second order in its
        length T (F = I + A T + (A T)^2 / 2 in the blocks it fills)."""
        T, R0 = self._pending_dt, self._pending_R
        F = np.eye(_MOVED)
        F[P_, V_] = _I3 * T
        F[V_, TH] = -R0 @ skew(self._pending_dv)
        F[V_, BA] = -R0 * T
        F[TH, TH] = rotvec_to_matrix([-x for x in self._pending_turn])
        F[TH, BG] = _I3 * -T
        F[P_, TH] = F[V_, TH] * (0.5 * T)
        F[P_, BA] = F[V_, BA] * (0.5 * T)
        F[V_, BG] = F[V_, TH] * (-0.5 * T)
        return F

    def flush_covariance(self) -> None:
        """Apply the propagation accumulated since the last flush to the covariance."""
        if self._pending_dt <= 0:
            return
        dt = self._pending_dt
        F = self._transition()
        P = self.P
        top = F @ P[:_MOVED]  # F is the identity outside its first 15 states
        P = np.concatenate([top, P[_MOVED:]])
        P[:, :_MOVED] = P[:, :_MOVED] @ F.T
        P[_DIAG, _DIAG] += self._q_per_s * dt
        self._follow_plane(self._pending_dn, self._pending_de)
        P[GZ, GZ] += self.cfg.terrain_walk_m ** 2 * self._pending_travel_m
        self._drift(P, self._pending_travel_m, self._pending_climb_m)
        self.P = P
        self._pending_dt = 0.0
        self._pending_travel_m = self._pending_climb_m = 0.0
        self._pending_dn = self._pending_de = 0.0
        self._pending_turn = [0.0, 0.0, 0.0]
        self._pending_dv = [0.0, 0.0, 0.0]
        self.R = orthonormalize(self.R)

    def _drift(self, P: np.ndarray, across_m: float, climb_m: float) -> None:
        """The frame's drift over `across_m` more metres across the ground and `climb_m` up or down: the same
        variance on the vehicle's and the base frame's position, fully correlated (and in height on the ground
        states too), so what the features and the laser measure -- positions relative to the base frame and to
        the ground -- is not touched. Each sigma grows with its distance, as a scale error's does (variance
        (f d)^2)."""
        c = self.cfg
        h0, v0 = self._flown_m, self._climbed_m
        self._flown_m, self._climbed_m = h1, v1 = h0 + across_m, v0 + climb_m
        across, up = h1 * h1 - h0 * h0, v1 * v1 - v0 * v0
        horizontal = c.drift_fraction ** 2 * across
        height = c.height_drift_fraction ** 2 * across + c.drift_fraction ** 2 * up
        north, east, down = _DRIFTING
        for block, var in ((north, horizontal), (east, horizontal), (down, height)):
            if var > 0.0:
                P[block] += var

    def _follow_plane(self, dn: float, de: float) -> None:
        """The ground under the vehicle follows the base plane's slope as the vehicle moves (dn, de): a rise
        the features see tilting the plane is expected in the laser's ranges, not read as the vehicle
        sinking; the wander about the plane is the terrain walk's. The state only: with the slope in the
        ground's covariance too the laser would learn the slope from the ranges alone (over a few features'
        frames, where the slope is held, as over Flight 72's sand), and the hills fared no better."""
        if dn == 0.0 and de == 0.0:
            return
        self.ground_z += float(self.slope[0]) * dn + float(self.slope[1]) * de

    # --- updates --------------------------------------------------------------------------------------
    def _correct(self, residual: np.ndarray, H: np.ndarray, noise_var: float, gate: float = 0.0,
                 held: np.ndarray | None = None) -> bool:
        """Kalman update with a scalar noise variance r; with `gate` > 0, reject by normalized innovation.

        With m measurements (160 for 80 features) the innovation covariance S = H P H^T + r I is m x m; for
        m >= N the push-through identity gives the gain from an N x N system instead: K = P H^T S^-1 = P A^-1 H^T with
        A = H^T H P + r I (invertible for r > 0, even when P is singular right after a base clone), and
        S^-1 = (I - H K) / r for the gate. With `held` (a mask; few measurements), the gain of those states is
        held at zero (they are consider states: a Schmidt update, whose Joseph form keeps P honest)."""
        self.flush_covariance()
        P = self.P
        if len(residual) < N:  # few measurements (a range, a zero-velocity update): S is small
            PHt = P @ H.T
            S = H @ PHt + np.eye(len(residual)) * noise_var
            K = np.linalg.solve(S, PHt.T).T
            if held is not None:
                K[held] = 0.0
            dx = K @ residual
            d2 = float(residual @ np.linalg.solve(S, residual)) if gate > 0 else 0.0
        else:
            A = H.T @ H @ P + np.eye(N) * noise_var
            dx = P @ np.linalg.solve(A, H.T @ residual)
            d2 = float(residual @ residual - residual @ (H @ dx)) / noise_var if gate > 0 else 0.0
            K = None
        if gate > 0 and d2 > gate * len(residual):
            return False
        if K is None:
            K = P @ np.linalg.solve(A, H.T)
        I_KH = np.eye(N) - K @ H
        self.P = I_KH @ P @ I_KH.T + noise_var * K @ K.T
        self._inject(dx)
        return True

    def _inject(self, dx: np.ndarray) -> None:
        self.p = self.p + dx[P_]
        self.v = self.v + dx[V_]
        self.R = self.R @ rotvec_to_matrix(dx[TH])
        self.ba = self.ba + dx[BA]
        self.bg = self.bg + dx[BG]
        self.p_b = self.p_b + dx[PB]
        self.R_b = self.R_b @ rotvec_to_matrix(dx[THB])
        self.ground_z += float(dx[GZ])
        self.ground_z_b += float(dx[GZB])
        self.slope = self.slope + dx[SL]

    def update_stationary(self, north_m: float, east_m: float, down_m: float, pos_std_m: float = 0.02,
                          vel_std_mps: float = 0.02) -> bool:
        """Resting on its legs before takeoff (no thrust commanded): where it started, not moving (a
        zero-velocity update; the laser reads nothing below its minimum range, so this holds the vertical
        while the vehicle waits on the ground)."""
        H = np.zeros((6, N))
        scale = vel_std_mps / pos_std_m  # one noise variance for all rows: scale the position rows
        H[0, 0] = H[1, 1] = H[2, 2] = scale
        H[3, V_.start] = H[4, V_.start + 1] = H[5, V_.start + 2] = 1.0
        residual = np.array([(north_m - self.p[0]) * scale, (east_m - self.p[1]) * scale,
                             (down_m - self.p[2]) * scale, -self.v[0], -self.v[1], -self.v[2]])
        return self._correct(residual, H, vel_std_mps ** 2)

    def update_still_gyro(self, gyro_mean_radps: np.ndarray, var: float) -> bool:
        """Resting on the ground the body does not turn: the mean gyro reading is the gyro bias (a
        zero-rate update; without it the heading drifts with the bias while the vehicle waits to fly)."""
        H = np.zeros((3, N))
        H[:, BG] = np.eye(3)
        return self._correct(np.asarray(gyro_mean_radps, float) - self.bg, H, var)

    def update_tilt(self, roll_rad: float, pitch_rad: float, var: float) -> bool:
        """Resting on its legs, the inclinometer's roll and pitch: where gravity lies in the body. With the
        zero-velocity update it tells the accelerometer's horizontal bias from a tilt (the accelerometer alone
        cannot: a bias of b reads as a tilt of b / g, and in flight as a ground that slopes by as much)."""
        d = self.R[2, :]  # the world's down axis in body axes
        sr, sp, cp = math.sin(roll_rad), math.sin(pitch_rad), math.cos(pitch_rad)
        measured = np.array([-sp, sr * cp])
        H = np.zeros((2, N))
        H[:, TH] = skew(d)[:2]  # R exp(dtheta): the body-axes down vector turns by -dtheta x d = d x dtheta
        return self._correct(measured - d[:2], H, var)

    def update_drag(self, mean_accel_xy: np.ndarray) -> bool:
        """In flight, the mean horizontal specific force (body x, y) over the last samples: thrust lies along
        the body's z axis, so across it the accelerometer feels the rotor's and the body's drag alone (PX4's
        and ArduPilot's drag fusion) plus its bias. The drag follows from the velocity in body axes, whatever
        the tilt: this tells the accelerometer's horizontal bias from a tilt, which nothing else does in a
        straight flight (the tilt the bias leaves becomes a ground slope, and the slope a height drift)."""
        v_b = self.R.T @ self.v
        speed = float(np.linalg.norm(v_b))
        d = self.cfg.rotor_drag_per_s + self.cfg.body_drag_per_m * speed
        predicted = -d * v_b[:2] + self.ba[:2]
        H = np.zeros((2, N))
        H[:, V_] = -d * self.R.T[:2]
        H[:, TH] = -d * skew(v_b)[:2]  # R exp(dtheta): R^T v turns by v_b x dtheta
        H[:, BA.start:BA.start + 2] = np.eye(2)
        return self._correct(np.asarray(mean_accel_xy, float) - predicted, H, self.cfg.drag_std_mps2 ** 2, gate=16.0)

    def update_altimeter(self, range_m: float) -> bool:
        """Laser range along the body's down axis to the (locally flat) ground under the vehicle. It corrects
        the vertical channel alone (`_VERTICAL`): over rough ground a range's innovation is the ground's relief,
        which the filter would read, through the correlations the features left, as a horizontal move and a
        tilt (Flight 72's IMU-only descent over the ripples: the position jumped a metre within a second, and
        control chased it to 16 deg of tilt and tipped over)."""
        down = self.R[:, 2]
        if down[2] < 0.5:
            return False
        height = self.ground_z - self.p[2]
        predicted = height / down[2]
        H = np.zeros((1, N))
        H[0, 2] = -1.0 / down[2]
        H[0, GZ] = 1.0 / down[2]
        # The tilt is taken as known (as PX4's range fusion does): the range depends on it only through
        # 1/cos(tilt) over level ground, and over rough ground (Flight 72's ripples) its first-order change with
        # tilt is the ground's, not the model's -- let the ranges turn the attitude and they pushed a tilt error
        # into the velocity that the IMU alone then flew on (1.9 m/s at touchdown).
        return self._correct(np.array([range_m - predicted]), H, self.cfg.altimeter_std_m ** 2, gate=16.0,
                             held=_HELD_BY_RANGE)

    def reinit_height(self, range_m: float, vel_std_mps: float = 0.5) -> bool:
        """The laser has disagreed with the height for too long and nothing else holds the height (no
        features): take the height from this range (along the body's down axis, over the ground state), its
        uncertainty the ground's and the range's; the vertical velocity is suspect too, its correlations
        forgotten. False when the laser does not point at the ground."""
        if not self._reinit(range_m, vehicle=True):
            return False
        v = V_.start + 2
        self.P[v, :] = 0.0
        self.P[:, v] = 0.0
        self.P[v, v] = vel_std_mps ** 2
        return True

    def reinit_ground(self, range_m: float) -> bool:
        """The laser has disagreed for too long while the features hold the vehicle's height: the ground
        under it moved (a crater, a step): the ground state from this range below the vehicle, its uncertainty
        the height's and the range's (what it was correlated with before is forgotten)."""
        return self._reinit(range_m, vehicle=False)

    def _reinit(self, range_m: float, vehicle: bool) -> bool:
        """One of the height and the ground under the vehicle from the other and a range: its error is the
        other's (fully correlated: a drift of the whole frame stays unseen by the ranges) plus the range's."""
        self.flush_covariance()
        down_z = float(self.R[2, 2])
        if down_z < 0.5:
            return False
        height = P_.start + 2
        if vehicle:
            self.p = self.p.copy()
            self.p[2] = self.ground_z - range_m * down_z
            reset, source = height, GZ
        else:
            self.ground_z = float(self.p[2]) + range_m * down_z
            reset, source = GZ, height
        self._take_states([(reset, source)])
        self.P[reset, reset] += self.cfg.altimeter_std_m ** 2
        return True

    def _take_states(self, pairs: list[tuple[int, int]]) -> None:
        """Error states set to others' (`(to, from)` index pairs): each takes its source's uncertainty and
        correlations, fully correlated with it, and forgets its own (a clone, P = J P J^T)."""
        J = np.eye(N)
        for to, source in pairs:
            J[to, to] = 0.0
            J[to, source] = 1.0
        self.P = J @ self.P @ J.T

    def new_base(self, pose: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """The current frame becomes the base: clone the pose and the ground under it (and their uncertainty)
        into the base slots. `pose`: the estimated pose at the frame's own time, when the frame is fused late."""
        self.flush_covariance()
        self.p_b, self.R_b = (self.p.copy(), self.R.copy()) if pose is None else (pose[0].copy(), pose[1].copy())
        self.ground_z_b = self.ground_z
        self._take_states([*zip(range(PB.start, PB.stop), range(P_.start, P_.stop)),
                           *zip(range(THB.start, THB.stop), range(TH.start, TH.stop)), (GZB, GZ)])
        self.P[SL, SL] += np.eye(2) * self.cfg.slope_walk ** 2

    def _predict_features(self, base_n: np.ndarray, pose: tuple) -> np.ndarray:
        """Normalized current-frame coordinates of base features seen from `pose` (the frame's estimated
        pose), for each error-state offset of `_OFFSETS` (none, then each of dp, dtheta, dp_base,
        dtheta_base, base ground z, slope moved by `_EPS`): (16, features, 2), in one numpy pass."""
        x = _OFFSETS
        p = pose[0] + x[:, 0:3]
        R_c = pose[1] @ _TURNS[0] @ self.R_bc  # camera to world, current frame
        R_cb = self.R_b @ _TURNS[1] @ self.R_bc  # ... base frame
        p_b = self.p_b + x[:, 6:9]
        rays_w = np.einsum("nj,kij->kni", np.column_stack([base_n, np.ones(len(base_n))]), R_cb)
        slope = self.slope + x[:, 13:15]
        down = rays_w[..., 2] - np.einsum("kni,ki->kn", rays_w[..., :2], slope)  # towards the sloping plane
        s = (self.ground_z_b + x[:, 12:13] - p_b[:, 2:3]) / down
        ground = p_b[:, None, :] + rays_w * s[..., None]
        cam = np.einsum("kni,kij->knj", ground - p[:, None, :], R_c)
        return cam[..., :2] / cam[..., 2:3]

    def update_features(self, base_n: np.ndarray, cur_n: np.ndarray,
                        pose: tuple[np.ndarray, np.ndarray] | None = None) -> bool:
        """Tracked inliers: base-frame and current-frame normalized coordinates of the same features.
        `pose`: the estimated pose at the frame's time when it is fused late; its error is taken to be the
        current one (the interval is a few milliseconds)."""
        pose = (self.p, self.R) if pose is None else pose
        if len(base_n) < 6 or (self.ground_z_b - self.p_b[2]) < 0.5:
            return False
        inliers = len(base_n)
        if inliers > self.cfg.max_features:
            pick = np.linspace(0, len(base_n) - 1, self.cfg.max_features).astype(int)
            base_n, cur_n = base_n[pick], cur_n[pick]
        predictions = self._predict_features(base_n, pose)
        predicted = predictions[0]
        J = ((predictions[1:] - predicted) / _EPS).reshape(15, -1).T  # numeric Jacobian: one column per offset
        H = np.zeros((J.shape[0], N))
        H[:, P_], H[:, TH], H[:, PB], H[:, THB], H[:, GZB] = J[:, 0:3], J[:, 3:6], J[:, 6:9], J[:, 9:12], J[:, 12]
        if inliers >= self.cfg.slope_min_inliers:
            H[:, SL] = J[:, 13:15]
        residual = (cur_n - predicted).ravel()
        std = self.cfg.feature_std_px / self.cfg.focal_px
        return self._correct(residual, H, std * std, gate=9.0)

    # --- output ---------------------------------------------------------------------------------------
    def covariance_diag(self) -> np.ndarray:
        self.flush_covariance()
        return np.diag(self.P).copy()
