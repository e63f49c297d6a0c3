"""The world, stepped directly: sensors at their rates, the navcam's altitude gate, faults, determinism."""
from __future__ import annotations

import numpy as np
import pytest

from fsw.bus.messages import ActuatorCommand
from fsw.clock import NS_PER_S
from fsw.config.sensors import load_sensors
from sim_hal.worldproc.config import ScriptConfig, WindConfig, WorldConfig
from sim_hal.model.params import load_vehicle
from sim_hal.worldproc.world import World

VEHICLE, SENSORS = load_vehicle(), load_sensors()
HOP = ScriptConfig([(0.0, 0.0, 0.0, 0.0), (4.0, 0.0, 0.0, 5.0), (6.0, 3.0, 0.0, 5.0), (10.0, 3.0, 0.0, 0.0)])


def world(render_process: bool = False, **kw) -> World:
    base = dict(terrain="flat", terrain_extent_m=300.0, script=HOP)
    base.update(kw)
    return World(WorldConfig(**base), VEHICLE, SENSORS, render_process=render_process)


def run(w: World, seconds: float):
    return [w.step() for _ in range(round(seconds * w.cfg.step_hz))]


def test_sensor_rates_and_the_navcam_altitude_gate() -> None:
    w = world()
    out = run(w, 10.0)
    assert sum(len(o.imu) for o in out) == 5000
    assert sum(len(o.altimeter) for o in out) == 500
    assert sum(len(o.inclinometer) for o in out) == 100
    frames = [(o.t_ns, f) for o in out for f in o.navcam]
    # frames only while the feet are above 1 m: the hop spends about 7 of its 10 s there
    assert 180 < len(frames) < 230
    assert [f.frame_seq for _, f in frames] == list(range(1, len(frames) + 1))
    gaps = np.diff([t for t, _ in frames]) / 1e6
    assert np.median(gaps) == pytest.approx(33.3, abs=1.0)


def test_scripted_imu_sees_gravity_and_the_climb() -> None:
    w = world()
    out = run(w, 2.0)
    accel = np.array([o.imu[0].accel_mps2 for o in out])
    # at 1 s into a 4 s quintic climb of 5 m the vertical acceleration is 60*.25*.75*.5*5/16 = 1.76 m/s^2
    assert accel[499, 2] == pytest.approx(-3.71 - 1.758, abs=0.1)
    assert np.abs(accel[:, :2]).max() < 0.2


def test_a_dropped_frame_leaves_a_hole_in_the_frame_sequence() -> None:
    w = world(faults=["navcam.drop@5"])
    seqs = [f.frame_seq for o in run(w, 8.0) for f in o.navcam]
    missing = sorted(set(range(1, seqs[-1] + 1)) - set(seqs))
    assert len(missing) == 1 and w.streams["navcam"].dropped == 1


def test_altimeter_off_fault_silences_it_for_its_window() -> None:
    w = world(faults=["altimeter.off@2:3"])
    times = [a.t_ns / NS_PER_S for o in run(w, 8.0) for a in o.altimeter]
    assert not [t for t in times if 2.0 <= t < 5.0] and len(times) == 400 - 150


def test_same_seed_same_world_other_seed_other_noise() -> None:
    def trace(seed: int):
        out = run(world(seed=seed), 6.0)
        return ([o.imu[0].gyro_radps for o in out], [f.pixels for o in out for f in o.navcam])

    a, b, c = trace(5), trace(5), trace(6)
    assert a[0] == b[0] and all(np.array_equal(x, y) for x, y in zip(a[1], b[1]))
    assert a[0] != c[0]


def test_flying_on_actuators_with_gusts_depends_on_the_seed() -> None:
    def fly(seed: int):
        w = world(seed=seed, script=None, wind=WindConfig(gust_std_mps=1.0, gust_tau_s=1.0))
        w.vehicle.state.rotor_rpm = VEHICLE.rotor.nominal_speed_rpm
        w.apply(ActuatorCommand(0, True, VEHICLE.weight_n * 1.1, (0.0, 0.0, 0.0)))
        run(w, 3.0)
        return w.truth().pos_m

    assert fly(3) == fly(3)
    assert fly(3) != fly(4)
    assert fly(3)[2] < -1.0  # it climbed


def test_in_real_time_frames_are_drawn_ahead_from_the_predicted_pose_and_held_until_their_exposure() -> None:
    """The same frames as drawn at their exposure (lockstep), none out before its exposure. (Predicting the
    pose 10 ms ahead is good to a fraction of a pixel at the tilt rates of flight; this hop's 50 deg tilts in
    a second would show it.)"""
    drawn = {}
    cruise = ScriptConfig([(0.0, 0.0, 0.0, 0.0), (4.0, 0.0, 0.0, 5.0), (14.0, 10.0, 0.0, 5.0)])
    for lockstep in (True, False):
        w = world(render_process=True, lockstep=lockstep, terrain="jezero", render_ahead_ms=10.0, script=cruise)
        try:
            out = run(w, 8.0) + [type("Flush", (), {"t_ns": w.t_ns, "navcam": w.flush_frames()})()]
        finally:
            w.close()
        assert all(o.t_ns >= f.t_ns for o in out for f in o.navcam)
        drawn[lockstep] = {f.frame_seq: f for o in out for f in o.navcam}
    assert len(drawn[True]) > 100 and sorted(drawn[True]) == sorted(drawn[False])
    for seq, f in drawn[True].items():
        ahead = drawn[False][seq]
        assert ahead.t_ns == f.t_ns and ahead.t_ns % w.dt_ns == 0
        assert np.abs(ahead.pixels.astype(int) - f.pixels.astype(int)).mean() < 0.5


@pytest.mark.parametrize("cache", ["fresh", "off"])
def test_a_lockstep_world_takes_its_coarse_map_from_the_renderer_and_draws_the_same_stills(cache, monkeypatch,
                                                                                             tmp_path) -> None:
    """The navcam renderer's process makes the coarse map at its warm-up and hands it over (through the terrain
    cache, or with the cache off as a file of its own); the world's colour stills are drawn on it, exactly as on
    one the world made itself (2 s of CPU over jezero, once a flight, not twice, and not in the middle of the
    step chain)."""
    from fsw.bus.messages import RteRequest

    from sim_hal.model import terrain
    from sim_hal.model.terraincache import CACHE_ENV

    monkeypatch.setenv(CACHE_ENV, str(tmp_path) if cache == "fresh" else "off")
    shared = world(render_process=True, lockstep=True)
    try:
        make_grid = terrain.make_grid
        with monkeypatch.context() as m:  # the world makes no map of its own (its renderer's process may)
            m.setattr(terrain, "make_grid", lambda spec, *a: make_grid(spec, *a) if a[-1]  # detail: a fine tile
                      else pytest.fail("the world made a coarse map"))
            still = shared.capture(RteRequest(0, 1, 320, 240, (0.0, 0.0, 0.0), (0.0, 0.0, 0.0)))
        assert terrain.make_grid is make_grid
        own = world(lockstep=True)
        assert np.array_equal(shared.terrain.coarse.height, own.terrain.coarse.height)
        assert np.array_equal(still.pixels, own.capture(RteRequest(0, 1, 320, 240, (0.0, 0.0, 0.0), (0.0, 0.0, 0.0))).pixels)
    finally:
        shared.close()
