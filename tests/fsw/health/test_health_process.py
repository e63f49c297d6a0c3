"""The health process in-process: per-process resources and board health on the bus."""
from __future__ import annotations

import os

from fsw.bus.messages import ProcState
from fsw.bus.reader import BusReader
from fsw.clock import MonotonicClock
from fsw.config.stack import HealthConfig
from fsw.health.process import HealthProcess
from fsw.health.supervision import Supervision
from fsw.runtime.commands import default_dictionary
from fsw.runtime.node import ProcessContext
from hal.backend import BackendContext, NullBackend
from hal.board.health import HostBoardHealth
from tests.conftest import wait_until


class HostBackend(NullBackend):
    def board_health(self):
        return HostBoardHealth()


def test_health_publishes_process_stats_and_board_health(topology) -> None:
    health = HealthConfig(stats_period_ms=20)
    ctx = ProcessContext("health", topology, MonotonicClock(), MonotonicClock(), default_dictionary(),
                         health=health, backend=HostBackend(BackendContext("")))
    proc = HealthProcess(ctx, Supervision({}, health), spawn=lambda name: None)
    proc.open()
    got = []
    try:
        with BusReader(topology, ["health.procs", "board.health"]) as reader:
            def step():
                proc.spin_once(5)
                got.extend(reader.poll(5))

            def both():
                topics = {r.topic for r in got}
                return {"health.procs", "board.health"} <= topics

            wait_until(both, 10.0, step, what="health.procs and board.health")
    finally:
        proc.close()
    stats = [r.msg for r in got if r.topic == "health.procs"][-1].processes
    assert [(s.name, s.pid, s.state) for s in stats] == [("health", os.getpid(), ProcState.READY)]
    assert stats[0].rss_bytes > 10_000_000
    board = [r.msg for r in got if r.topic == "board.health"][-1]
    assert board.disk_free_bytes > 0 and board.mem_used_pct > 0
