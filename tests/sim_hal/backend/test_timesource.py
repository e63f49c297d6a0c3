"""A flight process on the sim backend's time source: the world's time drives its flight clock, and a lockstep
participant says what it has taken in -- without the flight code knowing either."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import zmq

from fsw.bus import messages as m
from fsw.bus.topology import Topology
from fsw.bus.transport import Publisher, Subscription
from fsw.clock import MonotonicClock
from fsw.nav.process import NavProcess
from fsw.runtime.commands import default_dictionary
from fsw.runtime.node import ProcessContext
from hal.backend import BackendContext, NullBackend
from sim_hal.backend.messages import ClockTick
from sim_hal.backend.timesource import SimClock, SimTimeSource
from sim_hal.backend.topics import sim_registry
from tests.conftest import wait_until


def _nav(tmp_path: Path, run_dir: str) -> tuple[NavProcess, SimTimeSource, Topology]:
    topo_file = tmp_path / "topology.toml"
    topo_file.write_text('transport = "ipc"\n[processes.world]\n[processes.nav]\n[processes.control]\n'
                         '[processes.camera]\n')
    topology = Topology.load(topo_file, sim_registry(), run_dir)
    source = SimTimeSource("nav")
    node = NavProcess(ProcessContext("nav", topology, source.clock, MonotonicClock(), default_dictionary(),
                                     backend=NullBackend(BackendContext("")), time_source=source))
    return node, source, topology


def test_clock_ticks_and_imu_samples_drive_the_flight_clock(tmp_path: Path, run_dir: str) -> None:
    node, source, topology = _nav(tmp_path, run_dir)
    ctx = zmq.Context()
    world = Publisher(ctx, topology.registry["sim.clock"], topology.endpoint("world", "sim.clock"), "world")
    control = Publisher(ctx, topology.registry["imu"], topology.endpoint("control", "imu"), "control")
    world.open()
    control.open()
    node.open()
    try:
        wait_until(lambda: world.poll_subscriptions() >= 1 and control.poll_subscriptions() >= 1, 5.0,
                   lambda: node.spin_once(10), what="handshake")
        for step in range(1, 4):
            world.publish(ClockTick(step * 2_000_000, step))
        wait_until(lambda: source.clock.ticks == 3, 5.0, lambda: node.spin_once(10), what="ticks")
        assert source.clock.now_ns() == 6_000_000
        control.publish(m.ImuSample(8_000_000, (0.0, 0.0, 0.0), (0.0, 0.0, -3.71), 20.0))
        wait_until(lambda: source.clock.now_ns() == 8_000_000, 5.0, lambda: node.spin_once(10), what="IMU time")
        world.publish(ClockTick(4_000_000, 2))  # an older time from the other stream: the clock never goes back
        wait_until(lambda: source.clock.ticks == 5, 5.0, lambda: node.spin_once(10), what="late tick")
        assert source.clock.now_ns() == 8_000_000
    finally:
        node.close()
        world.close()
        control.close()
        ctx.term()


def test_navigation_says_which_frames_it_holds(tmp_path: Path, run_dir: str) -> None:
    node, _, topology = _nav(tmp_path, run_dir)
    ctx = zmq.Context()
    camera = Publisher(ctx, topology.registry["navcam"], topology.endpoint("camera", "navcam"), "camera")
    camera.open()
    node.open()
    progress = Subscription(ctx, topology.registry["sim.progress"], [topology.endpoint("nav", "sim.progress")],
                            MonotonicClock())
    progress.open()
    try:
        wait_until(lambda: camera.poll_subscriptions() >= 1, 5.0, lambda: node.spin_once(10), what="handshake")
        got: list = []
        for seq in (1, 2):
            camera.publish(m.NavcamFrame(seq * 33_000_000, seq, 250.0, np.zeros((480, 640), np.uint8)))
            wait_until(lambda: len(got) >= seq, 5.0,
                       lambda: (node.spin_once(10), got.extend(r.msg for r in progress.drain())), what="progress")
        said = list(dict.fromkeys((p.process, p.topic, p.last_t_ns) for p in got))  # repeats say nothing new
        assert said == [("nav", "navcam", 33_000_000), ("nav", "navcam", 66_000_000)]
    finally:
        progress.close()
        node.close()
        camera.close()
        ctx.term()


def test_in_real_time_the_clock_runs_on_between_rare_ticks_never_past_the_next_nor_back() -> None:
    wall = [1_000]
    clock = SimClock(wall_ns=lambda: wall[0])
    clock.on_clock(ClockTick(100_000_000, 50))  # lockstep: the tick's time until the next
    wall[0] += 30_000_000
    assert clock.now_ns() == 100_000_000
    clock.on_clock(ClockTick(200_000_000, 100, 2.0, 100_000_000))  # real time x2, a tick every 100 ms
    wall[0] += 20_000_000
    assert clock.now_ns() == 240_000_000  # 20 ms of wall time is 40 ms of the world's
    wall[0] += 500_000_000
    assert clock.now_ns() == 300_000_000  # a world that has fallen behind: no further than the next tick
    clock.on_clock(ClockTick(260_000_000, 150, 2.0, 100_000_000))  # it comes late: the clock holds ...
    assert clock.now_ns() == 300_000_000
    wall[0] += 25_000_000
    assert clock.now_ns() == 310_000_000  # ... until the world's time passes it
    clock.on_tick(305_000_000)  # a sample older than what the clock reads changes nothing
    assert clock.now_ns() == 310_000_000
