"""ginny's downlink frames as F Prime packets (pure): events, the vehicle state and each process's telemetry as
channels, command answers as F Prime's command dispatcher events, file chunks as file packets.

What the dictionary has no entry for is counted, never an error: an event from a newer vehicle goes down as
`cmdDisp.UncataloguedEvent` (its source, name and text kept); a telemetry key without a channel is left out.
"""
from __future__ import annotations

from typing import Any

from fsw.bus.messages import CommandResult
from fsw.comm import frames
from fsw.comm.fprime import packets
from fsw.comm.fprime.catalogue import RESPONSE_OF, Catalogue, FChannel

_STATE_FIELDS = ("altitude_m", "height_m", "pos_std_m", "features", "inliers", "tracker_ms", "latency_ms",
                 "frame_seq", "vision")
_LINK_FIELDS = {"link_up": "up", "down_bytes": "down_bytes", "down_lost": "down_lost", "up_lost": "up_lost",
                "down_queued": "queued"}


class Translator:
    def __init__(self, cat: Catalogue, file_packet_bytes: int) -> None:
        self.cat = cat
        self.file_packet_bytes = file_packet_bytes
        self.uncatalogued_events = 0
        self.unsent_channels = 0  # telemetry keys with no channel, or values that do not fit theirs
        self._files: dict[int, packets.FileDownlink] = {}
        self._dispatcher = {e.name: e for e in cat.events if e.component == "cmdDisp"}

    def event(self, f: frames.EventFrame) -> bytes:
        ev = self.cat.event_of.get((f.source, f.name))
        if ev is None:
            self.uncatalogued_events += 1
            return packets.event_packet(self._dispatcher["UncataloguedEvent"], f.t_ns, (f.source, f.name, f.text))
        return packets.event_packet(ev, f.t_ns, (f.text,))

    def dispatcher(self, name: str, t_ns: int, *values: Any) -> bytes:
        """One of cmdDisp's events: OpCodeDispatched, OpCodeCompleted, OpCodeError, CommandResponse ..."""
        return packets.event_packet(self._dispatcher[name], t_ns, values)

    def answer(self, opcode: int, result: CommandResult, reason: str, t_ns: int) -> list[bytes]:
        """A command's answer as F Prime says it: what it answered (if anything), then completed or error."""
        out = [self.dispatcher("CommandResponse", t_ns, opcode, reason)] if reason else []
        if result is CommandResult.OK:
            return out + [self.dispatcher("OpCodeCompleted", t_ns, opcode)]
        return out + [self.dispatcher("OpCodeError", t_ns, opcode, RESPONSE_OF[result])]

    def state(self, s: frames.State, t_ns: int) -> bytes:
        values: dict[str, Any] = {"mode": s.mode}
        values.update((k, getattr(s, k)) for k in _STATE_FIELDS if getattr(s, k) is not None)
        if s.valid is not None:
            values["nav_valid"] = s.valid
        for prefix, v3 in (("pos", s.pos_m), ("vel", s.vel_mps)):
            unit = "m" if prefix == "pos" else "mps"
            if v3 is not None:
                values.update({f"{prefix}_{axis}_{unit}": v for axis, v in zip("ned", v3)})
        if s.att_deg is not None:
            values.update(zip(("roll_deg", "pitch_deg", "yaw_deg"), s.att_deg))
        values.update((name, s.link[key]) for name, key in _LINK_FIELDS.items() if key in s.link)
        return self._channels("vehicle", values, s.t_ns if s.t_ns is not None else t_ns)

    def telemetry(self, t: frames.Tlm) -> bytes | None:
        return self._channels(t.source, t.channels, t.t_ns)

    def _channels(self, component: str, values: dict[str, Any], t_ns: int) -> bytes | None:
        entries: list[tuple[FChannel, Any]] = []
        for key, v in values.items():
            ch = self.cat.channel_of.get((component, key))
            if ch is None or not _fits(ch, v):
                self.unsent_channels += 1
                continue
            entries.append((ch, v))
        return packets.channel_packet(entries, t_ns) if entries else None

    def file(self, f: frames.FileChunk) -> list[bytes]:
        out = self._files.setdefault(f.id, packets.FileDownlink(f.path, f.size))
        if f.done:
            del self._files[f.id]
        return out.packets(f.offset, f.data, f.done, self.file_packet_bytes)


def _fits(ch: FChannel, v: Any) -> bool:
    try:
        packets.encode_value(ch.type, v)
    except (ValueError, TypeError, OverflowError, IndexError, packets.struct.error):
        return False
    return True
