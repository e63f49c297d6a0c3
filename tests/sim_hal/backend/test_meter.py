"""The board path's emulated hardware is the world's share of a flight process's CPU: measured where it runs
(nested entries counted once) and moved out of the process's figure in the run's `cpu_s`."""
from __future__ import annotations

import json
from pathlib import Path

from sim_hal.backend.meter import EmulationMeter
from sim_hal.run.simflight import cpu_by_process, flight_stack_cores


def test_nested_entries_into_the_emulation_are_counted_once() -> None:
    ticks = iter(range(0, 1000, 10))  # each look at the thread's CPU clock: 10 ns later
    meter = EmulationMeter(lambda: next(ticks))
    assert meter.run(lambda: meter.run(lambda x: x + 1, 1)) == 2
    assert meter.ns == 10  # one entry: two looks at the clock, not four
    meter.run(lambda: None)
    assert meter.ns == 20


def test_the_emulation_moves_from_its_process_to_the_worlds_side(tmp_path: Path) -> None:
    EmulationMeter(lambda: 0).write(tmp_path, "control")
    (tmp_path / EmulationMeter.FILE.format(process="control")).write_text(
        json.dumps({"process": "control", "cpu_s": 8.0}))
    summary = {"world": {"cpu_s": {"world": 50.0, "render": 30.0}},
               "processes": {"control": {"cpu_s": 38.0}, "nav": {"cpu_s": 25.0}, "health": {"cpu_s": 6.0}}}
    cpu = cpu_by_process(summary, tmp_path)
    assert cpu["control"] == 30.0 and cpu["emulated_hardware"] == 8.0 and cpu["total"] == 149.0
    assert list(cpu)[:2] == ["world", "render"]  # most first
    assert flight_stack_cores(cpu, 122.0) == 0.5  # (30 + 25 + 6) / 122: the world's side left out
    assert "emulated_hardware" not in cpu_by_process(summary)  # no logs: every process as measured
