"""Vehicle dynamics (pure): a 6-degree-of-freedom rigid body with a coaxial rotor model, drag, wind and
landing gear.

The actuator command (total thrust and body torques, as the flight-control MCU receives it) goes through a
rotor model: rotor speed spins up and down at a limited rate, the thrust and torque available scale with the
square of rotor speed, and both follow their commands with a first-order lag. Ground contact is kinematic:
the first contact is a touchdown, whose vertical and horizontal speeds are recorded and which tips the vehicle
over when they (or the slope it comes to rest on) exceed the landing gear's limits.
"""
from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from sim_hal.model import mathx as mx
from sim_hal.model.mathx import Quat, Vec
from sim_hal.model.params import VehicleParams

GroundHeight = Callable[[float, float], float]  # (north_m, east_m) -> terrain height above datum, m (up)
GroundNormal = Callable[[float, float], Vec]  # unit normal, world NED (pointing up: negative z)


class Contact(enum.Enum):
    AIRBORNE = "airborne"
    LANDED = "landed"
    TIPPED = "tipped"


@dataclass(frozen=True)
class Touchdown:
    t_ns: int
    vertical_mps: float
    horizontal_mps: float
    slope_deg: float
    tipped: bool


@dataclass(frozen=True)
class Command:
    armed: bool
    thrust_n: float
    torque_nm: Vec


@dataclass
class State:
    pos_m: Vec
    vel_mps: Vec
    q: Quat
    omega_radps: Vec  # body rates
    rotor_rpm: float = 0.0
    thrust_n: float = 0.0
    torque_nm: Vec = (0.0, 0.0, 0.0)
    specific_force_mps2: Vec = (0.0, 0.0, 0.0)  # body frame: what an accelerometer at the CG reads
    contact: Contact = Contact.LANDED
    shock_mps2: Vec = (0.0, 0.0, 0.0)  # the landing's deceleration, felt over the next shock_steps steps
    shock_steps: int = 0
    touchdowns: list[Touchdown] = field(default_factory=list)


def _lag(current: float, target: float, dt: float, tau: float) -> float:
    return current + (target - current) * (1.0 - math.exp(-dt / tau))


def _clamp(v: float, lo: float, hi: float) -> float:
    return lo if v < lo else hi if v > hi else v


