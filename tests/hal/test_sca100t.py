"""The SCA100T driver against the command-level emulator."""
from __future__ import annotations

import math

import pytest

from hal.board.config import InclinometerConfig
from hal.board.emulated.sca100t import EmulatedSca100t
from hal.board.sca100t import Sca100t, count_of
from hal.device import DeviceError


def inclinometer(chip: EmulatedSca100t) -> Sca100t:
    s = Sca100t(lambda: chip, InclinometerConfig(enabled=True), lambda: 42)
    s.open()
    return s


def test_counts_are_eleven_bits_msb_first() -> None:
    assert count_of([0, 0x80, 0x00]) == 1024 and count_of([0, 0xFF, 0xE0]) == 2047


def test_roll_and_pitch_from_the_two_channels() -> None:
    s = inclinometer(EmulatedSca100t(roll_deg=3.0, pitch_deg=-10.0, temperature_c=-20.0))
    r = s.read()
    assert r.valid and r.t_ns == 42
    assert math.degrees(r.roll_rad) == pytest.approx(3.0, abs=0.05)
    assert math.degrees(r.pitch_rad) == pytest.approx(-10.0, abs=0.05)
    assert s.temperature_c == pytest.approx(-20.0, abs=1.0)


def test_beyond_the_range_is_invalid() -> None:
    assert not inclinometer(EmulatedSca100t(pitch_deg=45.0)).read().valid  # the D01 part reads +-30 deg


def test_nothing_on_the_bus_and_spi_errors_are_named() -> None:
    with pytest.raises(DeviceError, match=r"inclinometer \(/dev/spidev0.0\): answers \[0, 0\]"):
        inclinometer(EmulatedSca100t(absent=True))
    chip = EmulatedSca100t()
    s = inclinometer(chip)
    chip.fail_next = 1
    with pytest.raises(DeviceError, match="SPI transfer"):
        s.read()
    assert s.read().valid


def test_readings_come_at_the_configured_rate_however_often_it_is_asked() -> None:
    now = [0]
    s = Sca100t(lambda: EmulatedSca100t(roll_deg=1.0), InclinometerConfig(enabled=True, rate_hz=10.0), lambda: now[0])
    s.open()
    times = []
    for cycle in range(500):  # a second of 500 Hz control cycles
        now[0] = cycle * 2_000_000
        r = s.read()
        if r is not None:
            times.append(r.t_ns)
    assert times == [i * 100_000_000 for i in range(10)]
