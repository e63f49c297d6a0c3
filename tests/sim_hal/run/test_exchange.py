"""The step-exchange prototypes (`ginny bench exchange`): each carries every step to control and back."""
from __future__ import annotations

import pytest

from sim_hal.run.exchange import CHANNELS, bench_exchange


@pytest.mark.timeout(120)
def test_every_channel_flies_the_same_steps_to_the_same_state() -> None:
    results = {c: bench_exchange(c, 600) for c in CHANNELS}
    rpm = {r["rotor_rpm_at_end"] for r in results.values()}
    assert len(rpm) == 1 and rpm.pop() > 0  # the same commands arrived, whichever way they went
    for r in results.values():
        assert r["steps"] == 600 and 0 < r["world_step_ms"] < r["serial_ms_per_step"]
