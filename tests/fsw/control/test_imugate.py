"""The IMU plausibility gate: implausible samples are bridged with the last good one, nothing is latched."""
from __future__ import annotations

from fsw.bus.messages import ImuSample
from fsw.control.imugate import ImuGate


def s(t: int, gyro=(0.01, 0.0, 0.0), accel=(0.0, 0.0, -3.71)) -> ImuSample:
    return ImuSample(t, gyro, accel, 20.0)


def test_good_samples_pass_and_bad_ones_are_bridged() -> None:
    gate = ImuGate()
    assert gate.check(s(1)) == (s(1), False)
    out, bad = gate.check(s(2, gyro=(30.0, -12.0, 5.0)))
    assert bad and out.t_ns == 2 and out.gyro_radps == (0.01, 0.0, 0.0)
    out, bad = gate.check(s(3, accel=(float("nan"), 0.0, 0.0)))
    assert bad and out.accel_mps2 == (0.0, 0.0, -3.71)
    out, bad = gate.check(s(4, accel=(0.0, 0.0, -40.0)))  # a hard touchdown is still plausible
    assert not bad and gate.rejected == 2


def test_a_bad_first_sample_gives_zeros_not_garbage() -> None:
    out, bad = ImuGate().check(s(1, accel=(100.0, 100.0, 100.0)))
    assert bad and out.accel_mps2 == (0.0, 0.0, 0.0)


def test_a_stuck_sensor_is_caught_by_its_exact_repeats() -> None:
    gate = ImuGate()
    verdicts = [gate.check(s(t, gyro=(0.02, 0.01, 0.0)))[1] for t in range(6)]
    assert verdicts == [False, False, True, True, True, True]
    assert gate.check(s(7, gyro=(0.021, 0.01, 0.0)))[1] is False


def test_plausible_garbage_far_from_the_expected_rate_is_rejected_and_the_expected_sample_flown() -> None:
    gate = ImuGate()
    expected = s(2, gyro=(0.3, 0.0, 0.0), accel=(0.0, 0.0, -3.9))
    assert gate.check(s(1), s(1))[1] is False
    out, bad = gate.check(s(2, gyro=(4.0, -6.0, 2.0)), expected)  # under 10 rad/s, but no helicopter jumps so
    assert bad and out == expected
    assert gate.check(s(3, gyro=(0.35, 0.0, 0.0)), s(3, gyro=(0.3, 0.0, 0.0)))[1] is False


def test_a_sensor_back_after_the_model_drifted_is_believed_once_it_agrees_with_itself() -> None:
    gate = ImuGate()
    far = s(0, gyro=(3.0, 0.0, 0.0))  # the model's idea, drifted
    verdicts = [gate.check(s(t, gyro=(0.5 + 0.001 * t, 0.0, 0.0)), far)[1] for t in range(40)]
    assert verdicts[:25] == [True] * 25 and not any(verdicts[26:])
