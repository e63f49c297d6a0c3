"""The controller closing the loop around the simulated vehicle's dynamics (given the true state here: this
tests the control law alone, not navigation)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from fsw.control.controller import ControlConfig, Controller, Setpoint
from sim_hal.model import mathx as mx
from sim_hal.model.dynamics import Command, Contact, Vehicle
from sim_hal.model.params import load_vehicle

P = load_vehicle()
DT = 0.002
FLAT = (lambda n, e: 0.0, lambda n, e: (0.0, 0.0, -1.0))


def fly(setpoint_at, seconds: float, wind=(0.0, 0.0, 0.0)) -> tuple[Vehicle, list]:
    v = Vehicle(P, *FLAT)
    v.state.rotor_rpm = P.rotor.nominal_speed_rpm  # spun up
    ctl = Controller(ControlConfig())
    trace = []
    for i in range(round(seconds / DT)):
        s = v.state
        R = np.array(mx.matrix(s.q))
        thrust, torque = ctl.update(np.array(s.pos_m), np.array(s.vel_mps), R, np.array(s.omega_radps),
                                    setpoint_at(i * DT), DT)
        v.step(Command(True, thrust, torque), wind, DT, i * 2_000_000)
        trace.append((i * DT, np.array(s.pos_m), math.degrees(mx.tilt(s.q))))
    return v, trace


def hold(n: float, e: float, alt: float, yaw: float = 0.0):
    sp = Setpoint(np.array([n, e, -alt - P.body.feet_below_cg_m]), np.zeros(3), np.zeros(3), yaw)
    return lambda t: sp


def test_takes_off_and_holds_three_metres() -> None:
    v, trace = fly(hold(0.0, 0.0, 3.0), 12.0)
    assert v.state.contact is Contact.AIRBORNE
    assert -v.state.pos_m[2] - P.body.feet_below_cg_m == pytest.approx(3.0, abs=0.03)
    assert np.hypot(*v.state.pos_m[:2]) < 0.02
    assert max(t for _, _, t in trace) < 5.0


def test_moves_ten_metres_within_the_tilt_limit_and_settles() -> None:
    def sp(t: float) -> Setpoint:
        return hold(0.0, 0.0, 5.0)(t) if t < 8.0 else hold(10.0, 0.0, 5.0)(t)

    v, trace = fly(sp, 25.0)
    assert v.state.pos_m[0] == pytest.approx(10.0, abs=0.05)
    assert max(t for _, _, t in trace) < ControlConfig().max_tilt_deg + 2.0


def test_turns_to_a_heading_and_rejects_steady_wind() -> None:
    v, _ = fly(hold(0.0, 0.0, 4.0, yaw=math.radians(90)), 20.0, wind=(3.0, 0.0, 0.0))
    assert math.degrees(mx.q_to_euler(v.state.q)[2]) == pytest.approx(90.0, abs=1.0)
    assert np.hypot(*v.state.pos_m[:2]) < 0.1  # the integrator holds position against 3 m/s of wind


def test_a_climb_reversed_into_a_descent_by_a_step_stays_level() -> None:
    """The old LAND_NOW asked a 1 m/s climb for a 1 m/s descent at once: the velocity loop wanted a sink
    faster than gravity, a thrust pointing down, and the attitude for it was upside down (16 deg of roll)."""
    def sp(t: float) -> Setpoint:
        if t < 6.0:
            return Setpoint(np.array([0.0, 0.0, -0.13 - t]), np.array([0.0, 0.0, -1.0]), np.zeros(3), 0.0)
        return Setpoint(np.array([0.0, 0.0, -6.13 + (t - 6.0)]), np.array([0.0, 0.0, 1.0]), np.zeros(3), 0.0)

    v, trace = fly(sp, 9.0, wind=(1.0, 0.5, 0.0))  # tilted a little into the wind
    assert max(tilt for t, _, tilt in trace if t > 5.0) < 5.0  # 3.5 deg; 12.9 without the floor
    assert v.state.vel_mps[2] > 0.5  # coming down


def test_a_setpoints_tilt_limit_holds_a_move_to_that_lean() -> None:
    """A step of ten metres would lean the vehicle to the controller's own limit; a setpoint that carries a
    tighter limit (a leg of a plan with one) is flown within it, however far behind the vehicle falls."""
    def sp(t: float) -> Setpoint:
        base = hold(0.0, 0.0, 5.0)(t) if t < 8.0 else hold(10.0, 0.0, 5.0)(t)
        return base if t < 8.0 else Setpoint(base.pos_m, base.vel_mps, base.acc_mps2, base.yaw_rad, 3.0)

    v, trace = fly(sp, 40.0)
    assert max(t for time, _, t in trace if time > 8.5) < 3.3  # the limit, and the attitude loop's overshoot
    assert v.state.pos_m[0] == pytest.approx(10.0, abs=0.1)  # slower, but there
    _, free = fly(lambda t: hold(0.0, 0.0, 5.0)(t) if t < 8.0 else hold(10.0, 0.0, 5.0)(t), 12.0)
    assert max(t for _, _, t in free) > 6.0  # without it, the same step leans far more
