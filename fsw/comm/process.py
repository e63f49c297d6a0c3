"""Comm process: the vehicle's only door to the ground.

It binds a CurveZMQ ROUTER socket; the ZAP handler admits only ground stations whose public key is in the
allow-list. Uplink frames pass through the emulated radio (bandwidth, latency, loss, outages), then each
command is checked against the dictionary, sent on the bus to the process that executes it, and answered with
that process's acknowledgement, once per (ground key, command id). Downlink: every bus event, the essential
vehicle state at `tlm_hz`, each process's telemetry, navcam thumbnails, colour captures and requested files,
through the radio's priority queue. Both sides send heartbeats; the vehicle says LINK_LOST / LINK_RESTORED.
docs/ground-link.md describes the wire protocol.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import zmq

from fsw.bus.messages import Command, CommandResult, Severity
from fsw.bus.transport import Received
from fsw.clock import NS_PER_MS
from fsw.comm import frames, protocol
from fsw.comm.auth import ZAP_DOMAIN, KeyFileError, ZapHandler, allowed_keys, load_secret
from fsw.comm.downlink import CAPTURE_WIDTH, THUMBNAIL_WIDTH, image_frame, state_frame
from fsw.comm.files import FileRefused, Transfer, listing
from fsw.comm.fprime import packets as fp_packets
from fsw.comm.fprime.catalogue import catalogue
from fsw.comm.fprime.port import FprimePort
from fsw.comm.fprime.translate import Translator
from fsw.comm.ledger import Answer, CommandLedger
from fsw.comm.radio import Priority, Radio, parse_link_fault
from fsw.faultspec import FaultSpecError
from fsw.control.modes import entered
from fsw.runtime.commands import EVERY_PROCESS, CommandRejected
from fsw.runtime.node import FlightProcess

log = logging.getLogger("ginny.comm")
NS_PER_S = 1_000_000_000
_PUMP_NS = 10 * NS_PER_MS  # the radio model sends back to back in its own time, whatever the pump rate
_ACK_TIMEOUT_NS = 5 * NS_PER_S
_MAX_PEERS = 16
_ANNOUNCE_NS = 10 * NS_PER_S
FPRIME_PEER = b"\x00fprime"  # the F Prime door in the radio's queues and the ledger (no ZeroMQ routing id is
FPRIME_USER = b"fprime"  # 7 bytes, no CurveZMQ user id 6)


def _fault_target(spec: str, comm: str) -> str:
    """Who applies a fault: comm its link's, the supervisor its processes', the simulated world the devices'."""
    if spec.startswith("link."):
        return comm
    return "health" if spec.startswith("proc.") else "world"


