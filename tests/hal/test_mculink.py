"""The flight-control MCU link over a pseudo-terminal pair, with an emulated MCU on the far end."""
from __future__ import annotations

import os
import select
import time

import pytest
import serial

from fsw.bus.messages import ActuatorCommand
from hal.board.config import McuConfig
from hal.board.emulated.mcu import EmulatedMcu
from hal.board.mculink import ACTUATORS, SYNC, TYPE_ACTUATORS, FrameReader, McuLink, crc16, frame
from hal.device import DeviceError
from tests.conftest import wait_until


def test_crc_and_framing() -> None:
    assert crc16(b"123456789") == 0x29B1  # the CRC-16/CCITT-FALSE check value
    f = frame(0x81, 7, b"abc")
    r = FrameReader()
    assert r.feed(b"\x00\xff" + f[:5]) == []
    [p] = r.feed(f[5:] + SYNC)
    assert (p.kind, p.seq, p.payload) == (0x81, 7, b"abc") and r.skipped_bytes == 2
    bad = f[:-1] + bytes([f[-1] ^ 1])
    fresh = FrameReader()
    assert [p.payload for p in fresh.feed(bad + f)] == [b"abc"] and fresh.crc_errors == 1


@pytest.fixture
def pty():
    master, slave = os.openpty()
    mcu = EmulatedMcu(master)
    mcu.start()
    port = serial.Serial(os.ttyname(slave), 921_600, timeout=0)
    yield mcu, port
    mcu.stop()
    port.close()
    os.close(slave)
    os.close(master)


def cmd(i: int) -> ActuatorCommand:
    return ActuatorCommand(i, True, 6.5, (0.01, -0.02, 0.0))


@pytest.mark.timeout(20)
def test_commands_reach_the_mcu_and_its_status_comes_back(pty) -> None:
    mcu, port = pty
    link = McuLink(lambda: port, McuConfig(port="/dev/pts/x", link_timeout_ms=1000), time.monotonic_ns)
    link.open()
    for i in range(20):
        link.write(cmd(i))
    wait_until(lambda: len(mcu.commands) == 20, 5, lambda: select.select([], [], [], 0.001),
               what="20 commands at the MCU")
    t_ns, armed, thrust, *_ = mcu.commands[5]
    assert (t_ns, armed) == (5, 1) and thrust == pytest.approx(6.5)
    wait_until(lambda: link.statuses >= 19, 5, lambda: link.poll(0.01), what="statuses back")
    assert link.last_status[1] == 1 and link.status_gaps == 0


@pytest.mark.timeout(20)
def test_a_silent_or_garbled_mcu_is_a_lost_link(pty) -> None:
    mcu, port = pty
    mcu.corrupt.set()
    link = McuLink(lambda: port, McuConfig(port="/dev/pts/x", link_timeout_ms=50), time.monotonic_ns)
    link.open()
    deadline = time.monotonic() + 5
    with pytest.raises(DeviceError, match=r"actuators \(/dev/pts/x\): flight-control MCU link lost"):
        while time.monotonic() < deadline:
            link.write(cmd(1))
    assert link.reader.crc_errors > 0 and link.statuses == 0


@pytest.mark.timeout(20)
def test_the_links_silence_counts_from_the_first_command_not_from_open(pty) -> None:
    """A stack opens its devices seconds before its first control cycle: the MCU owes no answer meanwhile."""
    mcu, port = pty
    now = [0]
    link = McuLink(lambda: port, McuConfig(port="/dev/pts/x", link_timeout_ms=100), lambda: now[0])
    link.open()
    now[0] = 10_000_000_000  # the first command, 10 s after open
    link.write(cmd(1))  # no DeviceError: nothing was owed before it
    wait_until(lambda: link.statuses >= 1, 5, lambda: link.poll(0.01), what="the first status")
    now[0] += 200_000_000
    mcu.silent.set()
    with pytest.raises(DeviceError, match="link lost: no status for 200 ms"):
        link.write(cmd(2))


@pytest.mark.timeout(20)
def test_a_uart_that_stops_draining_drops_whole_frames_and_counts_them() -> None:
    """Nobody reads the far end: once the kernel's buffer is full, frames are dropped and counted, never sent
    in pieces that would garble the stream, and the control cycle never blocks."""
    master, slave = os.openpty()
    port = serial.Serial(os.ttyname(slave), 921_600, timeout=0)
    link = McuLink(lambda: port, McuConfig(port="/dev/pts/x", link_timeout_ms=1000), lambda: 0)
    link.open()
    try:
        for i in range(20_000):
            link.write(cmd(i))
        assert link.tx_dropped > 0
        reader, got = FrameReader(), []
        while select.select([master], [], [], 0)[0]:
            got += reader.feed(os.read(master, 65536))
        assert got and reader.crc_errors == 0 and reader.skipped_bytes == 0  # whole frames only
        seqs = [f.seq for f in got]
        assert seqs[0] == 1 and all(b > a for a, b in zip(seqs, seqs[1:]))  # in order (the kernel may take more
        # once its tty layer has moved some on: later frames get in whole, after a run of dropped ones)
        owed = len(link._unsent) // len(frame(TYPE_ACTUATORS, 1, b"\0" * ACTUATORS.size)) + 1  # still to go
        assert 20_000 - owed <= len(got) + link.tx_dropped <= 20_000  # the others each sent whole or counted
    finally:
        link.close()
        os.close(master)
        os.close(slave)
