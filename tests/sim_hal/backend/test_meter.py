"""CPU that runs in a flight process but is not the flight software's -- the board path's emulated hardware,
`ginny sim`'s own recording -- is measured where it runs (nested entries counted once) and moved out of the
process's figure in the run's `cpu_s`, to the world's side of the flight stack's share of a core."""
from __future__ import annotations

import json
from pathlib import Path

from sim_hal.backend.meter import EMULATION_FILE, CpuMeter, write_emulation
from sim_hal.run.simflight import cpu_by_process, flight_stack_cores


def test_nested_entries_are_counted_once() -> None:
    ticks = iter(range(0, 1000, 10))  # each look at the thread's CPU clock: 10 ns later
    meter = CpuMeter(lambda: next(ticks))
    assert meter.run(lambda: meter.run(lambda x: x + 1, 1)) == 2
    assert meter.ns == 10  # one entry: two looks at the clock, not four
    meter.run(lambda: None)
    assert meter.ns == 20


def test_the_emulation_and_the_harness_move_to_the_worlds_side(tmp_path: Path) -> None:
    write_emulation(tmp_path, "control", CpuMeter())
    (tmp_path / EMULATION_FILE.format(process="control")).write_text(json.dumps({"process": "control",
                                                                                 "cpu_s": 8.0, "apart_cpu_s": 4.0}))
    summary = {"world": {"cpu_s": {"world": 50.0, "render": 30.0}},
               "processes": {"control": {"cpu_s": 38.0}, "nav": {"cpu_s": 25.0}, "health": {"cpu_s": 6.0}}}
    cpu = cpu_by_process(summary, tmp_path, harness_s=2.5)
    assert cpu["control"] == 30.0 and cpu["emulated_hardware"] == 12.0  # its own process's 4 s added
    assert cpu["health"] == 3.5 and cpu["harness"] == 2.5 and cpu["total"] == 153.0
    assert list(cpu)[:2] == ["world", "render"]  # most first
    assert flight_stack_cores(cpu, 117.0) == 0.5  # (30 + 25 + 3.5) / 117: the world's side left out
    plain = cpu_by_process(summary)  # nothing measured apart: every process as measured
    assert "emulated_hardware" not in plain and "harness" not in plain and plain["control"] == 38.0


def test_the_feed_links_io_threads_are_the_ones_its_first_socket_starts() -> None:
    """The board path's link to the world counts its ZeroMQ threads' CPU as the emulation's: they are the
    threads its context starts with its first socket, and no other."""
    import select

    import zmq

    from sim_hal.backend.boardloop import _FeedLink
    from tests.conftest import wait_until

    def name(tid: int) -> str:
        try:
            return Path(f"/proc/self/task/{tid}/comm").read_text()
        except OSError:
            return ""

    link = _FeedLink.__new__(_FeedLink)  # the thread bookkeeping alone: no world to link to
    link._io_threads = None
    ctx = zmq.Context()
    sock = link._noting_threads(lambda: ctx.socket(zmq.PUB))
    try:
        assert link._io_threads
        wait_until(lambda: all(name(t).startswith("ZMQbg/") for t in link._io_threads), 5.0,
                   lambda: select.select([], [], [], 0.01), what="the new threads' names (set as each runs)")
        assert link._noting_threads(lambda: 7) == 7 and link.io_cpu_ns() >= 0
    finally:
        sock.close(linger=0)
        ctx.term()
