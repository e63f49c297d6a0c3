"""The flight log format and its writer: every message type round-trips, a log cut at any byte reads back up
to its last complete record, damage is skipped and reported, flushes bound the loss, disks fill cleanly."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from fsw.bus.message import Envelope
from sim_hal.backend.topics import sim_registry
from fsw.logger.logfile import FILE_MAGIC, Kind, NotALog, ReadReport, frame, read_log, read_records
from fsw.logger.writer import LogWriter
from tests.fsw.bus.samples import SAMPLES

REGISTRY = sim_registry()
ENV = Envelope("nav", 5)


class FakeClock:
    def __init__(self) -> None:
        self.t = 0

    def __call__(self) -> int:
        return self.t


def small_log() -> tuple[bytes, list[int]]:
    """A log's bytes and where each record ends."""
    data = bytearray(FILE_MAGIC + frame(Kind.HEADER, "", 0, {"software": "test"}))
    ends = [len(data)]
    for i in range(8):
        data += frame(Kind.MESSAGE, "altimeter", i, b"\x01\x02" * i)
        ends.append(len(data))
    return bytes(data), ends


@pytest.mark.parametrize("topic", sorted(t for t in SAMPLES if REGISTRY[t].codec.payload_index < 0))
def test_every_message_type_round_trips_through_a_log(tmp_path: Path, topic: str) -> None:
    codec = REGISTRY[topic].codec
    header, _ = codec.encode(SAMPLES[topic], ENV)
    w = LogWriter(tmp_path / "a.glog", {"software": "test"}, FakeClock())
    w.append(Kind.MESSAGE, topic, SAMPLES[topic].t_ns, header)
    w.close()
    records, report = read_log(tmp_path / "a.glog")
    assert report.clean and [r.kind for r in records] == [Kind.HEADER, Kind.MESSAGE, Kind.SYNC]
    msg, env = codec.decode(topic, records[1].body)
    assert codec.encode(msg, env)[0] == header and env == ENV


def test_a_log_cut_at_any_byte_reads_up_to_its_last_complete_record() -> None:
    data, ends = small_log()
    for cut in range(len(FILE_MAGIC), len(data) + 1):
        report = ReadReport()
        records = list(read_records(data[:cut], report))
        complete = sum(1 for e in ends if e <= cut)
        assert len(records) == complete, cut
        assert not report.skipped, cut
        assert report.torn_tail_bytes == cut - max([len(FILE_MAGIC)] + [e for e in ends if e <= cut]), cut


def test_a_damaged_stretch_is_skipped_and_reported() -> None:
    data, ends = small_log()
    damaged = bytearray(data)
    for i in range(ends[3] + 14, ends[3] + 18):  # inside record 4's payload
        damaged[i] ^= 0xFF
    report = ReadReport()
    records = list(read_records(bytes(damaged), report))
    assert [r.t_ns for r in records if r.kind is Kind.MESSAGE] == [0, 1, 2, 4, 5, 6, 7]
    assert report.skipped == [(ends[3], ends[4] - ends[3])] and report.torn_tail_bytes == 0


def test_garbage_and_other_files_are_refused_with_a_reason(tmp_path: Path) -> None:
    with pytest.raises(NotALog, match="not a ginny flight log"):
        list(read_records(b"PK\x03\x04 a zip file"))
    with pytest.raises(NotALog, match="cannot read"):
        read_log(tmp_path / "missing.glog")
    data, _ = small_log()
    report = ReadReport()
    assert len(list(read_records(data[:40] + os.urandom(300) + data[40:], report))) >= 1
    assert report.skipped


