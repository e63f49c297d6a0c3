"""Guidance from the bundled plans: timing agrees with the plan's figures, motion is smooth, and the
controller flies it around the vehicle's dynamics (true state: control law and guidance alone)."""
from __future__ import annotations


import numpy as np
import pytest

from fsw.control.controller import ControlConfig, Controller
from fsw.control.guidance import Guidance
from fsw.control.plan import load_plan, summarize
from sim_hal.model import mathx as mx
from sim_hal.model.dynamics import Command, Contact, Vehicle
from sim_hal.model.params import load_vehicle

P = load_vehicle()
CG = P.body.feet_below_cg_m
START = np.array([0.0, 0.0, -CG])


@pytest.mark.parametrize("name", ["flight1", "flight6", "flight51", "flight72"])
def test_guidance_takes_the_plans_time_and_ends_at_the_last_waypoint(name: str) -> None:
    plan = load_plan(name)
    g = Guidance(plan, START, 0.0, CG)
    s = summarize(plan)
    descent = plan.takeoff_altitude_m if not plan.waypoints else plan.waypoints[-1].altitude_m
    descent_time = s.duration_s - g.descent_start_s
    assert descent_time == pytest.approx(descent / plan.limits.descent_mps + plan.limits.descent_mps
                                         / plan.limits.max_accel_mps2, abs=0.01)
    sp, seg = g.setpoint(g.descent_start_s - 1e-6)
    if plan.waypoints:
        w = plan.waypoints[-1]
        assert sp.pos_m == pytest.approx([w.north_m, w.east_m, -CG - w.altitude_m], abs=1e-6)


def test_setpoints_move_smoothly() -> None:
    g = Guidance(load_plan("flight51"), START, 0.0, CG)
    ts = np.arange(0.0, g.descent_start_s, 0.01)
    vel = np.array([g.setpoint(t)[0].vel_mps for t in ts])
    acc = np.array([g.setpoint(t)[0].acc_mps2 for t in ts])
    assert np.abs(np.diff(vel, axis=0)).max() < 0.8 * 0.01 * 1.01  # never more than the acceleration limit
    assert np.linalg.norm(vel, axis=1).max() == pytest.approx(4.0, abs=1e-6)
    assert np.abs(acc).max() <= 0.8 + 1e-9


def test_the_controller_flies_flight1_and_lands_gently() -> None:
    plan = load_plan("flight1")
    g = Guidance(plan, START, 0.0, CG)
    v = Vehicle(P, lambda n, e: 0.0, lambda n, e: (0.0, 0.0, -1.0))
    v.state.rotor_rpm = P.rotor.nominal_speed_rpm
    ctl = Controller(ControlConfig())
    dt, t, top = 0.002, 0.0, 0.0
    while t < 60.0:
        s = v.state
        sp, seg = g.setpoint(t)
        thrust, torque = ctl.update(np.array(s.pos_m), np.array(s.vel_mps), np.array(mx.matrix(s.q)),
                                    np.array(s.omega_radps), sp, dt)
        landed = seg.kind == "descend" and s.contact is Contact.LANDED
        v.step(Command(not landed, thrust, torque), (0.0, 0.0, 0.0), dt, int(t * 1e9))
        top = max(top, -s.pos_m[2] - CG)
        t += dt
        if landed:
            break
    assert top == pytest.approx(3.0, abs=0.1)
    assert t == pytest.approx(summarize(plan).duration_s, abs=2.0)
    td = v.state.touchdowns[-1]
    assert not td.tipped and td.vertical_mps < 1.2 and td.horizontal_mps < 0.1


def test_moves_of_a_plan_with_a_tilt_limit_carry_it_with_the_margin_and_only_moves() -> None:
    from fsw.control.guidance import LEG_TILT_MARGIN_DEG

    g = Guidance(load_plan("flight6"), START, 0.0, CG)
    limits = {seg.kind: g.setpoint(seg.t0_s + seg.duration_s / 2)[0].max_tilt_deg
              for seg in g.segments if np.isfinite(seg.duration_s) and seg.duration_s > 0}
    assert limits["leg"] == limits["climb"] == pytest.approx(4.0 + LEG_TILT_MARGIN_DEG)
    assert all(v == 0.0 for k, v in limits.items() if k not in ("leg", "climb"))  # holds, turns: its own
    free = Guidance(load_plan("flight51"), START, 0.0, CG)  # no tilt limit in the plan
    assert all(free.setpoint(s.t0_s + s.duration_s / 2)[0].max_tilt_deg == 0.0
               for s in free.segments if np.isfinite(s.duration_s))
