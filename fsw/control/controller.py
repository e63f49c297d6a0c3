"""The flight controller (pure): position -> velocity -> acceleration -> thrust and attitude -> body torques,
run at every IMU sample on the navigation estimate (never on truth).

The attitude loop is the geometric controller of Lee, Leok and McClamroch (SO(3) error, no singularities); the
outer loops are proportional (position) and proportional-integral (velocity) with speed, acceleration and tilt
limits, and a floor under the thrust (a sink faster than gravity cannot be flown). Vehicle numbers (mass,
inertia, torque limits, gravity) come from the control config.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from fsw.rotation import cross3


@dataclass(frozen=True)
class ControlConfig:
    mass_kg: float = 1.8
    inertia_kgm2: tuple[float, float, float] = (0.035, 0.035, 0.045)
    gravity_mps2: float = 3.71
    max_thrust_n: float = 12.0
    max_torque_nm: tuple[float, float, float] = (0.5, 0.5, 0.25)
    pos_gain: float = 0.9  # 1/s
    vel_gain: float = 2.2  # 1/s
    vel_integral_gain: float = 0.4  # 1/s^2
    att_freq_radps: float = 9.0  # attitude loop natural frequency
    yaw_freq_radps: float = 3.0
    damping: float = 0.8
    max_speed_mps: float = 10.0
    max_vertical_speed_mps: float = 2.0
    max_tilt_deg: float = 20.0
    max_integral_mps2: float = 0.5
    min_thrust_share: float = 0.3  # of the weight: the fastest sink asked for is (1 - this) g
    drag_per_s: float = 0.05  # rotor drag per unit mass (0.09 N per m/s on 1.8 kg): fed forward with the speed


@dataclass(frozen=True)
class Setpoint:
    pos_m: np.ndarray  # NED
    vel_mps: np.ndarray  # feed-forward
    acc_mps2: np.ndarray  # feed-forward
    yaw_rad: float
    max_tilt_deg: float = 0.0  # a tighter tilt limit while this setpoint holds (0: the controller's own)


def _vee(m: np.ndarray) -> np.ndarray:
    return np.array([m[2, 1], m[0, 2], m[1, 0]])


def attitude_for_thrust(force_w: np.ndarray, yaw_rad: float) -> np.ndarray:
    """Rotation whose body -z axis points along `force_w` (the wanted thrust), heading `yaw_rad`."""
    z = -force_w / np.linalg.norm(force_w)
    heading = np.array([math.cos(yaw_rad), math.sin(yaw_rad), 0.0])
    y = cross3(z, heading)
    n = np.linalg.norm(y)
    y = y / n if n > 1e-9 else np.array([0.0, 1.0, 0.0])
    return np.column_stack([cross3(y, z), y, z])


class Controller:
    def __init__(self, cfg: ControlConfig) -> None:
        self.cfg = cfg
        self.J = np.array(cfg.inertia_kgm2)
        self.integral = np.zeros(3)

    def reset(self) -> None:
        self.integral = np.zeros(3)

    def _acceleration(self, p: np.ndarray, v: np.ndarray, sp: Setpoint, dt: float) -> np.ndarray:
        c = self.cfg
        v_sp = sp.vel_mps + c.pos_gain * (sp.pos_m - p)
        h = np.hypot(v_sp[0], v_sp[1])
        if h > c.max_speed_mps:
            v_sp[:2] *= c.max_speed_mps / h
        v_sp[2] = np.clip(v_sp[2], -c.max_vertical_speed_mps, c.max_vertical_speed_mps)
        err = v_sp - v
        self.integral = np.clip(self.integral + c.vel_integral_gain * err * dt, -c.max_integral_mps2,
                                c.max_integral_mps2)
        a = sp.acc_mps2 + c.vel_gain * err + self.integral
        a[:2] += c.drag_per_s * sp.vel_mps[:2]  # lean into the drag the planned speed will meet
        a[2] = min(a[2], (1.0 - c.min_thrust_share) * c.gravity_mps2)  # never ask to fall faster than g: the
        # wanted thrust would point down and the attitude for it is upside down
        tilt = min(c.max_tilt_deg, sp.max_tilt_deg) if sp.max_tilt_deg > 0 else c.max_tilt_deg
        limit = c.gravity_mps2 * math.tan(math.radians(tilt))
        h = np.hypot(a[0], a[1])
        if h > limit:
            a[:2] *= limit / h
        return a

    def update(self, p: np.ndarray, v: np.ndarray, R: np.ndarray, omega: np.ndarray, sp: Setpoint,
               dt: float) -> tuple[float, tuple[float, float, float]]:
        """Thrust (N) and body torques (N m) for the estimated state `p, v, R` and body rates `omega`."""
        c = self.cfg
        a = self._acceleration(np.asarray(p), np.asarray(v), sp, dt)
        force = c.mass_kg * (a - np.array([0.0, 0.0, c.gravity_mps2]))
        R_des = attitude_for_thrust(force, sp.yaw_rad)
        thrust = float(np.clip(-force @ R[:, 2], 0.0, c.max_thrust_n))
        e_R = 0.5 * _vee(R_des.T @ R - R.T @ R_des)
        w = c.att_freq_radps
        kR = np.array([w * w, w * w, c.yaw_freq_radps ** 2])
        kW = 2 * c.damping * np.array([w, w, c.yaw_freq_radps])
        torque = self.J * (-kR * e_R - kW * np.asarray(omega)) + cross3(omega, self.J * omega)
        limits = np.array(c.max_torque_nm)
        return thrust, tuple(float(x) for x in np.clip(torque, -limits, limits))
