"""Flying an IMU dropout on the rate model: the attitude loop keeps damping a turn it can no longer measure."""
from __future__ import annotations

import math

import numpy as np

from fsw.bus.messages import ActuatorCommand, ImuSample
from fsw.control.coast import RateModel
from fsw.control.controller import ControlConfig, Controller, Setpoint
from fsw.rotation import rotvec_to_matrix

DT = 0.002
HOVER = Setpoint(np.zeros(3), np.zeros(3), np.zeros(3), 0.0)


def _tilt_deg(R: np.ndarray) -> float:
    return math.degrees(math.acos(max(-1.0, min(1.0, R[2, 2]))))


def fly_dropout(kick_radps: tuple[float, float, float], dropout_s: float, on_model: bool) -> float:
    """A rigid body with lagging rotors and rotor damping the model does not know, kicked into a turn by a
    gust just before the IMU drops out (one sample sees it); the largest tilt over the dropout and a second
    after."""
    cfg = ControlConfig()
    ctl, model = Controller(cfg), RateModel(cfg)
    J, damping = np.array(cfg.inertia_kgm2), np.array([0.02, 0.02, 0.01])
    R, w, torque = np.eye(3), np.zeros(3), np.zeros(3)
    R_est, worst = np.eye(3), 0.0
    steps_before, steps_out = 100, round(dropout_s / DT)
    for k in range(steps_before + steps_out + 500):
        t_ns = (k + 1) * 2_000_000
        if k == steps_before - 1:
            w = w + np.array(kick_radps)
        dropped = steps_before <= k < steps_before + steps_out
        if not dropped:
            sample = ImuSample(t_ns, tuple(w), (0.0, 0.0, -3.71), 20.0)
            model.observe(sample)
        elif on_model:
            sample = model.predict(t_ns)
        else:
            sample = None  # the old way: no torque while the IMU is out
        if sample is not None:
            gyro = np.array(sample.gyro_radps)
            R_est = R_est @ rotvec_to_matrix(gyro * DT)
            thrust, cmd = ctl.update(np.zeros(3), np.zeros(3), R_est, gyro, HOVER, DT)
        else:
            thrust, cmd = 6.68, (0.0, 0.0, 0.0)
        model.commanded(ActuatorCommand(t_ns, True, thrust, cmd))
        torque += (np.array(cmd) - torque) * (1 - math.exp(-DT / 0.02))
        w = w + DT * (torque - damping * w - np.cross(w, J * w)) / J
        R = R @ rotvec_to_matrix(w * DT)
        worst = max(worst, _tilt_deg(R))
    return worst


def test_the_model_holds_a_kicked_vehicle_level_through_a_second_without_the_imu() -> None:
    kick = (0.6, -0.4, 0.2)
    on_model = fly_dropout(kick, 1.0, on_model=True)
    no_torque = fly_dropout(kick, 1.0, on_model=False)
    assert on_model < 6.0, on_model
    assert no_torque > 25.0, no_torque  # what the old coasting did: the turn runs on


def test_prediction_follows_the_torque_commanded_through_the_rotor_lag() -> None:
    cfg = ControlConfig()
    m = RateModel(cfg, torque_lag_s=0.02)
    m.observe(ImuSample(0, (0.1, 0.0, 0.0), (0.0, 0.0, -3.71), 20.0))
    assert m.predict(2_000_000).gyro_radps == (0.1, 0.0, 0.0)  # no torque commanded: the rate holds
    m.commanded(ActuatorCommand(2_000_000, True, 6.68, (0.35, 0.0, 0.0)))
    for k in range(2, 252):  # 0.5 s, many lags long: 0.35 N m / 0.035 kg m^2 = 10 rad/s^2
        s = m.predict(k * 2_000_000)
    assert abs(s.gyro_radps[0] - (0.1 + 10.0 * 0.5 - 10.0 * 0.02)) < 0.05
    assert abs(s.accel_mps2[2] + 6.68 / 1.8) < 0.01  # the thrust commanded, as specific force
    disarmed = RateModel(cfg)
    disarmed.observe(ImuSample(0, (0.0, 0.0, 0.0), (0.0, 0.0, -3.71), 20.0))
    disarmed.commanded(ActuatorCommand(0, False, 6.68, (0.5, 0.5, 0.5)))
    assert disarmed.predict(100_000_000).gyro_radps == (0.0, 0.0, 0.0)
