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

from fsw.rotation import cross


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


def _clamp(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def attitude_for_thrust(force_w, yaw_rad: float) -> tuple[tuple[float, float, float], ...]:
    """Rotation whose body -z axis points along `force_w` (the wanted thrust), heading `yaw_rad`, as its
    three columns (x, y, z body axes in the world)."""
    f0, f1, f2 = force_w
    n = math.sqrt(f0 * f0 + f1 * f1 + f2 * f2)
    z = (-f0 / n, -f1 / n, -f2 / n)
    y = cross(z, (math.cos(yaw_rad), math.sin(yaw_rad), 0.0))
    n = math.sqrt(y[0] * y[0] + y[1] * y[1] + y[2] * y[2])
    y = (y[0] / n, y[1] / n, y[2] / n) if n > 1e-9 else (0.0, 1.0, 0.0)
    return cross(y, z), y, z


class Controller:
    """The 500 Hz loop in plain floats: numpy's cost per call is most of the time for a handful of numbers,
    and this loop lies on every lockstep step's critical path (docs/performance.md)."""

    def __init__(self, cfg: ControlConfig) -> None:
        self.cfg = cfg
        self.J = tuple(float(j) for j in cfg.inertia_kgm2)
        w, yw = cfg.att_freq_radps, cfg.yaw_freq_radps
        self._kR = (w * w, w * w, yw * yw)
        self._kW = (2 * cfg.damping * w, 2 * cfg.damping * w, 2 * cfg.damping * yw)
        self.integral = [0.0, 0.0, 0.0]

    def reset(self) -> None:
        self.integral = [0.0, 0.0, 0.0]

    def _acceleration(self, p, v, sp: Setpoint, dt: float) -> list[float]:
        c = self.cfg
        pos, vel, acc = sp.pos_m, sp.vel_mps, sp.acc_mps2
        v_sp = [float(vel[i]) + c.pos_gain * (float(pos[i]) - p[i]) for i in range(3)]
        h = math.hypot(v_sp[0], v_sp[1])
        if h > c.max_speed_mps:
            v_sp[0] *= c.max_speed_mps / h
            v_sp[1] *= c.max_speed_mps / h
        v_sp[2] = _clamp(v_sp[2], -c.max_vertical_speed_mps, c.max_vertical_speed_mps)
        err = [v_sp[i] - v[i] for i in range(3)]
        lim = c.max_integral_mps2
        self.integral = [_clamp(self.integral[i] + c.vel_integral_gain * err[i] * dt, -lim, lim) for i in range(3)]
        a = [float(acc[i]) + c.vel_gain * err[i] + self.integral[i] for i in range(3)]
        a[0] += c.drag_per_s * float(vel[0])  # lean into the drag the planned speed will meet
        a[1] += c.drag_per_s * float(vel[1])
        a[2] = min(a[2], (1.0 - c.min_thrust_share) * c.gravity_mps2)  # never ask to fall faster than g: the
        # wanted thrust would point down and the attitude for it is upside down
        tilt = min(c.max_tilt_deg, sp.max_tilt_deg) if sp.max_tilt_deg > 0 else c.max_tilt_deg
        limit = c.gravity_mps2 * math.tan(math.radians(tilt))
        h = math.hypot(a[0], a[1])
        if h > limit:
            a[0] *= limit / h
            a[1] *= limit / h
        return a

    def update(self, p, v, R, omega, sp: Setpoint, dt: float) -> tuple[float, tuple[float, float, float]]:
        """Thrust (N) and body torques (N m) for the estimated state `p, v, R` (arrays or sequences) and body
        rates `omega`."""
        c = self.cfg
        p, v = _floats(p), _floats(v)
        a = self._acceleration(p, v, sp, dt)
        m = c.mass_kg
        force = (m * a[0], m * a[1], m * (a[2] - c.gravity_mps2))
        dx, dy, dz = attitude_for_thrust(force, sp.yaw_rad)  # the wanted body axes in the world
        (r00, r01, r02), (r10, r11, r12), (r20, r21, r22) = R.tolist() if isinstance(R, np.ndarray) else R
        thrust = _clamp(-(force[0] * r02 + force[1] * r12 + force[2] * r22), 0.0, c.max_thrust_n)
        # e_R = vee(R_des^T R - R^T R_des) / 2: with M = R_des^T R, vee(M - M^T) / 2
        m12 = dy[0] * r02 + dy[1] * r12 + dy[2] * r22
        m21 = dz[0] * r01 + dz[1] * r11 + dz[2] * r21
        m20 = dz[0] * r00 + dz[1] * r10 + dz[2] * r20
        m02 = dx[0] * r02 + dx[1] * r12 + dx[2] * r22
        m01 = dx[0] * r01 + dx[1] * r11 + dx[2] * r21
        m10 = dy[0] * r00 + dy[1] * r10 + dy[2] * r20
        e_R = (0.5 * (m21 - m12), 0.5 * (m02 - m20), 0.5 * (m10 - m01))
        w = _floats(omega)
        J, kR, kW = self.J, self._kR, self._kW
        gyro = cross(w, (J[0] * w[0], J[1] * w[1], J[2] * w[2]))
        limits = c.max_torque_nm
        return thrust, tuple(_clamp(J[i] * (-kR[i] * e_R[i] - kW[i] * w[i]) + gyro[i], -limits[i], limits[i])
                             for i in range(3))


def _floats(x) -> list[float]:
    return x.tolist() if isinstance(x, np.ndarray) else [float(e) for e in x]
