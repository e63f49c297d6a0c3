"""A ground station on the F Prime link, for benchmarks and fuzzing (`ginny bench link --fprime`): it speaks to the
vehicle's F Prime port directly over TCP, framing with fprime-gds's own framers and reading what comes down with
fprime-gds's own decoders (so it checks the vehicle against F Prime's implementation, not against ginny's); and
`gds_round_trip` measures NO_OP through a real fprime-gds process."""
from __future__ import annotations

import random
import socket
import struct
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from fsw.comm.fprime import framing as fp_framing
from fsw.comm.fprime import packets
from fsw.comm.fprime.catalogue import catalogue
from fsw.runtime.commands import default_dictionary

REFUSALS = ("cmdDisp.MalformedCommand", "cmdDisp.InvalidCommand", "cmdDisp.OpCodeError")


class FprimeGround:
    """A TCP connection to the vehicle's F Prime port: commands framed and events and channels read as fprime-gds
    frames and reads them."""

    def __init__(self, dictionary: Path, port: int, framing: str) -> None:
        from fprime_gds.common.communication.ccsds.chain import SpacePacketSpaceDataLinkFramerDeframer
        from fprime_gds.common.communication.framing import FpFramerDeframer
        from fprime_gds.common.decoders.ch_decoder import ChDecoder
        from fprime_gds.common.decoders.event_decoder import EventDecoder
        from fprime_gds.common.models.dictionaries import Dictionaries
        d = Dictionaries.load_dictionaries_into_config(str(dictionary))
        self.framer = (FpFramerDeframer() if framing == "fprime"
                       else SpacePacketSpaceDataLinkFramerDeframer(scid=None, vcid=1, frame_size=None))
        self.events_of, self.channels_of = EventDecoder(d.event_id), ChDecoder(d.channel_id)
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.setblocking(False)
        self.framing = framing
        self._buf = b""
        self._tc_seq = 0
        self.scid = self.framer.framers[-1].scid if framing != "fprime" else 0
        self.events: list[tuple[str, tuple]] = []  # (full name, argument values)
        self.channels: dict[str, Any] = {}
        self.event_count: Counter[str] = Counter()

    def frame_any(self, packet: bytes) -> bytes:
        """Any bytes framed as a packet: fprime-gds's own framer where it can (its CCSDS framer refuses a packet
        whose first two bytes are no APID it knows), ginny's TC framer otherwise (the same bytes: a test holds it)."""
        if self.framing == "fprime":
            return self.framer.frame(packet)
        self._tc_seq += 1
        return fp_framing.tc_frame(self.scid, 1, self._tc_seq - 1, packet)

    def command(self, name: str, args: dict[str, Any] | None = None) -> None:
        cmd = next(c for c in catalogue(default_dictionary()).commands if c.full_name == name)
        self.send(self.framer.frame(packets.encode_command(cmd, args or {})))

    def send(self, raw: bytes) -> None:
        self.sock.setblocking(True)
        self.sock.sendall(raw)
        self.sock.setblocking(False)

    def poll(self) -> None:
        """Read and decode what has come down."""
        while True:
            try:
                data = self.sock.recv(65536)
            except BlockingIOError:
                break
            if not data:
                raise ConnectionError("the vehicle closed the F Prime link")
            self._buf += data
        got, self._buf, _ = self.framer.deframe_all(self._buf, False)
        for p in got:
            kind = struct.unpack_from(">H", p)[0]
            if kind == packets.LOG:
                for e in self.events_of.decode_api(p[2:]):
                    name = e.template.get_full_name()
                    self.events.append((name, tuple(a.val for a in e.get_args())))
                    self.event_count[name] += 1
            elif kind == packets.TELEM:
                self.channels.update({c.template.get_full_name(): c.get_val_obj().val
                                      for c in self.channels_of.decode_api(p[2:])})

    def wait_for(self, ok: Callable[[], Any], timeout_s: float, what: str) -> Any:
        end = time.monotonic() + timeout_s
        while True:
            self.poll()
            got = ok()
            if got:
                return got
            if time.monotonic() > end:
                raise TimeoutError(f"no {what} within {timeout_s} s")
            time.sleep(0.005)

    def close(self) -> None:
        self.sock.close()


