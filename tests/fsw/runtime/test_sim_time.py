"""A process on simulated time: the world's ClockTick messages set its flight clock."""
from __future__ import annotations

from pathlib import Path

import zmq

from fsw.bus import messages as m
from fsw.bus.topics import default_registry
from fsw.bus.topology import Topology
from fsw.bus.transport import Publisher
from fsw.clock import MonotonicClock, SimClock
from fsw.nav.process import NavProcess
from fsw.runtime.commands import default_dictionary
from fsw.runtime.node import ProcessContext
from hal.backend import BackendContext, NullBackend
from tests.conftest import wait_until


def test_clock_ticks_drive_the_flight_clock(tmp_path: Path, run_dir: str) -> None:
    topo_file = tmp_path / "topology.toml"
    topo_file.write_text('transport = "ipc"\n[processes.world]\n[processes.nav]\n[processes.control]\n'
                         '[processes.camera]\n')
    topology = Topology.load(topo_file, default_registry(), run_dir)
    clock = SimClock()
    node = NavProcess(ProcessContext("nav", topology, clock, MonotonicClock(), default_dictionary(),
                                     backend=NullBackend(BackendContext(""))))
    ctx = zmq.Context()
    world = Publisher(ctx, topology.registry["sim.clock"], topology.endpoint("world", "sim.clock"), "world")
    world.open()
    node.open()
    try:
        wait_until(lambda: world.poll_subscriptions() >= 1, 5.0, lambda: node.spin_once(10), what="handshake")
        for step in range(1, 4):
            world.publish(m.ClockTick(step * 2_000_000, step))
        wait_until(lambda: clock.ticks == 3, 5.0, lambda: node.spin_once(10), what="ticks")
        assert clock.now_ns() == 6_000_000
    finally:
        node.close()
        world.close()
        ctx.term()
