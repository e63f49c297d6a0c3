"""The flight director on its own: the autostart sequence from the ground, one command per IMU sample."""
from __future__ import annotations

from fsw.bus.messages import ImuSample, NavState, VisionStatus
from fsw.config.stack import FlightConfig
from fsw.control.flight import FlightDirector
from fsw.control.modes import Mode
from fsw.control.plan import load_plan

REST = NavState(0, (0.0, 0.0, -0.13), (0.0, 0.0, 0.0), (1.0, 0.0, 0.0, 0.0), (0.01,) * 3, (0.01,) * 3,
                (0.001,) * 3, True, VisionStatus.OFF, 0)


def imu(t_ns: int) -> ImuSample:
    return ImuSample(t_ns, (0.0, 0.0, 0.0), (0.0, 0.0, -3.71), 20.0)


def test_autostart_arms_spins_up_then_takes_off() -> None:
    d = FlightDirector(FlightConfig(plan="flight1", autostart=True, spin_up_s=2.0), load_plan("flight1"))
    d.on_nav(REST)
    commands = [d.cycle(imu(k * 2_000_000)) for k in range(1, 1200)]
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