class FprimeFuzz:
    """Seeded malformed uplink for the F Prime port, each item with what must count it: `refusal` (exactly one
    MalformedCommand, InvalidCommand or OpCodeError comes down), `bad_check` (a frame whose CRC fails) or
    `noise` (bytes that are no frame, skipped)."""

    def __init__(self, seed: int, framing: str, frame: Callable[[bytes], bytes]) -> None:
        self.rng = random.Random(seed)
        self.framing, self.frame = framing, frame
        cat = catalogue(default_dictionary())
        self.cmd = {c.full_name: c for c in cat.commands}
        self.kinds = [self._noise, self._bad_check, self._short, self._descriptor, self._opcode, self._truncated,
                      self._trailing, self._enum, self._string, self._refused_value]

    def items(self, n: int):
        for _ in range(n):
            yield self.rng.choice(self.kinds)()

    def _packet(self, name: str, args: dict[str, Any]) -> bytes:
        return packets.encode_command(self.cmd[name], args)

    def _noise(self) -> tuple[bytes, str]:
        raw = bytes(self.rng.randrange(256) for _ in range(self.rng.randrange(1, 64)))
        return raw.replace(b"\xde\xad\xbe\xef", b"\xde\xad\xbe\xee"), "noise"

    def _bad_check(self) -> tuple[bytes, str]:
        raw = bytearray(self.frame(self._packet("comm.NO_OP", {})))
        raw[-1 - self.rng.randrange(2)] ^= 1 << self.rng.randrange(8)  # the CRC itself
        return bytes(raw), "bad_check"

    def _short(self) -> tuple[bytes, str]:
        return self.frame(bytes(self.rng.randrange(256) for _ in range(self.rng.randrange(2, 6)))), "refusal"

    def _descriptor(self) -> tuple[bytes, str]:
        d = self.rng.choice([1, 2, 3, 4, 0xFF, 0xFFFF])
        return self.frame(struct.pack(">HI", d, 0x8000) + bytes(self.rng.randrange(8))), "refusal"

    def _opcode(self) -> tuple[bytes, str]:
        op = self.rng.choice([0, 0x1000, 0x6FFF, 0xFFFFFFFF, self.rng.randrange(1 << 32)])
        op = op if op not in {c.opcode for c in self.cmd.values()} else 0xDEAD
        return self.frame(struct.pack(">HI", 0, op)), "refusal"

    def _truncated(self) -> tuple[bytes, str]:
        p = self._packet("control.SET_PARAM", {"name": "spin_up_s", "value": 1.0})
        return self.frame(p[:self.rng.randrange(7, len(p))]), "refusal"

    def _trailing(self) -> tuple[bytes, str]:
        return self.frame(self._packet("comm.NO_OP", {}) + bytes(self.rng.randrange(1, 9))), "refusal"

    def _enum(self) -> tuple[bytes, str]:
        p = bytearray(self._packet("control.GET_PARAM", {"name": "spin_up_s"}))
        p[6] = self.rng.randrange(7, 256)
        return self.frame(bytes(p)), "refusal"

    def _string(self) -> tuple[bytes, str]:
        head = struct.pack(">HI", 0, self.cmd["comm.LIST_FILES"].opcode)
        if self.rng.random() < 0.5:
            return self.frame(head + struct.pack(">H", 300) + bytes(300)), "refusal"  # over the 256 allowed
        return self.frame(head + struct.pack(">H", 2) + b"\xc3\x28"), "refusal"  # not UTF-8

    def _refused_value(self) -> tuple[bytes, str]:
        name, args = self.rng.choice([("control.CAPTURE_RTE", {"width_px": 99_999, "height_px": 480}),
                                      ("control.SET_PARAM", {"name": "nav_timeout_ms", "value": 1.0}),
                                      ("comm.LIST_FILES", {"dir": "../.."}),
                                      ("comm.DOWNLINK_FILE", {"path": "no/such/file"})])
        return self.frame(self._packet(name, args)), "refusal"