def test_records_reach_the_disk_within_the_flush_interval(tmp_path: Path) -> None:
    clock = FakeClock()
    w = LogWriter(tmp_path / "f.glog", {}, clock, flush_interval_s=0.5)
    w.append(Kind.MESSAGE, "altimeter", 1, b"x")
    w.sync()
    assert [r.kind for r in read_log(tmp_path / "f.glog")[0]] == [Kind.HEADER]  # the message is buffered
    clock.t = 500_000_000
    w.append(Kind.MESSAGE, "altimeter", 2, b"y")  # the interval is up: both go out, with a sync marker
    w.sync()
    records, report = read_log(tmp_path / "f.glog")
    assert [r.kind for r in records] == [Kind.HEADER, Kind.MESSAGE, Kind.MESSAGE, Kind.SYNC] and report.clean
    assert records[-1].body[0] == 2


@pytest.mark.timeout(30)
def test_a_slow_disk_does_not_hold_up_the_writer(tmp_path: Path, monkeypatch) -> None:
    """fsync stuck until the test lets it go: appending and flushing go on meanwhile (the disk thread waits);
    then every record is on disk, in order."""
    gate = threading.Event()
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (gate.wait(), real_fsync(fd)))
    clock = FakeClock()
    w = LogWriter(tmp_path / "s.glog", {}, clock, flush_interval_s=0.5)
    for i in range(50):
        clock.t = i * 500_000_000
        w.append(Kind.MESSAGE, "altimeter", i, b"x")  # each one flushes: with a blocking fsync this would hang
    gate.set()
    w.close()
    records, report = read_log(tmp_path / "s.glog")
    assert report.clean and [r.t_ns for r in records if r.kind is Kind.MESSAGE] == list(range(50))


def test_a_failed_write_stops_logging_with_the_reason(tmp_path: Path, monkeypatch) -> None:
    def broken(fd: int) -> None:
        raise OSError(5, "Input/output error")
    monkeypatch.setattr(os, "fsync", broken)
    w = LogWriter(tmp_path / "e.glog", {}, FakeClock())
    w.sync()
    w.append(Kind.MESSAGE, "altimeter", 1, b"x")
    w.flush()
    assert w.stopped == "write failed: Input/output error"
    w.close()


def test_a_full_disk_stops_logging_cleanly(tmp_path: Path) -> None:
    w = LogWriter(tmp_path / "d.glog", {}, FakeClock(), min_free_bytes=1 << 62)
    w.append(Kind.MESSAGE, "altimeter", 1, b"x")
    w.flush()
    assert w.stopped == "disk nearly full"
    w.append(Kind.MESSAGE, "altimeter", 2, b"y")  # ignored, no error
    w.close()


def test_logs_rotate_by_size_and_every_part_reads_alone(tmp_path: Path) -> None:
    w = LogWriter(tmp_path / "r.glog", {"software": "test"}, FakeClock(), max_bytes=2000)
    for i in range(300):
        w.append(Kind.MESSAGE, "altimeter", i, b"z" * 20)
        if i % 10 == 9:
            w.flush()
    w.close()
    assert len(w.files) > 3 and w.files[1].name == "r.1.glog"
    t = []
    for path in w.files:
        records, report = read_log(path)
        assert report.clean and report.header["software"] == "test"
        t += [r.t_ns for r in records if r.kind is Kind.MESSAGE]
    assert t == list(range(300))


@pytest.mark.parametrize("topic", ["navcam", "rte"])
def test_image_messages_round_trip_as_lossless_files_beside_the_log(tmp_path: Path, topic: str) -> None:
    import numpy as np

    from fsw.logger.images import read_image, write_image

    msg = SAMPLES[topic]
    w = LogWriter(tmp_path / "i.glog", {}, FakeClock())
    w.append(Kind.IMAGE, topic, msg.t_ns, write_image(tmp_path, topic, msg))
    w.close()
    records, report = read_log(tmp_path / "i.glog")
    image = [r for r in records if r.kind is Kind.IMAGE][0]
    back = read_image(tmp_path, topic, image.t_ns, image.body)
    assert type(back) is type(msg) and np.array_equal(back.pixels, msg.pixels)
    assert [getattr(back, f) for f in REGISTRY[topic].codec.fields if f != "pixels"] == \
        [getattr(msg, f) for f in REGISTRY[topic].codec.fields if f != "pixels"]
