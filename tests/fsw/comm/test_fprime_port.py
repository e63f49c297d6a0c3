"""The F Prime door's sockets, without a vehicle: as a client it finds fprime-gds's server (trying again without
blocking), as a server it takes up to four grounds and sends each every packet, and a ground that goes away is
let go."""
from __future__ import annotations

import select
import socket
import struct
import time

from fsw.comm.fprime.framing import FprimeDeframer, fprime_frame
from fsw.comm.fprime.port import MAX_GROUNDS, FprimePort
from fsw.config.stack import FprimeConfig
from tests.conftest import wait_until


class Loop:
    """What the comm process's loop does for the port: watch file descriptors, call back on input."""

    def __init__(self) -> None:
        self.watched: dict[int, object] = {}
        self.packets: list[bytes] = []

    def port(self, **cfg: object) -> FprimePort:
        return FprimePort(FprimeConfig(enabled=True, framing="fprime", **cfg), 65536, self.watched.__setitem__,
                          self.watched.pop, lambda packet, size: self.packets.append(packet))

    def turn(self) -> None:
        ready, _, _ = select.select(list(self.watched), [], [], 0.05)
        for fd in ready:
            if fd in self.watched:
                self.watched[fd]()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PACKET = struct.pack(">HI", 0, 0x8000)


def _read_packets(sock: socket.socket, n: int) -> list[bytes]:
    d, out, end = FprimeDeframer(65536), [], time.monotonic() + 10
    sock.settimeout(1)
    while len(out) < n and time.monotonic() < end:
        out += d.feed(sock.recv(65536))
    return out


def test_as_a_client_it_connects_when_the_ground_comes_and_carries_both_ways() -> None:
    loop, port_no = Loop(), _free_port()
    port = loop.port(mode="client", port=port_no)
    port.open()  # nobody listens yet: no error, no block
    port.retry()
    assert port.grounds == []
    server = socket.create_server(("127.0.0.1", port_no))
    try:
        wait_until(lambda: port.grounds, 10, port.retry, what="the connection")
        conn, _ = server.accept()
        conn.sendall(b"sitting well" + fprime_frame(PACKET))
        wait_until(lambda: loop.packets, 10, loop.turn, what="the packet")
        assert loop.packets == [PACKET] and port.stats.bytes_discarded == 12
        port.send([b"\x00\x02downlink"])
        assert _read_packets(conn, 1) == [b"\x00\x02downlink"]
        conn.close()
        wait_until(lambda: not port.grounds, 10, loop.turn, what="the ground let go")
    finally:
        port.close()
        server.close()


def test_as_a_server_it_takes_up_to_four_grounds_and_sends_each_everything() -> None:
    loop, port_no = Loop(), _free_port()
    port = loop.port(port=port_no)
    port.open()
    grounds = [socket.create_connection(("127.0.0.1", port_no)) for _ in range(MAX_GROUNDS + 1)]
    try:
        wait_until(lambda: len(port.grounds) == MAX_GROUNDS and port.refused == 1, 10, loop.turn,
                   what="four grounds taken, the fifth refused")
        port.send([b"\x00\x01one", b"\x00\x01two"])
        assert [_read_packets(g, 2) for g in grounds[:MAX_GROUNDS]] == [[b"\x00\x01one", b"\x00\x01two"]] * MAX_GROUNDS
        grounds[-1].settimeout(5)
        assert grounds[-1].recv(16) == b""  # the fifth: closed by the vehicle
    finally:
        for g in grounds:
            g.close()
        port.close()
