"""Writing a flight log: records buffered and flushed (with fsync) at least every `flush_interval_s`, so a
crash loses at most that much; rotation to a new file by size; logging stops cleanly, with a reason, when the
disk runs low or a write fails -- the flight goes on without it.

The disk work (write and fsync) runs on a thread of its own, in order: a slow fsync (a virtual disk took
0.45 s in an hour's hover) no longer stops the logger taking messages off the bus, where a backlog of navcam
frames had grown its memory by 14%.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from fsw.logger.logfile import FILE_MAGIC, FORMAT_VERSION, Kind, frame

NS_PER_S = 1_000_000_000


class LogWriter:
    def __init__(self, path: Path, header: dict[str, Any], now_ns: Callable[[], int],
                 flush_interval_s: float = 0.5, max_bytes: int = 512 * 1024 * 1024,
                 min_free_bytes: int = 64 * 1024 * 1024) -> None:
        self.base = Path(path)
        self.header = {**header, "format_version": FORMAT_VERSION}
        self.now_ns = now_ns
        self.flush_ns = round(flush_interval_s * NS_PER_S)
        self.max_bytes, self.min_free_bytes = max_bytes, min_free_bytes
        self.records = 0
        self.files: list[Path] = []
        self.stopped: str | None = None  # why logging stopped, if it did
        self._buf = bytearray()
        self._fd: int | None = None
        self._disk = ThreadPoolExecutor(max_workers=1, thread_name_prefix="logdisk")
        self._failed: str | None = None  # set by the disk thread
        self._size = 0
        self._last_flush = now_ns()
        self._open()
        self.flush()  # the header at once: a log always says what it is

    def _open(self) -> None:
        path = self.base if not self.files else self.base.with_name(f"{self.base.stem}.{len(self.files)}"
                                                                    f"{self.base.suffix}")
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        self.files.append(path)
        self._size = 0
        self._buf += FILE_MAGIC + frame(Kind.HEADER, "", 0, {**self.header, "part": len(self.files)})

    def append(self, kind: Kind, topic: str, t_ns: int, body: Any) -> None:
        if not self.stopped:
            self.append_framed(frame(kind, topic, t_ns, body))

    def append_framed(self, record: bytes) -> None:
        """Append a record already framed (`logfile.frame`): one record framed once for several logs."""
        if self.stopped:
            return
        self._buf += record
        self.records += 1
        self.flush_if_due()

    def flush_if_due(self) -> None:
        if self.now_ns() - self._last_flush >= self.flush_ns:
            self.flush()

    def flush(self) -> None:
        """Hand what is buffered (with a sync marker) to the disk thread, which writes it and makes it durable."""
        if self._failed:
            self.stop(self._failed)
        if self.stopped or self._fd is None:
            return
        self._last_flush = self.now_ns()
        if not self._buf:
            return
        if self.records:
            self._buf += frame(Kind.SYNC, "", 0, [self.records, self._last_flush])
        try:
            low = shutil.disk_usage(self.base.parent).free < self.min_free_bytes + len(self._buf)
        except OSError as exc:
            low, self._failed = False, f"write failed: {exc.strerror or exc}"
        if low or self._failed:
            self.stop("disk nearly full" if low else self._failed)
            return
        self._disk.submit(self._write, self._fd, bytes(self._buf))
        self._size += len(self._buf)
        self._buf.clear()
        if self._size >= self.max_bytes:
            self._disk.submit(_close, self._fd)
            self._open()

    def sync(self) -> None:
        """Wait until everything handed to the disk thread is written and durable."""
        self._disk.submit(lambda: None).result()

    def _write(self, fd: int, data: bytes) -> None:
        if self._failed:
            return
        try:
            os.write(fd, data)
            os.fsync(fd)
        except OSError as exc:
            self._failed = f"write failed: {exc.strerror or exc}"

    def stop(self, reason: str) -> None:
        """Stop logging for good (what was written stays readable)."""
        self.stopped = reason
        self._buf.clear()
        self._close_fd()

    def close(self) -> None:
        """Flush, and wait until everything is on disk."""
        self.flush()
        self._close_fd()
        self._disk.shutdown(wait=True)

    def _close_fd(self) -> None:
        if self._fd is not None:
            self._disk.submit(_close, self._fd)  # after the writes handed over before it
            self._fd = None


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass
