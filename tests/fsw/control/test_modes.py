"""The mode commander: the nominal sequence, refusals with reasons, LAND_NOW from the air only."""
from __future__ import annotations

import pytest

from fsw.control.modes import Mode, ModeCommander, ModeRefused, PreflightFacts

GOOD = PreflightFacts(nav_ready=True, imu_alive=True, altimeter_alive=True, level_deg=1.0, plan_valid=True)


def flying() -> ModeCommander:
    mc = ModeCommander()
    mc.preflight(1)
    mc.arm(2, GOOD)
    for t, mode in enumerate((Mode.SPIN_UP, Mode.TAKEOFF, Mode.FLY), start=3):
        mc.step(t, mode, "plan")
    return mc


def test_a_whole_flight_in_order() -> None:
    mc = flying()
    mc.step(10, Mode.LAND, "plan done")
    mc.step(11, Mode.LANDED, "touchdown")
    mc.disarm(12)
    assert [tr.new for tr in mc.history] == [Mode.PREFLIGHT, Mode.ARMED, Mode.SPIN_UP, Mode.TAKEOFF, Mode.FLY,
                                               Mode.LAND, Mode.LANDED, Mode.DISARMED]
    assert mc.history[1].reason == "preflight passed"


def test_arming_is_refused_with_every_reason() -> None:
    mc = ModeCommander()
    with pytest.raises(ModeRefused, match="arming needs PREFLIGHT, not IDLE"):
        mc.arm(0, GOOD)
    mc.preflight(1)
    bad = PreflightFacts(nav_ready=False, imu_alive=True, altimeter_alive=False, level_deg=7.5, plan_valid=False,
                         plan_problem="waypoint 3 above 25 m")
    with pytest.raises(ModeRefused) as err:
        mc.arm(2, bad)
    assert str(err.value) == ("arming refused: altimeter silent; nav not ready; not level: 7.5 deg > 5.0 deg; "
                              "plan invalid: waypoint 3 above 25 m")
    assert mc.mode is Mode.PREFLIGHT


def test_out_of_order_steps_are_refused() -> None:
    mc = ModeCommander()
    with pytest.raises(ModeRefused, match="TAKEOFF does not follow IDLE"):
        mc.step(0, Mode.TAKEOFF, "eager")
    with pytest.raises(ModeRefused, match="FLY does not follow ARMED"):
        m = ModeCommander()
        m.preflight(0)
        m.arm(1, GOOD)
        m.step(2, Mode.FLY, "skip")


def test_land_now_only_from_the_air_and_then_land() -> None:
    mc = flying()
    tr = mc.land_now(20, "vision degraded")
    assert (tr.old, tr.new, tr.reason) == (Mode.FLY, Mode.LAND_NOW, "vision degraded")
    with pytest.raises(ModeRefused, match="already"):
        mc.land_now(21, "again")
    with pytest.raises(ModeRefused, match="FLY does not follow LAND_NOW"):
        mc.step(22, Mode.FLY, "resume")
    mc.step(23, Mode.LANDED, "touchdown")
    with pytest.raises(ModeRefused, match="needs the vehicle flying"):
        mc.land_now(24, "late")


def test_no_disarm_in_the_air() -> None:
    mc = flying()
    with pytest.raises(ModeRefused, match="cannot disarm in FLY"):
        mc.disarm(30)
    with pytest.raises(ModeRefused, match="nothing to disarm in IDLE"):
        ModeCommander().disarm(0)


def test_a_takeoff_is_aborted_only_in_takeoff_and_ends_disarmed() -> None:
    mc = flying()  # in FLY: too late to stop the rotors
    with pytest.raises(ModeRefused, match="only in TAKEOFF, not FLY"):
        mc.abort_takeoff(30, "turns against the commands")
    mc = ModeCommander()
    mc.preflight(1)
    mc.arm(2, GOOD)
    mc.step(3, Mode.SPIN_UP, "plan")
    mc.step(4, Mode.TAKEOFF, "plan")
    tr = mc.abort_takeoff(5, "turns against the commands")
    assert (tr.old, tr.new, mc.mode) == (Mode.TAKEOFF, Mode.DISARMED, Mode.DISARMED)
