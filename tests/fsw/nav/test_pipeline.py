"""The navigation pipeline on a simulated hover: frame gaps keep true times (and the Flight 6 bug, when asked
for, does not), low texture raises the flag in time, and the estimate holds."""
from __future__ import annotations

import math

import numpy as np
import pytest

from fsw.bus.messages import ActuatorCommand, NavcamFrame, VisionStatus
from fsw.clock import NS_PER_S
from fsw.config.sensors import load_sensors
from fsw.config.stack import NavConfig
from fsw.nav.pipeline import NavPipeline, Outputs
from sim_hal.worldproc.config import ScriptConfig, WorldConfig
from sim_hal.model.params import load_vehicle
from sim_hal.worldproc.world import World

SENSORS = load_sensors()
HOVER = ScriptConfig([(0.0, 0.0, 0.0, 0.0), (0.5, 0.0, 0.0, 0.0), (4.5, 0.0, 0.0, 6.0), (8.0, 2.0, 0.0, 6.0)])


def record(script: ScriptConfig, steps: int):
    """Every sensor output of a scripted flight over flat textured ground, in time order, with the truth."""
    w = World(WorldConfig(terrain="flat", terrain_extent_m=300.0, seed=2, script=script), load_vehicle(), SENSORS)
    events, truth = [], {}
    for _ in range(steps):
        o = w.step()
        truth[o.t_ns] = w.truth()
        events += [(a.t_ns, 0, a) for a in o.altimeter] + [(f.t_ns, 1, f) for f in o.navcam]
        events += [(i.t_ns, 2, i) for i in o.imu]
    events.sort(key=lambda e: (e[0], e[1]))
    return events, truth


@pytest.fixture(scope="module")
def inputs():
    """A scripted hop's sensor outputs and truth."""
    return record(HOVER, 4000)


def run(events, cfg: NavConfig = NavConfig(), drop: set[int] = frozenset(), blank_after_s: float | None = None):
    p = NavPipeline(cfg, SENSORS, lambda: 0, lambda: 0)
    out = Outputs()
    for t, kind, msg in events:
        if kind == 0:
            p.on_altimeter(msg)
        elif kind == 1:
            if msg.frame_seq in drop:
                continue
            if blank_after_s is not None and t >= blank_after_s * NS_PER_S:
                msg = NavcamFrame(msg.t_ns, msg.frame_seq, msg.exposure_us, np.full_like(msg.pixels, 110))
            p.on_frame(msg, out)
            p.finish_frame(out)
        else:
            p.on_imu(msg, out)
    return p, out


def test_a_dropped_frame_is_a_gap_and_later_frames_keep_their_exposure_times(inputs) -> None:
    events, _ = inputs
    frames = {m.frame_seq: m.t_ns for _, k, m in events if k == 1}
    dropped = sorted(frames)[40]
    p, out = run(events, drop={dropped})
    assert p.counters.frame_gaps == 1
    assert [e for e in out.events if e[0] == "FRAME_GAP" and f"before frame {dropped + 1}" in e[2]]
    assert all(tr.t_ns == frames[tr.frame_seq] for tr in out.tracks)  # every frame at its own time


def test_the_flight6_bug_shifts_every_later_frame_when_asked_for(inputs) -> None:
    events, _ = inputs
    frames = {m.frame_seq: m.t_ns for _, k, m in events if k == 1}
    dropped = sorted(frames)[40]
    _, out = run(events, NavConfig(frame_timestamps="counted"), drop={dropped})
    shifted = [frames[tr.frame_seq] - tr.t_ns for tr in out.tracks if tr.frame_seq > dropped]
    assert shifted and min(shifted) >= 30_000_000  # a whole frame period early, every one of them


def test_low_texture_raises_the_flag_within_half_a_second_and_nav_goes_on(inputs) -> None:
    events, truth = inputs
    p, out = run(events, blank_after_s=6.0)
    flagged = [s for s in out.states if s.vision is VisionStatus.DEGRADED]
    assert flagged, "vision never flagged degraded"
    assert flagged[0].t_ns - 6 * NS_PER_S <= 0.55 * NS_PER_S
    assert [e for e in out.events if e[0] == "VISION_DEGRADED"]
    last = out.states[-1]
    assert last.valid and last.vision is VisionStatus.DEGRADED
    err = np.linalg.norm(np.array(last.pos_m) - truth[last.t_ns].pos_m)
    assert err < 1.0  # two blind seconds on IMU and altimeter