class CommProcess(FlightProcess):
    def setup(self) -> None:
        cfg = self.ctx.comm
        self.counters.update(acks_received=0, uplink_frames=0, uplink_rejected=0, uplink_oversized=0,
                             uplink_malformed=0, commands_forwarded=0, downlink_frames=0)
        self.ledger = CommandLedger()
        self.radio = Radio(cfg.radio, 0)  # on the flight clock: outages at flight times, as faults are given
        self.peers: dict[bytes, int] = {}  # routing id -> when last heard (wall ns)
        self.mode = "IDLE"
        self.nav = self.track = None
        self.event_seq = self.state_seq = self.image_seq = 0
        self.transfers: list[Transfer] = []
        self._announcements: list[tuple[str, Severity, str]] = []
        self._setup_wall_ns = self.ctx.wall.now_ns()
        self.link_up = False
        self._heard_ns = 0
        self._last_thumb_ns = 0
        self.router: zmq.Socket | None = None
        self.zap: ZapHandler | None = None
        self.fprime: FprimePort | None = None
        self.subscribe("cmd.ack", self._on_ack)
        self.subscribe("event", self._on_event)
        self.subscribe("tlm", self._on_tlm)
        # the newest estimate and track, and a thumbnail now and then, are taken at the radio's pump (every
        # 10 ms): woken by each (80 estimates, 30 tracks and 30 frames a second) it would use few of them
        self.subscribe("nav.state", self._on_nav, wake=False)
        self.subscribe("nav.track", self._on_track, wake=False)
        self.subscribe("rte", self._on_colour)
        if cfg.thumbnail_every_s > 0:
            self.subscribe("navcam", self._on_navcam, wake=False)
        self.on_command("LIST_FILES", self._list_files)
        self.on_command("DOWNLINK_FILE", self._downlink_file)
        self.on_command("FAULT_INJECT", self._fault_inject)
        if cfg.keys_dir:
            self._open_link(self._keys_dir())
        if cfg.fprime.enabled:
            self._open_fprime()
        self.timers.every(_PUMP_NS, self._pump)
        self.timers.every(round(NS_PER_S / cfg.tlm_hz), self._queue_state)
        self.timers.every(cfg.heartbeat_ms * NS_PER_MS, self._heartbeat_down)

    def _keys_dir(self) -> Path:
        keys = Path(self.ctx.comm.keys_dir)
        return keys if keys.is_absolute() or not self.ctx.config_path else Path(self.ctx.config_path).parent / keys

    def _open_link(self, keys: Path) -> None:
        """The ZAP handler first (so no peer gets in before it answers), then the CurveZMQ server."""
        try:
            public, secret = load_secret(keys / "vehicle.key_secret")
            allowed = allowed_keys(keys / "authorized")
        except KeyFileError as exc:
            raise RuntimeError(f"comm: ground link keys: {exc}") from None
        self.zap = ZapHandler(self._zmq, allowed)
        self.watch(self.zap.socket, self.zap.handle)
        r = self._zmq.socket(zmq.ROUTER)
        r.linger = 0
        r.curve_server = True
        r.curve_publickey, r.curve_secretkey = public, secret
        r.zap_domain = ZAP_DOMAIN.encode()
        r.maxmsgsize = 4 * self.ctx.comm.max_frame_bytes  # far larger: the peer is cut off by ZeroMQ itself
        r.sndhwm = r.rcvhwm = 10_000
        r.bind(self.ctx.comm.endpoint)
        self.router = r
        self.watch(r, self._receive)
        self._announce("LINK_OPEN", Severity.ACTIVITY_HI,
                       f"ground link on {self.ctx.comm.endpoint}: {len(allowed)} ground key(s) allowed")

    def _open_fprime(self) -> None:
        """The F Prime door (fsw/comm/fprime): its own socket, the same radio, validation, ledger and acks."""
        cfg = self.ctx.comm.fprime
        self.fp_translate = Translator(catalogue(self.ctx.dictionary), cfg.file_packet_bytes)
        self._fp_opcodes: dict[int, int] = {}  # F Prime command (its ledger id) -> opcode, until answered
        self._fp_ids = 0
        self.counters.update(fprime_packets_up=0)
        self.fprime = FprimePort(cfg, self.ctx.comm.max_frame_bytes, self.watch, self.unwatch, self._fprime_packet,
                                 self._fprime_connected)
        try:
            self.fprime.open()
        except OSError as exc:
            raise RuntimeError(f"comm: the F Prime link cannot have {self.fprime.where}: {exc}") from None
        if cfg.mode == "client":
            self.timers.every(NS_PER_S, self.fprime.retry)
        reach = "this machine only" if cfg.address.startswith("127.") else "ANY host that reaches it"
        self._announce("FPRIME_LINK_OPEN", Severity.WARNING_LO,
                       f"F Prime ground link ({cfg.framing}) {'on' if cfg.mode == 'server' else 'to'} "
                       f"{self.fprime.where} for {reach}: no authentication, whoever connects can command the vehicle")

    def _announce(self, name: str, severity: Severity, text: str) -> None:
        """An event of setup's, raised once the stack is up (STACK_READY; or after _ANNOUNCE_NS without a
        supervisor): raised in setup, it would go out before anyone subscribes to comm's events."""
        self._announcements.append((name, severity, text))

    def _say_announcements(self) -> None:
        for name, severity, text in self._announcements:
            self.event(name, severity, text)
        self._announcements.clear()

    def _fprime_connected(self, where: str) -> None:
        self.event("FPRIME_GROUND_CONNECTED", Severity.WARNING_LO,
                   f"an F Prime ground connected ({where}, {len(self.fprime.grounds)} now): no authentication")

    def teardown(self) -> None:
        for s in (self.router, self.zap):
            if s is not None:
                s.close()
        if self.fprime is not None:
            self.fprime.close()

    # --- uplink -------------------------------------------------------------------------------------
    def _receive(self) -> None:
        for _ in range(self.DRAIN_LIMIT):
            try:
                parts = self.router.recv_multipart(zmq.NOBLOCK, copy=False)
            except zmq.Again:
                return
            rid, body = parts[0].bytes, parts[-1]
            user = (body.get("User-Id") or "").encode()
            if len(parts) != 2:
                self.counters["uplink_malformed"] += 1
                self._refuse(rid, user, b"".join(p.bytes for p in parts[1:]), protocol.FrameError(
                    "malformed", f"a frame is one ZeroMQ message part, got {len(parts) - 1}"))
                continue
            if len(body) > self.ctx.comm.max_frame_bytes:
                self.counters["uplink_oversized"] += 1
                raw = body.bytes
                self._refuse(rid, user, raw, protocol.oversized(raw, self.ctx.comm.max_frame_bytes))
                continue
            self.radio.up.queue((rid, user, body.bytes), len(body))

    def _take(self, rid: bytes, user: bytes, raw: bytes, now_ns: int) -> None:
        """An uplink frame that came through the radio."""
        if rid == FPRIME_PEER:
            self._take_fprime(raw, now_ns)
            return
        self.counters["uplink_frames"] += 1
        self._heard(rid, now_ns)
        try:
            command = protocol.uplink(raw, self.ctx.comm.max_frame_bytes)
            if command is not None:
                self._command(rid, user, command, now_ns)
        except protocol.FrameError as exc:
            self.counters["uplink_malformed"] += 1
            self._refuse(rid, user, raw, exc)

    def _fprime_packet(self, packet: bytes, size: int) -> None:
        """An F Prime packet off its socket: onto the radio like any uplink frame."""
        self.radio.up.queue((FPRIME_PEER, FPRIME_USER, packet), size)

    def _take_fprime(self, packet: bytes, now_ns: int) -> None:
        """An F Prime command packet that came through the radio: dispatched (as F Prime's dispatcher says it),
        then validated, executed and answered like any command; a packet that is not one is answered with
        cmdDisp's MalformedCommand, InvalidCommand or OpCodeError."""
        self.counters["fprime_packets_up"] += 1
        t = self.ctx.clock.now_ns()
        try:
            cmd, args = fp_packets.decode_command(packet, self.fp_translate.cat)
        except fp_packets.PacketError as exc:
            self.counters["uplink_malformed"] += 1
            self._queue_fprime(self._fprime_refusal(exc, t), Priority.EVENT)
            return
        self._fp_ids += 1
        self._fp_opcodes[self._fp_ids] = cmd.opcode
        port = self.ctx.topology.processes.index(cmd.component) if cmd.component in self.ctx.topology.processes else -1
        self._queue_fprime([self.fp_translate.dispatcher("OpCodeDispatched", t, cmd.opcode, port)], Priority.EVENT)
        target = cmd.component if cmd.cdef.target == EVERY_PROCESS else ""
        self._command(FPRIME_PEER, FPRIME_USER, protocol.CommandFrame(self._fp_ids, cmd.cdef.name, args, target), now_ns)

    def _fprime_refusal(self, exc: fp_packets.PacketError, t_ns: int) -> list[bytes]:
        tr = self.fp_translate
        if exc.opcode is None:
            return [tr.dispatcher("MalformedCommand", t_ns, str(exc))]
        if exc.opcode not in tr.cat.by_opcode:
            return [tr.dispatcher("InvalidCommand", t_ns, exc.opcode)]
        return tr.answer(exc.opcode, CommandResult.FORMAT_ERROR, str(exc), t_ns)

    def _refuse(self, rid: bytes, user: bytes, raw: bytes, exc: protocol.FrameError) -> None:
        """A frame that cannot be taken: a command with an id gets its one `ack` (FORMAT_ERROR); anything else
        an `error` frame naming it."""
        if exc.cmd_id is not None:
            self._send_answer(self.ledger.answer((user, exc.cmd_id), rid, "?", CommandResult.FORMAT_ERROR,
                                                 exc.reason))
        else:
            self._queue(frames.Error.of(exc, raw), Priority.EVENT, to=rid)

    def _command(self, rid: bytes, user: bytes, c: protocol.CommandFrame, now_ns: int) -> None:
        key = (user, c.cmd_id)
        earlier = self.ledger.repeat(key, rid)
        if isinstance(earlier, Answer):
            self._send_answer(earlier)
        if earlier is not False:
            return
        try:
            cdef = self.ctx.dictionary.get(c.name)
            args = cdef.validate(c.args)
            target = self._route(cdef.target, c, args)
        except CommandRejected as exc:
            self._send_answer(self.ledger.answer(key, rid, c.name, exc.result, exc.reason))
            return
        bus_id = self.ledger.start(key, rid, c.name, target, now_ns)
        self.counters["commands_forwarded"] += 1
        self.publish("cmd", Command(self.ctx.clock.now_ns(), bus_id, c.name, target, args))

    def _route(self, target: str, c: protocol.CommandFrame, args: dict) -> str:
        """The process that executes the command."""
        if target == EVERY_PROCESS:
            target = c.target or self.name
        if c.name == "FAULT_INJECT":
            target = _fault_target(str(args["spec"]), target)
            if target != self.name and not self.ctx.comm.fault_injection:
                raise CommandRejected(CommandResult.VALIDATION_ERROR, "device and process faults are for simulation")
        if target not in self.ctx.topology.processes:
            raise CommandRejected(CommandResult.INVALID_COMMAND, f"no process {target!r} on this vehicle")
        return target

    def _on_ack(self, rec: Received) -> None:
        self.counters["acks_received"] += 1
        ack = rec.msg
        for answer in self.ledger.finish(ack.cmd_id, ack.result, ack.reason):
            self._send_answer(answer)

    def _heard(self, rid: bytes, now_ns: int) -> None:
        self.peers[rid] = now_ns
        if len(self.peers) > _MAX_PEERS:
            del self.peers[min(self.peers, key=self.peers.get)]
        self._heard_ns = now_ns
        if not self.link_up:
            self.link_up = True
            self.event("LINK_RESTORED", Severity.ACTIVITY_HI, f"ground heard ({len(self.peers)} station(s))")

    # --- downlink -----------------------------------------------------------------------------------
    def _send_answer(self, a: Answer) -> None:
        self._queue(a.frame(), Priority.EVENT, to=a.peer)

    def _queue(self, frame: frames.Frame, priority: Priority, key: Any = None, to: bytes | None = None) -> None:
        if self.fprime is not None and to in (None, FPRIME_PEER):
            self._queue_fprime(self._as_fprime(frame), priority, key)
        if self.router is None or to == FPRIME_PEER:
            return  # no ground link configured
        raw = protocol.encode(frame.to_wire())
        self.radio.down.queue((to, raw), len(raw), priority, key)

    def _as_fprime(self, frame: frames.Frame) -> list[bytes]:
        """A downlink frame as F Prime packets (images, heartbeats and error frames have none)."""
        tr, t = self.fp_translate, self.ctx.clock.now_ns()
        if isinstance(frame, frames.Ack):
            opcode = self._fp_opcodes.pop(frame.id, None)
            return [] if opcode is None else tr.answer(opcode, CommandResult[frame.result], frame.reason, t)
        if isinstance(frame, frames.EventFrame):
            return [tr.event(frame)]
        if isinstance(frame, frames.FileChunk):
            return tr.file(frame)
        packet = tr.state(frame, t) if isinstance(frame, frames.State) else (
            tr.telemetry(frame) if isinstance(frame, frames.Tlm) else None)
        return [packet] if packet else []

    def _queue_fprime(self, out: list[bytes], priority: Priority, key: Any = None) -> None:
        for raw in out:
            self.radio.down.queue((FPRIME_PEER, raw), len(raw) + self.fprime.overhead, priority,
                                  None if key is None else ("fprime", key))

    def _pump(self) -> None:
        now = self.ctx.wall.now_ns()
        down, up = self.radio.pump(self.ctx.clock.now_ns())
        for to, raw in down:
            if to != FPRIME_PEER:
                self._transmit(to, raw)
        if self.fprime is not None:
            self.fprime.send([raw for to, raw in down if to == FPRIME_PEER])
        for rid, user, raw in up:
            self._take(rid, user, raw, now)
        if self._announcements and now - self._setup_wall_ns > _ANNOUNCE_NS:
            self._say_announcements()
        for answer in self.ledger.expire(now, _ACK_TIMEOUT_NS):
            self._send_answer(answer)
        self._feed_transfers()
        if self.link_up and now - self._heard_ns > self.ctx.comm.link_timeout_ms * NS_PER_MS:
            self.link_up = False
            self.event("LINK_LOST", Severity.WARNING_HI,
                       f"nothing from the ground for {(now - self._heard_ns) / 1e9:.1f} s: flying on")

    def _transmit(self, to: bytes | None, raw: bytes) -> None:
        if self.router is None:
            return
        for rid in ([to] if to is not None else list(self.peers)):
            try:
                self.router.send_multipart([rid, raw], zmq.NOBLOCK)
                self.counters["downlink_frames"] += 1
            except zmq.ZMQError:
                pass  # a peer gone (or full): the radio does not wait for it

    def _link_stats(self) -> dict[str, Any]:
        d, u = self.radio.down.stats, self.radio.up.stats
        return {"up": self.link_up,
                "down_bytes": d.bytes_sent, "down_frames": d.frames_sent, "down_lost": d.frames_lost,
                "down_decimated": d.frames_decimated, "down_dropped": d.frames_dropped,
                "up_frames": u.frames_sent, "up_lost": u.frames_lost + u.frames_outage,
                "queued": self.radio.down.queued(), "rejected_peers": self.zap.refused if self.zap else 0,
                "radio_up": self.radio.is_up(self.ctx.clock.now_ns())}

    def _heartbeat_down(self) -> None:
        self._queue(frames.Heartbeat(self.ctx.clock.now_ns(), self._link_stats()), Priority.STATE,
                    key="hb")

    def _queue_state(self) -> None:
        self.state_seq += 1
        self._queue(state_frame(self.state_seq, self.mode, self.nav, self.track, self._link_stats()),
                    Priority.STATE, key="state")

    def _on_event(self, rec: Received) -> None:
        e = rec.msg
        if e.name == "STACK_READY" and self._announcements:
            self._say_announcements()
        if e.name == "MODE":
            self.mode = entered(e.text)
        self.event_seq += 1
        self._queue(frames.EventFrame(self.event_seq, e.t_ns, e.source, e.name, e.severity.name, e.text,
                                      e.suppressed), Priority.EVENT)

    def _on_tlm(self, rec: Received) -> None:
        t = rec.msg
        if t.source == "control" and isinstance(t.channels.get("mode"), str):
            self.mode = t.channels["mode"]
        self._queue(frames.Tlm(t.t_ns, t.source, t.channels), Priority.TLM,
                    key=("tlm", t.source))

    def _on_nav(self, rec: Received) -> None:
        self.nav = rec.msg

    def _on_track(self, rec: Received) -> None:
        self.track = rec.msg

    def _on_navcam(self, rec: Received) -> None:
        now = self.ctx.wall.now_ns()
        if now - self._last_thumb_ns < self.ctx.comm.thumbnail_every_s * NS_PER_S or self.router is None:
            return
        self._last_thumb_ns = now
        self.image_seq += 1
        f = rec.msg
        self._queue(image_frame("navcam", self.image_seq, f.t_ns, f.pixels, THUMBNAIL_WIDTH), Priority.BULK,
                    key="navcam")

    def _on_colour(self, rec: Received) -> None:
        if self.router is None:
            return
        self.image_seq += 1
        c = rec.msg
        self._queue(image_frame("rte", self.image_seq, c.t_ns, c.pixels, CAPTURE_WIDTH), Priority.BULK)

    def _feed_transfers(self) -> None:
        """File chunks go into the bulk queue a few at a time, so images and telemetry still get through."""
        while self.transfers and self.radio.down.queued(Priority.BULK) < 4:
            frame = self.transfers[0].next_frame(self.ctx.comm.file_chunk_bytes)
            if frame is None:
                self.transfers.pop(0)
                continue
            self._queue(frame, Priority.BULK)

    # --- comm's own commands --------------------------------------------------------------------------
    def _root(self) -> Path:
        return self.ctx.files_root()

    def _list_files(self, cmd: Command, args: dict) -> tuple[CommandResult, str]:
        try:
            entries = listing(self._root(), args["dir"])
        except FileRefused as exc:
            return CommandResult.VALIDATION_ERROR, str(exc)
        return CommandResult.OK, "\n".join(f"{e['path']}{'/' if e['dir'] else ''}\t{e['size']}" for e in entries)

    def _downlink_file(self, cmd: Command, args: dict) -> tuple[CommandResult, str]:
        ground_id = self._ground_id(cmd.cmd_id)
        try:
            t = Transfer.open(self._root(), args["path"], ground_id)
        except (FileRefused, OSError) as exc:
            return CommandResult.VALIDATION_ERROR, str(exc)
        self.transfers.append(t)
        chunks = max(1, -(-t.size // self.ctx.comm.file_chunk_bytes))
        return CommandResult.OK, f"{t.name}: {t.size} bytes in {chunks} chunk(s)"

    def _ground_id(self, bus_id: int) -> int:
        ground = self.ledger.ground_id(bus_id)
        return ground if ground is not None else bus_id

    def _fault_inject(self, cmd: Command, args: dict) -> tuple[CommandResult, str]:
        """Link faults (the radio is here), their start in seconds from now."""
        try:
            f = parse_link_fault(args["spec"])
        except FaultSpecError as exc:
            return CommandResult.VALIDATION_ERROR, str(exc)
        start = self.ctx.clock.now_ns() + round(f.start_s * NS_PER_S)
        if f.kind == "outage":
            self.radio.add_outage(start, f.duration_s)
        else:
            self.radio.add_loss(start, f.duration_s, f.loss_pct)
        self.event("FAULT_INJECTED", Severity.WARNING_HI, f"{args['spec']} (from the ground)")
        return CommandResult.OK, f"{args['spec']} scheduled"

    def telemetry(self) -> dict:
        link = self._link_stats()
        out = {**{f"link.{k}": v for k, v in link.items()}, "peers": len(self.peers),
               "commands_pending": self.ledger.pending, "commands_duplicate": self.ledger.duplicates}
        if self.fprime is not None:
            p, st = self.fprime, self.fprime.stats
            out.update(fprime_packets_down=p.packets_down, fprime_dropped_down=p.dropped_down,
                       fprime_connections=p.connections, fprime_grounds=len(p.grounds), fprime_bytes_discarded=st.bytes_discarded,
                       fprime_bad_checks=st.bad_checks, fprime_bad_frames=st.bad_frames)
        return out
