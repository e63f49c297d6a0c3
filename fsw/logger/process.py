"""Logger process: records every bus topic into the flight log (`fsw/logger/logfile.py`).

Two logs: the boot log (everything from start to stop, rotated by size) and one log per flight, from ARMED to
DISARMED or LANDED (from control's MODE events). Messages are stored as the bus encodes them; a sequence gap
becomes a GAP record; a navcam frame every `navcam_every_s` and every colour capture are written as PNG files
beside the logs and referenced by IMAGE records. A full disk or a failing write stops logging with an event;
the flight goes on.
"""
from __future__ import annotations

import time
from pathlib import Path

from fsw.bus.message import Envelope
from fsw.bus.messages import Severity
from fsw.bus.topics import Delivery
from fsw.bus.transport import Received
from fsw.clock import NS_PER_S
from fsw.control.modes import entered
from fsw.logger.images import write_image
from fsw.logger.logfile import Kind, frame
from fsw.logger.window import FlightWindow
from fsw.logger.writer import LogWriter
from fsw.runtime.node import FlightProcess

SOFTWARE = "ginny 0.1.0"
_FLUSH_CHECK_NS = 100_000_000
_TAKE_NS = 20_000_000  # what came is taken this often, not a wakeup a message (500 a second and more)
_MB = 1024 * 1024
_IMAGE_TOPICS = ("navcam", "rte")
_RECENT_NS = 2 * NS_PER_S  # messages stamped this long before the newest are in hand (processes lag less)
_LATE_NS = 2 * NS_PER_S  # a flight's log closes once a message stamped this long after its end arrives


def schemas(registry) -> dict[str, dict]:
    """Every topic's message class, field names and schema version: what a reader needs to decode it."""
    return {t.name: {"class": t.message.__name__, "fields": list(t.codec.fields),
                     "version": t.message.SCHEMA_VERSION} for t in registry}


