"""The takeoff's response check: the body turning against the torques commanded is an IMU axis reversed."""
from __future__ import annotations

from fsw.bus.messages import ImuSample
from fsw.control.response import ResponseCheck

STEP_NS = 2_000_000


def fly(check: ResponseCheck, *phases: tuple[tuple[float, float], tuple[float, float], float]) -> list[str]:
    """Cycles at 500 Hz, phase after phase, in which the model predicts the rates (roll, pitch) to change at one
    rate and the gyro measures them changing at another, each for so many seconds; the verdicts given."""
    verdicts, gyro, i = [], [0.0, 0.0, 0.0], 0
    for predicted_radps2, measured_radps2, seconds in phases:
        for _ in range(round(seconds / 0.002)):
            expected = ImuSample(i * STEP_NS, (gyro[0] + predicted_radps2[0] * 0.002,
                                               gyro[1] + predicted_radps2[1] * 0.002, 0.0), (0.0, 0.0, -3.7), 20.0)
            gyro = [gyro[0] + measured_radps2[0] * 0.002, gyro[1] + measured_radps2[1] * 0.002, 0.0]
            verdict = check.observe(ImuSample(i * STEP_NS, tuple(gyro), (0.0, 0.0, -3.7), 20.0), expected)
            if verdict:
                verdicts.append(verdict)
            i += 1
    return verdicts


def test_a_body_turning_as_it_is_pushed_passes() -> None:
    assert fly(ResponseCheck(), ((2.0, -1.0), (1.8, -1.2), 1.0)) == []


def test_a_reversed_roll_axis_is_named_within_a_sixth_of_a_second() -> None:
    verdicts = fly(ResponseCheck(), ((2.0, 0.5), (-2.0, 0.5), 0.16))
    assert len(verdicts) == 1 and "against the roll (x) commands" in verdicts[0]


def test_a_reversed_pitch_axis_is_named() -> None:
    verdicts = fly(ResponseCheck(), ((0.0, -1.0), (0.0, 1.0), 0.3))
    assert verdicts and "pitch (y)" in verdicts[0]


def test_on_the_ground_the_legs_hold_the_body_and_nothing_counts() -> None:
    assert fly(ResponseCheck(), ((2.0, 2.0), (-0.1, 0.05), 1.0)) == []  # pushed, not turning


def test_changes_too_small_to_see_never_count() -> None:
    assert fly(ResponseCheck(), ((0.2, 0.2), (-0.2, -0.2), 1.0)) == []  # 0.01 rad/s a window, under 0.02


def test_an_opposed_window_now_and_then_is_not_a_reversed_axis() -> None:
    opposed, agreeing = ((2.0, 0.0), (-2.0, 0.0), 0.1), ((2.0, 0.0), (2.0, 0.0), 0.06)  # two windows, one
    assert fly(ResponseCheck(), opposed, agreeing, opposed, agreeing, opposed) == []
    assert fly(ResponseCheck(), opposed, agreeing, opposed, opposed)  # three in a row