def test_good_texture_tracks_the_truth(inputs) -> None:
    events, truth = inputs
    p, out = run(events)
    errors = [np.linalg.norm(np.array(s.pos_m) - truth[s.t_ns].pos_m) for s in out.states]
    assert max(errors) < 0.5 and p.counters.vision_updates > 150
    assert out.states[-1].vision is VisionStatus.GOOD


def ground_run(script: ScriptConfig, steps: int, inclinometer: bool = False):
    """Nav over a scripted world, told (as control tells it) that the rotors give no thrust."""
    w = World(WorldConfig(terrain="flat", terrain_extent_m=300.0, seed=3, script=script), load_vehicle(), SENSORS)
    p = NavPipeline(NavConfig(), SENSORS, lambda: 0, lambda: 0)
    out = Outputs()
    p.on_actuators(ActuatorCommand(0, False, 0.0, (0.0, 0.0, 0.0)))
    for _ in range(steps):
        o = w.step()
        for a in o.altimeter:
            p.on_altimeter(a)
        for s in o.inclinometer if inclinometer else []:
            p.on_inclinometer(s)
        for i in o.imu:
            p.on_imu(i, out)
    return p, w


def yaw_deg(q) -> float:
    w, x, y, z = q
    return math.degrees(math.atan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z)))


def test_waiting_on_the_ground_the_estimate_holds_still_and_learns_the_gyro_bias() -> None:
    wait = ScriptConfig([(0.0, 0.0, 0.0, 0.0), (100.0, 0.0, 0.0, 0.0)])
    p, w = ground_run(wait, 60 * 500)  # a minute on the legs
    truth = w.truth()
    assert abs(p.est.p[2] - truth.pos_m[2]) < 0.02 and np.linalg.norm(p.est.v) < 0.01
    assert np.hypot(p.est.p[0] - truth.pos_m[0], p.est.p[1] - truth.pos_m[1]) < 0.02
    est_yaw = math.degrees(math.atan2(p.est.R[1, 0], p.est.R[0, 0]))
    assert abs(est_yaw - yaw_deg(truth.q_wxyz)) < 0.5  # without the zero-rate update: several degrees


def test_on_the_legs_the_inclinometer_tells_the_accelerometer_bias_from_a_tilt() -> None:
    """Ten seconds on the legs: with the inclinometer the horizontal accelerometer bias is learnt (and the
    level with it); the accelerometer alone takes its bias for a tilt (b / g: the slope a flight then reads
    into the ground)."""
    wait = ScriptConfig([(0.0, 0.0, 0.0, 0.0), (100.0, 0.0, 0.0, 0.0)])
    levelled, w = ground_run(wait, 10 * 500, inclinometer=True)
    alone, _ = ground_run(wait, 10 * 500)
    true_bias = np.array(w.imu.accel_bias[:2])
    assert np.linalg.norm(true_bias) > 0.01  # seed 3's turn-on bias: a tilt of a quarter of a degree
    assert np.abs(levelled.est.ba[:2] - true_bias).max() < 0.003
    assert np.abs(alone.est.ba[:2] - true_bias).max() > 0.008
    assert abs(levelled.est.R[2, 0]) < 0.001 and abs(levelled.est.R[2, 1]) < 0.001  # level, as the truth


def test_a_vehicle_moved_without_thrust_is_not_held_to_the_ground() -> None:
    lifted = ScriptConfig([(0.0, 0.0, 0.0, 0.0), (1.0, 0.0, 0.0, 0.0), (5.0, 0.0, 0.0, 3.0)])
    p, w = ground_run(lifted, 3 * 500)  # halfway up, 0.3 m above where the laser starts to read
    truth = w.truth()
    assert abs(p.est.p[2] - truth.pos_m[2]) < 0.15