def fuzz_fprime(dictionary: Path, port: int, framing: str, n: int, seed: int = 1,
                rate_hz: float = 250.0) -> dict[str, Any]:
    """Send `n` malformed frames to the F Prime port at `rate_hz`; wait until each is counted where it must be."""
    g = FprimeGround(dictionary, port, framing)
    try:
        g.wait_for(lambda: "comm.fprime_bad_checks" in g.channels, 30, "comm's telemetry")
        before = {k: g.channels[f"comm.{k}"] for k in ("fprime_bad_checks", "fprime_bytes_discarded", "uplink_malformed")}
        refused0 = sum(g.event_count[e] for e in REFUSALS)
        want: Counter[str] = Counter()
        fuzz, t0 = FprimeFuzz(seed, framing, g.frame_any), time.monotonic()
        for i, (raw, kind) in enumerate(fuzz.items(n)):
            g.send(raw)
            want[kind] += 1
            if kind != "refusal":
                want["discarded_bytes"] += len(raw)
            while time.monotonic() - t0 < (i + 1) / rate_hz:
                g.poll()
        refused = lambda: sum(g.event_count[e] for e in REFUSALS) - refused0
        checks = lambda: g.channels["comm.fprime_bad_checks"] - before["fprime_bad_checks"]
        g.wait_for(lambda: refused() >= want["refusal"] and checks() >= want["bad_check"], 300,
                   "a count of every fuzzed frame")
        g.wait_for(lambda: time.monotonic() - t0 > (n / rate_hz) + 3, 30, "stragglers")  # and no more than one each
        at = g.event_count["cmdDisp.OpCodeCompleted"]
        g.command("comm.NO_OP")  # its frame also pushes out noise a deframer holds until more bytes come
        g.wait_for(lambda: g.event_count["cmdDisp.OpCodeCompleted"] > at, 30, "NO_OP completed after the fuzz")
        skipped = lambda: g.channels["comm.fprime_bytes_discarded"] - before["fprime_bytes_discarded"]
        try:
            g.wait_for(lambda: skipped() >= want["discarded_bytes"], 10, "the noise counted")
        except TimeoutError:
            pass  # reported as it is
        discarded = skipped()
        return {"fprime_fuzz_frames": n, "fprime_fuzz_s": round(time.monotonic() - t0, 1),
                "fprime_fuzz_refusals": refused(), "fprime_fuzz_refusals_expected": want["refusal"],
                "fprime_fuzz_bad_checks": checks(), "fprime_fuzz_bad_checks_expected": want["bad_check"],
                "fprime_fuzz_noise_frames": want["noise"], "fprime_fuzz_bytes_discarded": discarded,
                "fprime_fuzz_bytes_discarded_expected": want["discarded_bytes"],
                "fprime_fuzz_counted_once": refused() == want["refusal"] and checks() == want["bad_check"],
                "fprime_uplink_malformed": g.channels["comm.uplink_malformed"] - before["uplink_malformed"],
                "fprime_no_op_after": "OK"}
    finally:
        g.close()


def gds_round_trip(dictionary: Path, port: int, framing: str, n: int, tmp: Path) -> dict[str, float]:
    """NO_OP sent `n` times through a real fprime-gds (headless) to the vehicle: wall time from the send to
    fprime-gds decoding cmdDisp.OpCodeCompleted."""
    from ground.bench import free_port
    zmq_urls = [f"ipc://{tmp}/gds-in", f"ipc://{tmp}/gds-out"]
    gds = subprocess.Popen([str(Path(sys.executable).parent / "fprime-gds"), "-n", "--dictionary", str(dictionary),
                            "--ip-client", "--ip-address", "127.0.0.1", "--ip-port", str(port), "--framing-selection",
                            framing, "--logs", str(tmp / "gds-logs"), "--gui-port", str(free_port()),
                            "--zmq-transport", *zmq_urls],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        return _time_no_ops(dictionary, zmq_urls, n, tmp)
    finally:
        import os
        import signal
        os.killpg(gds.pid, signal.SIGINT)
        try:
            gds.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(gds.pid, signal.SIGKILL)
            gds.wait()


def _time_no_ops(dictionary: Path, zmq_urls: list[str], n: int, tmp: Path) -> dict[str, float]:
    from fprime_gds.executables.cli import ConfigDrivenParser, StandardPipelineParser
    ns, _, _ = ConfigDrivenParser.parse_known_args([StandardPipelineParser], client=True, arguments=[
        "--dictionary", str(dictionary), "--logs", str(tmp / "api-logs"), "--zmq-transport", *zmq_urls])
    from fprime_gds.common.handlers import DataHandler
    pipeline = StandardPipelineParser().pipeline_factory(ns, None)
    done: list[float] = []

    class Completed(DataHandler):
        def data_callback(self, data: Any, sender: Any = None) -> None:
            if data.template.get_full_name() == "cmdDisp.OpCodeCompleted":
                done.append(time.perf_counter())
    pipeline.coders.register_event_consumer(Completed())
    try:
        end = time.monotonic() + 60
        while not done and time.monotonic() < end:  # until the link is up and a NO_OP gets through
            pipeline.send_command("comm.NO_OP", [])
            time.sleep(0.5)
        if not done:
            raise TimeoutError("fprime-gds: no NO_OP completed within 60 s")
        time.sleep(0.5)
        times = []
        for _ in range(n):
            before, t0 = len(done), time.perf_counter()
            pipeline.send_command("comm.NO_OP", [])
            while len(done) == before:
                if time.perf_counter() - t0 > 10:
                    raise TimeoutError("fprime-gds: a NO_OP was not completed within 10 s")
                time.sleep(0.0005)
            times.append((done[-1] - t0) * 1000)
    finally:
        pipeline.disconnect()
    return {"fprime_round_trip_p50_ms": round(float(np.percentile(times, 50)), 1),
            "fprime_round_trip_p99_ms": round(float(np.percentile(times, 99)), 1),
            "fprime_round_trip_max_ms": round(max(times), 1)}
