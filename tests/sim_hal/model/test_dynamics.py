"""Vehicle dynamics on flat ground (and a slope)."""
from __future__ import annotations

import math

import pytest

from sim_hal.model import mathx as mx
from sim_hal.model.dynamics import Command, Contact, Vehicle
from sim_hal.model.params import load_vehicle

P = load_vehicle()
DT = 0.002
FLAT = (lambda n, e: 0.0, lambda n, e: (0.0, 0.0, -1.0))
NO_WIND = (0.0, 0.0, 0.0)


def airborne(altitude_m: float, rpm: float = P.rotor.nominal_speed_rpm, thrust_n: float = 0.0) -> Vehicle:
    v = Vehicle(P, *FLAT)
    v.state.pos_m = (0.0, 0.0, -altitude_m - P.body.feet_below_cg_m)
    v.state.contact = Contact.AIRBORNE
    v.state.rotor_rpm = rpm
    v.state.thrust_n = thrust_n
    return v


def fly(v: Vehicle, cmd: Command, seconds: float, wind=NO_WIND) -> None:
    for i in range(round(seconds / DT)):
        v.step(cmd, wind, DT, i * 2_000_000)


def test_hover_thrust_equals_weight_on_mars() -> None:
    weight = P.body.mass_kg * 3.71
    assert P.weight_n == pytest.approx(6.678)
    v = airborne(5.0, thrust_n=weight)
    fly(v, Command(True, weight, (0.0, 0.0, 0.0)), 5.0)
    assert v.state.pos_m[2] == pytest.approx(-5.0 - P.body.feet_below_cg_m, abs=1e-6)
    assert mx.norm(v.state.vel_mps) < 1e-9
    # the accelerometer reads the thrust: -g along body z
    assert v.state.specific_force_mps2 == pytest.approx((0.0, 0.0, -3.71), abs=1e-9)


def test_more_thrust_climbs_at_the_expected_acceleration() -> None:
    v = airborne(5.0, thrust_n=P.weight_n + 1.8)
    fly(v, Command(True, P.weight_n + 1.8, (0.0, 0.0, 0.0)), 1.0)
    assert v.state.vel_mps[2] == pytest.approx(-1.0, rel=0.01)  # 1.8 N / 1.8 kg = 1 m/s^2 up


def test_free_fall_follows_mars_gravity_then_tips_over_at_impact() -> None:
    v = airborne(10.0, rpm=0.0)
    fly(v, Command(False, 0.0, (0.0, 0.0, 0.0)), 1.5)
    assert v.state.pos_m[2] == pytest.approx(-10.0 - P.body.feet_below_cg_m + 0.5 * 3.71 * 1.5 ** 2, abs=0.02)
    assert v.state.vel_mps[2] == pytest.approx(3.71 * 1.5, rel=0.005)
    assert v.state.specific_force_mps2 == pytest.approx((0.0, 0.0, 0.0), abs=0.02)
    fly(v, Command(False, 0.0, (0.0, 0.0, 0.0)), 2.0)
    assert v.state.contact is Contact.TIPPED
    td = v.state.touchdowns[0]
    assert td.tipped and td.vertical_mps == pytest.approx(math.sqrt(2 * 3.71 * 10.0), rel=0.02)


def test_gentle_touchdown_lands_and_records_speeds() -> None:
    v = airborne(0.5, thrust_n=P.weight_n)
    v.state.vel_mps = (0.3, 0.0, 0.5)
    fly(v, Command(True, P.weight_n, (0.0, 0.0, 0.0)), 2.0)
    assert v.state.contact is Contact.LANDED
    td = v.state.touchdowns[0]
    assert not td.tipped
    assert td.vertical_mps == pytest.approx(0.5, abs=0.01) and td.horizontal_mps == pytest.approx(0.3, abs=0.02)


def test_sliding_touchdown_tips_over() -> None:
    v = airborne(0.2, thrust_n=P.weight_n)
    v.state.vel_mps = (1.0, 0.0, 0.5)
    fly(v, Command(True, P.weight_n, (0.0, 0.0, 0.0)), 1.0)
    assert v.state.contact is Contact.TIPPED and math.degrees(mx.tilt(v.state.q)) == pytest.approx(90)


def test_rotor_spins_up_in_its_time_and_only_then_lifts_off() -> None:
    v = Vehicle(P, *FLAT)
    full = Command(True, P.rotor.max_thrust_n, (0.0, 0.0, 0.0))
    fly(v, full, P.rotor.spin_up_s * 0.5)
    assert v.state.rotor_rpm == pytest.approx(P.rotor.nominal_speed_rpm / 2, rel=1e-3)
    # at half speed the rotor gives a quarter of 13 N = 3.25 N, less than the 6.68 N weight: still down
    assert v.state.contact is Contact.LANDED and v.state.thrust_n == pytest.approx(3.25, rel=0.03)  # lags its ramp
    fly(v, full, P.rotor.spin_up_s * 0.5)
    assert v.state.contact is Contact.AIRBORNE and v.state.vel_mps[2] < 0  # climbing


def test_disarmed_rotor_gives_no_thrust() -> None:
    v = Vehicle(P, *FLAT)
    fly(v, Command(False, 10.0, (0.1, 0.0, 0.0)), 2.0)
    assert v.state.rotor_rpm == 0.0 and v.state.thrust_n == 0.0 and v.state.contact is Contact.LANDED


def test_torque_turns_the_vehicle_and_wind_pushes_it() -> None:
    v = airborne(5.0, thrust_n=P.weight_n)
    fly(v, Command(True, P.weight_n, (0.0, 0.0, 0.05)), 1.0)
    assert v.state.omega_radps[2] > 0.5  # yaw rate builds up under a yaw torque
    w = airborne(5.0, thrust_n=P.weight_n)
    fly(w, Command(True, P.weight_n, (0.0, 0.0, 0.0)), 3.0, wind=(5.0, 0.0, 0.0))
    assert w.state.vel_mps[0] > 0.5 and w.state.pos_m[0] > 0.5


def test_coming_to_rest_on_a_steep_slope_tips_over() -> None:
    steep = (lambda n, e: 0.0, lambda n, e: (math.sin(math.radians(35)), 0.0, -math.cos(math.radians(35))))
    v = Vehicle(P, *steep)
    v.state.pos_m = (0.0, 0.0, -0.2 - P.body.feet_below_cg_m)
    v.state.contact = Contact.AIRBORNE
    v.state.vel_mps = (0.0, 0.0, 0.3)
    fly(v, Command(False, 0.0, (0.0, 0.0, 0.0)), 1.0)
    assert v.state.contact is Contact.TIPPED and v.state.touchdowns[0].slope_deg == pytest.approx(35)
