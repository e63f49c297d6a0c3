"""Fault specs: parsing, refusals with reasons, and what each kind does to a stream."""
from __future__ import annotations

import pytest

from fsw.bus.messages import AltimeterSample
from sim_hal.model.faults import Fault, FaultSpecError, FaultyStream, Mutators, parse_fault

MUT = Mutators(garbage=lambda s, rng: AltimeterSample(s.t_ns, -99.0, True),
               noisy=lambda s, rng, k: AltimeterSample(s.t_ns, s.range_m + 1000.0 * k, s.valid))


def run(spec: str, seconds: float = 10.0, rate_hz: float = 10.0) -> list[tuple[float, AltimeterSample]]:
    """Feed a 10 Hz stream whose range is its sample time through one fault; return (delivered at, sample)."""
    stream = FaultyStream([parse_fault(spec)], MUT, seed=1, salt=2)
    out = []
    for i in range(int(seconds * rate_hz)):
        t = i / rate_hz
        out += [(t, s) for s in stream.push(AltimeterSample(i, t, True), t)]
    return out


def test_parse_examples_from_the_issue() -> None:
    assert parse_fault("navcam.drop@54") == Fault("navcam", "drop", 54.0, None, 0.0, "navcam.drop@54")
    assert parse_fault("altimeter.off@30:5").duration_s == 5.0
    assert parse_fault("imu.stuck@10:2").kind == "stuck"
    f = parse_fault("navcam.delay@20:3")
    assert (f.start_s, f.duration_s, f.value) == (20.0, 3.0, 0.1)
    assert parse_fault("imu.intermittent@1.5:2=0.25").value == 0.25


@pytest.mark.parametrize("spec, reason", [
    ("navcam", "expected device.kind@start_s"),
    ("navcam.drop", "expected device.kind@start_s"),
    ("navcam.drop@-1", "the start time must be 0 or more, got -1"),
    ("radar.off@1", "no device 'radar'"),
    ("imu.melt@1", "no fault kind 'melt'"),
    ("inclinometer.delay@1", "inclinometer does not support delay"),
    ("imu.off@1:0", "the duration must be above 0, got 0"),
    ("imu.off@1=3", "off takes no value"),
    ("imu.intermittent@1=1.5", "probability must be in (0, 1]"),
])
def test_unsupported_specs_are_refused_with_a_reason(spec: str, reason: str) -> None:
    with pytest.raises(FaultSpecError) as err:
        parse_fault(spec)
    assert reason in err.value.reason and spec in str(err.value)


def values(out) -> list[float]:
    return [round(s.range_m, 3) for _, s in out]


def test_no_fault_before_start() -> None:
    assert values(run("altimeter.off@5:1"))[:50] == [round(i / 10, 3) for i in range(50)]


def test_off_delivers_nothing_in_its_window() -> None:
    got = values(run("altimeter.off@3:2"))
    assert 2.9 in got and 5.0 in got and not [v for v in got if 3.0 <= v < 5.0]


def test_drop_loses_exactly_one_output() -> None:
    got = values(run("altimeter.drop@5.45"))
    assert len(got) == 99 and 5.5 not in got and 5.4 in got and 5.6 in got


def test_stuck_repeats_the_last_good_value_with_fresh_times() -> None:
    out = run("altimeter.stuck@2:1")
    stuck = [(s.t_ns, s.range_m) for t, s in out if 2.0 <= t < 3.0]
    assert {r for _, r in stuck} == {1.9} and [t for t, _ in stuck] == list(range(20, 30))


def test_garbage_and_noise_change_values_in_the_window() -> None:
    assert values(run("altimeter.garbage@1:1"))[10:20] == [-99.0] * 10
    assert values(run("altimeter.noise@1:1=2"))[10] == pytest.approx(2001.0)


def test_delay_delivers_late_with_original_timestamps_in_order() -> None:
    out = run("altimeter.delay@2:1=0.35")
    assert [s.t_ns for _, s in out] == list(range(100))  # nothing lost, nothing reordered
    lateness = {s.t_ns: round(t - s.range_m, 3) for t, s in out}
    assert all(lateness[i] == 0.4 for i in range(20, 30))  # delivered with the next output after 0.35 s
    assert [lateness[i] for i in (30, 31, 32, 33)] == [0.3, 0.2, 0.1, 0.0]  # queued behind them, then caught up
    assert all(lateness[i] == 0.0 for i in list(range(20)) + list(range(33, 100)))


def test_intermittent_drops_about_its_share_reproducibly() -> None:
    a = values(run("altimeter.intermittent@0=0.3", seconds=100))
    assert 640 < len(a) < 760 and a == values(run("altimeter.intermittent@0=0.3", seconds=100))
