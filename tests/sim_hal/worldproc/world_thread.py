"""A world process run on a thread of the test, on a test topology: for tests of the sim backend."""
from __future__ import annotations

import threading

from fsw.bus.topology import Topology
from fsw.clock import MonotonicClock
from fsw.runtime.commands import default_dictionary
from fsw.runtime.node import ProcessContext
from hal.backend import BackendContext, NullBackend
from sim_hal.backend.timesource import SimTimeSource
from sim_hal.worldproc.config import ScriptConfig, WorldConfig
from sim_hal.worldproc.process import WorldProcess

HOVER = ScriptConfig([(0.0, 0.0, 0.0, 12.0), (1000.0, 0.0, 0.0, 12.0)])


class WorldThread:
    def __init__(self, topology: Topology, cfg: WorldConfig | None = None) -> None:
        cfg = cfg or WorldConfig(terrain="flat", terrain_extent_m=200.0, script=HOVER, lockstep=False)
        source = SimTimeSource("world")
        ctx = ProcessContext("world", topology, source.clock, MonotonicClock(), default_dictionary(),
                             backend=NullBackend(BackendContext(topology.run_dir)), time_source=source)
        self.process = WorldProcess(ctx, cfg)
        self._thread = threading.Thread(target=self.process.run, name="world", daemon=True)

    def __enter__(self) -> "WorldThread":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.stop()
        self._thread.join(20)