class LoggerProcess(FlightProcess):
    def setup(self) -> None:
        cfg = self.ctx.logger
        self.dir = Path(cfg.dir) if cfg.dir else Path(self.ctx.run_dir or ".") / "flightlogs"
        self.stamp = time.strftime("%Y%m%d-%H%M%S")
        config_text = Path(self.ctx.config_path).read_text() if self.ctx.config_path else ""
        self.header = {"software": SOFTWARE, "config": config_text, "schemas": schemas(self.ctx.topology.registry),
                       "started": self.stamp, "process": self.name}  # the same for every log this process writes
        self.boot = self._writer(self.dir / f"boot-{self.stamp}.glog")
        self.flight: LogWriter | None = None
        self.window = FlightWindow(_RECENT_NS, _LATE_NS)  # which records are the flight's
        self.flights = 0
        self.counts = {"messages": 0, "gaps": 0, "images": 0}
        self._seen: dict[str, int] = {}  # per topic: messages received (for decimation)
        self._last_seq: dict[tuple[str, str], int] = {}
        self._last_navcam_ns: int | None = None
        registry = self.ctx.topology.registry
        for topic in registry:  # taken in bulk every _TAKE_NS (images as they come: their queues are short)
            if not topic.hal and topic.name not in cfg.exclude:
                self.subscribe(topic.name, self._record, wake=topic.name in _IMAGE_TOPICS)
        self.timers.every(_TAKE_NS, lambda: None, name="log_take")
        self.timers.every(_FLUSH_CHECK_NS, self._flush_due, name="log_flush")

    def _writer(self, path: Path) -> LogWriter:
        cfg = self.ctx.logger
        return LogWriter(path, self.header, self.ctx.wall.now_ns, cfg.flush_interval_s, int(cfg.max_file_mb * _MB),
                         int(cfg.min_free_mb * _MB))

    def teardown(self) -> None:
        if getattr(self, "flight", None) is not None:
            for record in self.window.drain():  # what was held for the flight: stamped up to its end, if known
                self._write(self.flight, record)
        for w in (getattr(self, "boot", None), getattr(self, "flight", None)):
            if w is not None:
                w.close()

    # --- recording --------------------------------------------------------------------------------------
    def _record(self, rec: Received) -> None:
        """Every message into the boot log; into the flight's log, those stamped from the ARMED event's time
        to the LANDED (or DISARMED) event's: the flight log is cut by flight time, not by the order messages
        happened to arrive in, so a lockstep flight's log is the same every run."""
        mode = entered(rec.msg.text) if rec.topic == "event" and rec.msg.name == "MODE" else None
        if mode == "ARMED":
            self._open_flight(rec.msg.t_ns)
        self._keep(rec)
        if mode in ("DISARMED", "LANDED"):
            self.window.ended(rec.msg.t_ns)  # closed once later stamps show the flight's are all in

    def _keep(self, rec: Received) -> None:
        self._note_gap(rec)
        n = self._seen[rec.topic] = self._seen.get(rec.topic, 0) + 1
        if (n - 1) % self.ctx.logger.decimate.get(rec.topic, 1):
            return
        if rec.topic in _IMAGE_TOPICS:
            self._image(rec)
        else:
            header = rec.header  # as it came (decoded and checked); encoded again only if not kept
            if header is None:
                codec = self.ctx.topology.registry[rec.topic].codec
                header, _ = codec.encode(rec.msg, Envelope(rec.publisher, rec.seq))
            self._append(Kind.MESSAGE, rec.topic, rec.msg.t_ns, header)
            self.counts["messages"] += 1

    def _note_gap(self, rec: Received) -> None:
        """Messages a queued topic's sequence numbers show were lost (latest-value topics skip by design)."""
        if self.ctx.topology.registry[rec.topic].delivery is Delivery.LATEST:
            return
        key = (rec.topic, rec.publisher)
        last = self._last_seq.get(key)
        self._last_seq[key] = rec.seq
        if last is not None and rec.seq > last + 1:
            self.counts["gaps"] += 1
            self._append(Kind.GAP, rec.topic, rec.msg.t_ns, [rec.publisher, rec.seq - last - 1])

    def _image(self, rec: Received) -> None:
        msg = rec.msg
        if rec.topic == "navcam":
            every = self.ctx.logger.navcam_every_s
            due = every > 0 and (self._last_navcam_ns is None or msg.t_ns - self._last_navcam_ns >= every * 1e9)
            if not (due or self.ctx.logger.navcam_all):
                return
            self._last_navcam_ns = msg.t_ns
        meta = write_image(self.dir, rec.topic, msg)
        if meta is None:
            self.event("LOG_IMAGE_FAILED", Severity.WARNING_LO, f"could not write an image of {rec.topic}")
            return
        self.counts["images"] += 1
        self._append(Kind.IMAGE, rec.topic, msg.t_ns, meta)

    def _append(self, kind: Kind, topic: str, t_ns: int, body) -> None:
        record = frame(kind, topic, t_ns, body)
        self._write(self.boot, record)
        due, complete = self.window.offer(t_ns, record)
        if self.flight is not None:
            for held in due:
                self._write(self.flight, held)
        if complete:
            self._close_flight()

    def _write(self, w: LogWriter, record: bytes) -> None:
        was = w.stopped
        w.append_framed(record)
        if w.stopped and not was:
            self.event("LOG_STOPPED", Severity.WARNING_HI, f"{w.files[-1].name}: {w.stopped}")

    def _open_flight(self, armed_ns: int) -> None:
        """A flight log from the ARMED event's time, with what came before the event but is stamped after it."""
        if self.flight is not None:
            return
        self.flights += 1
        self.flight = self._writer(self.dir / f"flight-{self.stamp}-{self.flights:02d}.glog")
        self.window.armed(armed_ns)  # it holds the flight's records until they are surely in order
        self.event("LOG_FLIGHT", Severity.ACTIVITY_LO, f"flight log {self.flight.files[0].name}", armed_ns)

    def _close_flight(self) -> None:
        if self.flight is not None:
            self.flight.close()
        self.flight = None

    def _flush_due(self) -> None:
        for w in (self.boot, self.flight):
            if w is not None:
                w.flush_if_due()

    def telemetry(self) -> dict:
        return {**self.counts, "flights": self.flights, "logging": not self.boot.stopped}