class Vehicle:
    def __init__(self, params: VehicleParams, ground: GroundHeight, normal: GroundNormal,
                 north_m: float = 0.0, east_m: float = 0.0, yaw_rad: float = 0.0) -> None:
        self.p = params
        self.ground = ground
        self.normal = normal
        z = -ground(north_m, east_m) - params.body.feet_below_cg_m
        g = params.environment.gravity_mps2
        self.state = State((north_m, east_m, z), (0.0, 0.0, 0.0), mx.q_from_euler(0.0, 0.0, yaw_rad),
                           (0.0, 0.0, 0.0), specific_force_mps2=mx.rotate_inv(mx.q_from_euler(0, 0, yaw_rad),
                                                                                (0.0, 0.0, -g)))

    # --- rotor ------------------------------------------------------------------------------------
    def _rotor(self, cmd: Command, dt: float) -> float:
        """Advance rotor speed, thrust and torque; return the speed ratio (0..1)."""
        r, s = self.p.rotor, self.state
        rate = r.nominal_speed_rpm / r.spin_up_s * dt
        target = r.nominal_speed_rpm if cmd.armed else 0.0
        s.rotor_rpm = min(s.rotor_rpm + rate, target) if s.rotor_rpm < target else max(s.rotor_rpm - rate, target)
        k = (s.rotor_rpm / r.nominal_speed_rpm) ** 2
        thrust_cmd = _clamp(cmd.thrust_n, 0.0, r.max_thrust_n * k) if cmd.armed else 0.0
        s.thrust_n = min(_lag(s.thrust_n, thrust_cmd, dt, r.thrust_lag_s), r.max_thrust_n * k)
        torque_cmd = tuple(_clamp(c, -m * k, m * k) if cmd.armed else 0.0
                           for c, m in zip(cmd.torque_nm, r.max_torque_nm))
        s.torque_nm = tuple(_lag(c, t, dt, r.torque_lag_s) for c, t in zip(s.torque_nm, torque_cmd))
        return math.sqrt(k)

    # --- forces -----------------------------------------------------------------------------------
    def _air_forces(self, wind: Vec, speed_ratio: float) -> Vec:
        b, s = self.p.body, self.state
        v_air = mx.sub(s.vel_mps, wind)
        speed = mx.norm(v_air)
        body_drag = mx.scale(v_air, -0.5 * self.p.environment.air_density_kgpm3 * b.drag_area_m2 * speed)
        z_b = mx.rotate(s.q, (0.0, 0.0, 1.0))
        in_plane = mx.sub(v_air, mx.scale(z_b, mx.dot(v_air, z_b)))
        rotor_drag = mx.scale(in_plane, -b.rotor_drag_n_per_mps * speed_ratio)
        return mx.add(body_drag, rotor_drag)

    def step(self, cmd: Command, wind_mps: Vec, dt_s: float, t_ns: int) -> None:
        """Advance the vehicle by dt_s seconds under `cmd` and the wind."""
        s = self.state
        ratio = self._rotor(cmd, dt_s)
        if s.contact is Contact.TIPPED:
            return
        m, g = self.p.body.mass_kg, self.p.environment.gravity_mps2
        thrust_w = mx.rotate(s.q, (0.0, 0.0, -s.thrust_n))
        non_grav = mx.add(thrust_w, self._air_forces(wind_mps, ratio))
        if s.contact is Contact.LANDED and non_grav[2] + m * g >= 0.0:
            self._rest_force()  # the ground holds it up
            return
        s.contact = Contact.AIRBORNE
        self._integrate(non_grav, dt_s)
        self._check_ground(t_ns, dt_s)

    def _integrate(self, non_grav: Vec, dt: float) -> None:
        s, b = self.state, self.p.body
        m, g = b.mass_kg, self.p.environment.gravity_mps2
        accel = mx.add(mx.scale(non_grav, 1.0 / m), (0.0, 0.0, g))
        s.vel_mps = mx.add(s.vel_mps, mx.scale(accel, dt))
        s.pos_m = mx.add(s.pos_m, mx.scale(s.vel_mps, dt))
        s.specific_force_mps2 = mx.rotate_inv(s.q, self._with_shock(mx.scale(non_grav, 1.0 / m)))
        inertia, w = b.inertia_kgm2, s.omega_radps
        h = (inertia[0] * w[0], inertia[1] * w[1], inertia[2] * w[2])
        gyro = mx.cross(w, h)
        damping = b.angular_damping_nms_per_rad
        w_dot = tuple((s.torque_nm[i] - gyro[i] - damping[i] * w[i]) / inertia[i] for i in range(3))
        s.omega_radps = mx.add(w, mx.scale(w_dot, dt))
        s.q = mx.q_normalize(mx.q_mul(s.q, mx.q_from_rotvec(mx.scale(s.omega_radps, dt))))

    def _check_ground(self, t_ns: int, dt_s: float) -> None:
        s, feet = self.state, self.p.body.feet_below_cg_m
        ground_z = -self.ground(s.pos_m[0], s.pos_m[1])
        if s.pos_m[2] + feet < ground_z:
            return
        gear = self.p.gear
        vertical = max(s.vel_mps[2], 0.0)
        horizontal = math.hypot(s.vel_mps[0], s.vel_mps[1])
        n = self.normal(s.pos_m[0], s.pos_m[1])
        slope = math.degrees(math.acos(_clamp(-n[2], -1.0, 1.0)))
        tilt = math.degrees(mx.tilt(s.q))
        tipped = (vertical > gear.max_touchdown_vertical_mps or horizontal > gear.max_touchdown_horizontal_mps
                  or slope > gear.max_ground_tilt_deg or tilt > 2 * gear.max_ground_tilt_deg)
        s.touchdowns.append(Touchdown(t_ns, vertical, horizontal, slope, tipped))
        velocity = s.vel_mps
        yaw = mx.q_to_euler(s.q)[2]
        s.pos_m = (s.pos_m[0], s.pos_m[1], ground_z - feet)
        s.vel_mps, s.omega_radps = (0.0, 0.0, 0.0), (0.0, 0.0, 0.0)
        if tipped:
            s.contact = Contact.TIPPED
            s.q = mx.q_from_euler(math.pi / 2, 0.0, yaw)  # on its side
            s.pos_m = (s.pos_m[0], s.pos_m[1], ground_z - 0.3)
        else:
            s.contact = Contact.LANDED
            s.q = mx.q_from_euler(0.0, 0.0, yaw)
        # the accelerometers feel the legs stop the vehicle, over the gear's compression time
        s.shock_steps = max(1, round(gear.compression_s / dt_s))
        s.shock_mps2 = mx.scale(velocity, -1.0 / (s.shock_steps * dt_s))
        self._rest_force()

    def _rest_force(self) -> None:
        """On the ground: the accelerometers read the ground holding the vehicle up (and any landing shock)."""
        s = self.state
        s.specific_force_mps2 = mx.rotate_inv(s.q, self._with_shock((0.0, 0.0, -self.p.environment.gravity_mps2)))

    def _with_shock(self, force: Vec) -> Vec:
        """A world-frame specific force plus what is left of a landing's shock (felt on the ground or, if the
        rotors still carry the vehicle, in the air just after)."""
        s = self.state
        if s.shock_steps <= 0:
            return force
        s.shock_steps -= 1
        return mx.add(force, s.shock_mps2)