def test_a_frames_estimate_comes_out_before_the_rest_of_its_work(inputs) -> None:
    """A frame fused on arrival (the IMU already past it, as in real time) gives its estimate at once; its
    record (and a new base, if one is due) comes with `finish_frame`, or before anything else is done."""
    events, _ = inputs
    p = NavPipeline(NavConfig(), SENSORS, lambda: 0, lambda: 0)
    held = None
    for t, kind, msg in events:
        if kind == 0:
            p.on_altimeter(msg)
        elif kind == 1:
            held = msg  # delivered after the next IMU sample: late
        else:
            p.on_imu(msg, Outputs())
            if held is not None and held.t_ns >= 3 * NS_PER_S:  # climbing, well above the navcam's 1 m
                out = Outputs()
                p.on_frame(held, out)
                assert [s.frame_seq for s in out.states] == [held.frame_seq] and not out.tracks
                p.finish_frame(out)
                assert [tr.frame_seq for tr in out.tracks] == [held.frame_seq]
                after = Outputs()
                p.on_frame(held, after)  # the same frame again: ...
                p.on_imu(msg, after)  # ... and what follows finishes it before its own work
                assert [tr.frame_seq for tr in after.tracks] == [held.frame_seq]
                return
            elif held is not None:
                p.on_frame(held, Outputs())
                held = None
    pytest.fail("no frame above 1 m")


AIRBORNE = ScriptConfig([(0.0, 0.0, 0.0, 10.0), (3.0, 0.0, 0.0, 10.0), (9.0, 6.0, 0.0, 10.0)])  # hover, then 6 m


def airborne_inputs(steps: int = 4500):
    """A recording that starts hovering 10 m up (a replay's, or a restart's)."""
    return record(AIRBORNE, steps)


def test_a_recording_that_starts_in_the_air_starts_from_its_data() -> None:
    """Started from the data: the height from the first ranges, the velocity learnt from the frames; the
    estimate follows the truth from the first frame on (started as on the ground, it tracked nothing until
    the laser was believed and then sat metres off)."""
    events, truth = airborne_inputs()
    p, out = run(events, NavConfig(start="data"))
    assert [e for e in out.events if e[0] == "NAV_START_IN_AIR"]
    first = next(s for s in out.states if s.t_ns in truth)
    assert -first.pos_m[2] == pytest.approx(10.0 + 0.13, abs=0.1)
    worst = max(abs(s.pos_m[2] - truth[s.t_ns].pos_m[2] - 0.0) for s in out.states if s.t_ns in truth)
    assert worst < 0.2
    last = out.states[-1]
    assert math.dist(last.pos_m[:2], truth[last.t_ns].pos_m[:2]) < 0.1
    assert p.counters.vision_updates > 100


def test_a_laser_refused_for_two_seconds_without_vision_gives_the_height_again() -> None:
    """Started as on the ground under a vehicle hovering 10 m up, with blank frames: every range is refused
    by the gate -- until 100 in a row re-initialise the height from the laser, and say so."""
    events, truth = airborne_inputs(2000)
    p, out = run(events, blank_after_s=0.0)
    said = [e for e in out.events if e[0] == "HEIGHT_REINITIALISED"]
    assert said and "the height is the laser's again" in said[0][2]
    last = out.states[-1]
    assert last.pos_m[2] == pytest.approx(truth[last.t_ns].pos_m[2], abs=0.2)
    assert p.counters.altimeter_rejected >= 100



def test_behind_a_fusion_delay_a_frames_estimate_is_the_state_at_the_frames_time(inputs) -> None:
    """Fused 150 ms behind the newest sample (the lockstep stack), a frame's estimate is the same as fused on
    arrival: the state at the frame's time. Carried on to the newest sample, it was 150 ms of travel off its
    stamp, and control moved its own state by that and back 30 times a second."""
    events, truth = inputs
    frames = {m.t_ns for _, k, m in events if k == 1}

    def at_frames(cfg: NavConfig) -> dict[int, np.ndarray]:
        _, out = run(events, cfg)
        return {s.t_ns: np.array(s.pos_m) for s in out.states if s.t_ns in frames and s.t_ns >= 3 * NS_PER_S}

    on_arrival, delayed = at_frames(NavConfig()), at_frames(NavConfig(fusion_delay_ms=150.0))
    moving = [t for t in delayed if t in on_arrival and np.linalg.norm(truth[t].vel_mps) > 0.5]
    assert len(moving) > 30
    assert max(np.linalg.norm(delayed[t] - on_arrival[t]) for t in moving) < 0.005
