"""The lockstep bench's serial-chain figures: the wall figure and the work figure, and the ceiling from it."""
from __future__ import annotations

from sim_hal.backend.messages import WorldSummary
from sim_hal.run.bench import _ceiling
from sim_hal.run.launch import serial_cpu_ms_per_step, serial_ms_per_step


def _summary(**host: float) -> WorldSummary:
    base = {"main_physics_and_sensors_s": 1.0, "main_publish_s": 0.5, "main_waiting_for_flight_software_s": 0.0,
            "answer_ms_per_step": 0.0, "main_chain_cpu_s": 1.2}
    return WorldSummary(10_000_000_000, "landed", "", 1, "jezero", 10.0, 4.0, 5000, 300, [], {}, {}, {},
                        {**base, **host})


def test_the_chain_is_timed_on_the_wall_and_by_its_work() -> None:
    s = _summary()
    assert serial_ms_per_step(s) == 0.3  # (1.0 + 0.5) s over 5000 steps: the wall, waits for a core included
    assert serial_cpu_ms_per_step(s) == 0.24  # 1.2 CPU-s over 5000 steps: the work alone


def test_an_out_of_process_control_adds_its_answer_to_both() -> None:
    s = _summary(answer_ms_per_step=0.1)
    assert serial_ms_per_step(s) == 0.4 and serial_cpu_ms_per_step(s) == 0.34


def test_the_ceiling_is_a_step_over_its_work() -> None:
    assert _ceiling({"sim_time_s": 10.0}, {"serial_cpu_ms_per_step": 0.25, "steps": 5000}) == 8.0  # 2 ms / 0.25
    assert _ceiling({"sim_time_s": 10.0}, {"steps": 5000}) is None  # an older summary: not measured
