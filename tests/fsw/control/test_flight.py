"""The flight director on its own: the autostart sequence from the ground, one command per IMU sample."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from fsw.bus.messages import AltimeterSample, ImuSample, NavState, VisionStatus
from fsw.config.stack import FlightConfig
from fsw.control.flight import FlightDirector
from fsw.control.guidance import ramp
from fsw.control.modes import Mode, ModeRefused
from fsw.control.plan import load_plan
from fsw.typed import FieldError

REST = NavState(0, (0.0, 0.0, -0.13), (0.0, 0.0, 0.0), (1.0, 0.0, 0.0, 0.0), (0.01,) * 3, (0.01,) * 3,
                (0.001,) * 3, True, VisionStatus.OFF, 0, 0.0)


def imu(t_ns: int) -> ImuSample:
    return ImuSample(t_ns, (0.0, 0.0, 0.0), (0.0, 0.0, -3.71), 20.0)


def flying(t_ns: int, **changes) -> NavState:
    fields = {"pos_m": (0.0, 0.0, -3.0), "vision": VisionStatus.GOOD, **changes}
    return replace(REST, t_ns=t_ns, **fields)


def airborne_director(**cfg) -> FlightDirector:
    """A director of flight1 just after takeoff (2 s spin-up), fed a good estimate every cycle."""
    d = FlightDirector(FlightConfig(plan="flight1", autostart=True, spin_up_s=2.0, **cfg), load_plan("flight1"))
    d.on_nav(REST)
    d.on_altimeter(AltimeterSample(0, 0.13, False))  # on the ground: under the altimeter's 0.3 m minimum
    for k in range(1, 1100):
        d.on_nav(replace(REST, t_ns=k * 2_000_000))
        d.cycle(imu(k * 2_000_000))
    assert d.modes.mode is Mode.TAKEOFF
    return d


def fly_on(d: FlightDirector, start_k: int, cycles: int, nav=flying) -> None:
    for k in range(start_k, start_k + cycles):
        if nav is not None:
            d.on_nav(nav(k * 2_000_000))
        d.cycle(imu(k * 2_000_000))


def test_autostart_arms_spins_up_then_takes_off() -> None:
    d = FlightDirector(FlightConfig(plan="flight1", autostart=True, spin_up_s=2.0), load_plan("flight1"))
    d.on_nav(REST)
    d.on_altimeter(AltimeterSample(0, 0.13, False))
    commands = []
    for k in range(1, 1200):
        d.on_nav(replace(REST, t_ns=k * 2_000_000))
        commands.append(d.cycle(imu(k * 2_000_000)))
    modes = [tr.new for tr in d.transitions]
    assert modes == [Mode.PREFLIGHT, Mode.ARMED, Mode.SPIN_UP, Mode.TAKEOFF]
    takeoff_t = d.transitions[-1].t_ns
    assert 2.0e9 <= takeoff_t < 2.1e9  # after the spin-up time
    before = [c for c in commands if c.t_ns < takeoff_t]
    after = [c for c in commands if c.t_ns > takeoff_t]
    assert all(c.armed and c.thrust_n == 0.0 for c in before[5:])
    assert all(c.armed and c.thrust_n > 6.0 for c in after)  # climbing: more than the weight
    assert [c.t_ns for c in commands] == [k * 2_000_000 for k in range(1, 1200)]


def test_without_a_plan_or_autostart_nothing_moves() -> None:
    for cfg, plan in ((FlightConfig(autostart=True), None), (FlightConfig(plan="flight1"), load_plan("flight1"))):
        d = FlightDirector(cfg, plan)
        d.on_nav(REST)
        commands = [d.cycle(imu(k * 2_000_000)) for k in range(1, 100)]
        assert d.modes.mode is Mode.IDLE and not any(c.armed for c in commands)


def test_vision_degraded_too_long_lands_now() -> None:
    d = airborne_director(vision_degraded_land_s=1.0)
    fly_on(d, 1100, 400, lambda t: flying(t, vision=VisionStatus.DEGRADED))  # 0.8 s: not yet
    assert d.modes.mode is Mode.TAKEOFF
    fly_on(d, 1500, 200, lambda t: flying(t, vision=VisionStatus.DEGRADED))
    assert d.modes.mode is Mode.LAND_NOW
    assert "vision degraded for 1.0 s" in d.transitions[-1].reason


def test_vision_recovering_in_time_keeps_flying() -> None:
    d = airborne_director(vision_degraded_land_s=1.0)
    fly_on(d, 1100, 400, lambda t: flying(t, vision=VisionStatus.DEGRADED))
    fly_on(d, 1500, 10)
    fly_on(d, 1510, 400, lambda t: flying(t, vision=VisionStatus.DEGRADED))
    assert d.modes.mode is Mode.TAKEOFF


def test_invalid_nav_lands_now_on_dead_reckoning() -> None:
    d = airborne_director(nav_timeout_ms=200)
    fly_on(d, 1100, 50, lambda t: flying(t, valid=False))  # 100 ms: not yet
    assert d.modes.mode is Mode.TAKEOFF
    fly_on(d, 1150, 100, lambda t: flying(t, valid=False))
    assert d.modes.mode is Mode.LAND_NOW and "no valid nav estimate" in d.transitions[-1].reason
    # the altimeter pulls the dead-reckoned height: it says 2 m, the frozen estimate said 3 m
    for k in range(1250, 1500):
        if k % 10 == 0:
            d.on_altimeter(AltimeterSample(k * 2_000_000, 2.0, True))
        d.cycle(imu(k * 2_000_000))
    assert abs(-d.est.p[2] - 2.0) < 0.5


def test_silent_nav_lands_now() -> None:
    d = airborne_director(nav_timeout_ms=200)
    fly_on(d, 1100, 150, nav=None)
    land_now = [tr for tr in d.transitions if tr.new is Mode.LAND_NOW]
    assert len(land_now) == 1 and land_now[0].reason.startswith("no valid nav estimate for 20")


def test_lost_critical_process_lands_now_but_not_a_non_critical_one() -> None:
    d = airborne_director()
    d.on_process_lost("logger")
    fly_on(d, 1100, 5)
    assert d.modes.mode is Mode.TAKEOFF
    d.on_process_lost("camera")
    fly_on(d, 1105, 5)
    assert d.modes.mode is Mode.LAND_NOW and d.transitions[-1].reason == "critical process lost: camera"


def test_land_now_descends_where_it_is_and_stops_the_rotors_at_touchdown() -> None:
    d = airborne_director()
    d.on_process_lost("nav")
    fly_on(d, 1100, 2)
    assert d.modes.mode is Mode.LAND_NOW
    sp = d._land_now_setpoint(1101 * 2_000_000 + 2_000_000_000)
    assert sp.vel_mps[2] == d.plan.limits.descent_mps and sp.pos_m[2] > -3.0
    fly_on(d, 1102, 100, lambda t: flying(t, pos_m=(0.0, 0.0, -1.0), vel_mps=(0.0, 0.0, 0.0)))
    assert d.modes.mode is Mode.LAND_NOW  # not yet come down: not a touchdown
    fly_on(d, 1202, 100, lambda t: flying(t, pos_m=(0.0, 0.0, -0.8), vel_mps=(0.0, 0.0, 1.0)))
    assert d.modes.mode is Mode.LAND_NOW
    fly_on(d, 1302, 40, lambda t: flying(t, pos_m=(0.0, 0.0, -0.18), vel_mps=(0.0, 0.0, 0.05)))
    assert d.modes.mode is Mode.LAND_NOW  # stopped for less than touchdown_hold_s
    fly_on(d, 1342, 20, lambda t: flying(t, pos_m=(0.0, 0.0, -0.18), vel_mps=(0.0, 0.0, 0.05)))
    assert d.modes.mode is Mode.LANDED
    assert not d.cycle(imu(1400 * 2_000_000)).armed


def ground_director() -> FlightDirector:
    d = FlightDirector(FlightConfig(spin_up_s=2.0), None)
    d.on_nav(REST)
    return d


def test_arm_is_refused_with_every_reason_then_the_ground_flies_an_uploaded_plan() -> None:
    d = ground_director()
    d.cycle(imu(2_000_000))
    try:
        d.arm(2_000_000)
        raise AssertionError("armed without a plan or an altimeter")
    except ModeRefused as exc:
        assert "altimeter silent" in str(exc) and "no valid plan" in str(exc)
    d.load(load_plan("flight1"))
    d.on_altimeter(AltimeterSample(4_000_000, 0.13, False))
    assert d.arm(4_000_000).new is Mode.ARMED
    with pytest.raises(ModeRefused, match="cannot be loaded in ARMED"):
        d.load(load_plan("flight1"))
    assert d.start(6_000_000).new is Mode.SPIN_UP
    fly_on(d, 4, 1100, nav=lambda t: replace(REST, t_ns=t))
    assert d.modes.mode is Mode.TAKEOFF  # spin-up done
    assert d.land_now(2_300_000_000).new is Mode.LAND_NOW
    with pytest.raises(ModeRefused, match="flying"):
        d.disarm(2_400_000_000)


def test_settings_change_on_the_ground_within_their_range_only() -> None:
    d = ground_director()
    d.set_param("yaw_rate_dps", 45.0)
    assert d.cfg.yaw_rate_dps == 45.0
    with pytest.raises(FieldError, match="nav_timeout_ms"):
        d.set_param("nav_timeout_ms", 1.0)
    assert d.cfg.nav_timeout_ms == 500.0


def test_an_imu_out_too_long_lands_now_and_a_glitch_does_not() -> None:
    d = airborne_director(imu_implausible_land_s=0.2)
    for k in range(1100, 1180):  # 0.16 s of implausible samples, then a good one
        d.on_nav(flying(k * 2_000_000))
        d.cycle(imu(k * 2_000_000), plausible=False)
    fly_on(d, 1180, 1)
    assert d.modes.mode is Mode.TAKEOFF
    for k in range(1181, 1300):
        d.on_nav(flying(k * 2_000_000))
        d.cycle(imu(k * 2_000_000), plausible=False)
    assert d.modes.mode is Mode.LAND_NOW and d.transitions[-1].reason.startswith("IMU implausible for 0.2")


def test_an_estimate_for_a_late_frame_does_not_make_navigation_look_stale() -> None:
    """Navigation publishes a late frame's estimate stamped with the frame's exposure, after newer ones."""
    d = airborne_director(nav_timeout_ms=200)
    d.on_nav(flying(1100 * 2_000_000))
    d.on_nav(flying(1000 * 2_000_000))  # 200 ms older
    fly_on(d, 1101, 60, nav=None)  # 120 ms on from the newest
    assert d.modes.mode is Mode.TAKEOFF


def test_land_now_from_a_fast_climbing_flight_brakes_and_turns_down_at_the_acceleration_limit() -> None:
    d = airborne_director()
    moving = lambda t: flying(t, vel_mps=(4.0, 0.0, -1.0))  # noqa: E731
    fly_on(d, 1100, 2, moving)
    d.on_process_lost("nav")
    fly_on(d, 1102, 1, moving)
    t0, accel, descent = 1102 * 2_000_000, d.plan.limits.max_accel_mps2, d.plan.limits.descent_mps
    first = d._land_now_setpoint(t0)
    assert tuple(first.vel_mps) == pytest.approx((4.0, 0.0, -1.0))  # no step from the velocity it had
    assert tuple(first.acc_mps2) == pytest.approx((-accel, 0.0, accel))
    later = d._land_now_setpoint(t0 + round(6e9))  # 4 m/s / 0.8 m/s^2 = 5 s of braking
    assert tuple(later.vel_mps) == pytest.approx((0.0, 0.0, descent))
    assert later.pos_m[0] == pytest.approx(first.pos_m[0] + 4.0 ** 2 / (2 * accel))  # stops 10 m on


def test_ramp_changes_speed_at_the_acceleration_then_holds_it() -> None:
    assert ramp(1.0, -1.0, 1.0, 0.8) == pytest.approx((-0.6, -0.2, 0.8))
    assert ramp(3.5, -1.0, 1.0, 0.8) == pytest.approx((1.0, 1.0, 0.0))  # 2.5 s of ramp covering 0 m, then 1 s
    assert ramp(2.0, 2.0, 2.0, 0.8) == (4.0, 2.0, 0.0)


def test_the_laser_going_quiet_near_the_ground_is_touchdown_whatever_a_drifting_estimate_says() -> None:
    """Dead reckoning after nav was lost: the estimate still sinks at 1 m/s on the ground. The laser read
    0.4 m, then nothing (under its 0.3 m minimum) for half a second: touchdown. One that dies at 2 m is not."""
    for last_range, lands in ((0.4, True), (2.0, False)):
        d = airborne_director()
        d.on_process_lost("nav")
        sinking = lambda t: flying(t, pos_m=(0.0, 0.0, -2.5), vel_mps=(0.0, 0.0, 1.2))  # noqa: E731
        fly_on(d, 1100, 1500, sinking)  # 3 s: the descent setpoint is at its rate
        d.on_altimeter(AltimeterSample(2600 * 2_000_000, last_range, True))
        for k in range(2601, 2601 + 400):
            if k % 10 == 0:
                d.on_altimeter(AltimeterSample(k * 2_000_000, 0.0, False))
            fly_on(d, k, 1, sinking)
        assert (d.modes.mode is Mode.LANDED) is lands, (last_range, d.modes.mode)


def test_a_fast_descent_brakes_to_the_landing_speed_from_where_the_vehicle_is() -> None:
    """A plan may descend at 3 m/s; the legs give way at 2. Near the ground the director brakes the descent
    to land_speed_mps, starting from the vehicle's own height and sink rate (not the setpoint's)."""
    d = airborne_director()
    cfg = d.cfg
    sp = replace(d._airborne(1100 * 2_000_000), pos_m=np.array([0.0, 0.0, -2.0]), vel_mps=np.array([0.0, 0.0, 3.0]),
                 acc_mps2=np.zeros(3))
    high = lambda t: flying(t, pos_m=(0.0, 0.0, -9.0), vel_mps=(0.0, 0.0, 2.5))  # noqa: E731
    fly_on(d, 1100, 1, high)
    assert d._slow_near_ground(sp, 1101 * 2_000_000) is sp  # 8.9 m up: braking from 3 m/s needs 4 m + 1 m spare
    low = lambda t: flying(t, pos_m=(0.0, 0.0, -4.5), vel_mps=(0.0, 0.0, 2.5))  # noqa: E731
    fly_on(d, 1101, 1, low)
    t0 = 1102 * 2_000_000
    first = d._slow_near_ground(sp, t0)
    assert first.pos_m[2] == pytest.approx(d.est.p[2]) and first.vel_mps[2] == pytest.approx(d.est.v[2])
    assert first.acc_mps2[2] == pytest.approx(-cfg.land_brake_mps2)
    later = d._slow_near_ground(sp, t0 + round(3e9))  # (2.5 - 1.0) / 1.0 = 1.5 s of braking, then held
    assert later.vel_mps[2] == pytest.approx(cfg.land_speed_mps) and later.acc_mps2[2] == 0.0
    slow = replace(sp, vel_mps=np.array([0.0, 0.0, 0.8]))
    assert FlightDirector(cfg, d.plan)._slow_near_ground(slow, t0) is slow  # slower than the landing speed: as is


@pytest.mark.parametrize("accel, range_m, reason", [
    ((0.0, 0.0, 3.71), None, "IMU disagrees with gravity: reads (0.00, 0.00, 3.71) m/s^2 at rest, 180 deg"),
    ((0.0, 3.71, 0.0), None, "90 deg from the expected"),  # an axis of a chip mounted otherwise than configured
    ((0.0, 0.0, -37.1), None, "reads 37.10 m/s^2 at rest, not 3.71"),  # a scale 10x off
    ((0.0, 0.0, -3.71), 1.3, "altimeter reads 1.30 m on the ground"),  # centimetres read as decimetres
])
def test_preflight_refuses_sensors_that_disagree_with_the_ground_and_says_why_once(accel, range_m, reason) -> None:
    d = FlightDirector(FlightConfig(plan="flight1", autostart=True, spin_up_s=2.0), load_plan("flight1"))
    d.on_nav(REST)
    d.on_altimeter(AltimeterSample(0, range_m or 0.13, range_m is not None))
    for k in range(1, 400):
        d.on_nav(replace(REST, t_ns=k * 2_000_000))
        d.cycle(ImuSample(k * 2_000_000, (0.0, 0.0, 0.0), accel, 20.0))
    assert d.modes.mode is Mode.PREFLIGHT  # never armed
    assert len(d.preflight_failures) == 1 and reason in d.preflight_failures[0]  # said once, not every cycle


def test_in_cruise_ground_closer_than_the_clearance_is_climbed_over_and_said_once() -> None:
    """The plan holds 3 m above the takeoff point and the laser reads 0.8 m (ground risen under the vehicle, or
    a height estimate gone wrong): the cruise setpoint is lifted to keep min(2 m, half the planned 3 m) = 1.5 m
    over the ground the laser sees, and TERRAIN_CLEARANCE said once; the laser reading 3 m again, the plan's
    setpoint rules."""
    d = airborne_director()
    k = 1100
    while d.modes.mode is not Mode.FLY and k < 5000:
        fly_on(d, k, 10)
        k += 10
    assert d.modes.mode is Mode.FLY

    def ranges(start: int, cycles: int, range_m: float) -> None:
        for j in range(start, start + cycles):
            if j % 10 == 0:  # 50 Hz
                d.on_altimeter(AltimeterSample(j * 2_000_000, range_m, True))
            fly_on(d, j, 1)

    plan_z = float(d._airborne(k * 2_000_000).pos_m[2])  # 3 m up (the legs' height above the IMU's included)
    clearance = min(2.0, -plan_z / 2)
    ranges(k, 200, 0.8)
    lifted = d._airborne((k + 200) * 2_000_000)
    assert lifted.pos_m[2] == pytest.approx(-3.0 + 0.8 - clearance) and lifted.vel_mps[2] == 0.0  # nav: 3.0 m up
    assert [n for n, _ in d.notices] == ["TERRAIN_CLEARANCE"] and "0.80 m" in d.notices[0][1]
    ranges(k + 200, 400, 3.0)
    assert d._airborne((k + 600) * 2_000_000).pos_m[2] == pytest.approx(plan_z)
    assert len(d.notices) == 1
    off = airborne_director(min_clearance_m=0.0)
    fly_on(off, 1100, 3000)
    off.on_altimeter(AltimeterSample(4100 * 2_000_000, 0.8, True))
    assert off._airborne(4101 * 2_000_000).pos_m[2] == pytest.approx(plan_z) and not off.notices
