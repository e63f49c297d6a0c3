"""Writing a flight log: records buffered and flushed (with fsync) at least every `flush_interval_s`, so a
crash loses at most that much; rotation to a new file by size; logging stops cleanly, with a reason, when the
disk runs low or a write fails -- the flight goes on without it.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Callable
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
        if self.stopped:
            return
        self._buf += frame(kind, topic, t_ns, body)
        self.records += 1
        self.flush_if_due()

    def flush_if_due(self) -> None:
        if self.now_ns() - self._last_flush >= self.flush_ns:
            self.flush()

    def flush(self) -> None:
        """Write what is buffered (with a sync marker) and make it durable."""
        if self.stopped or self._fd is None:
            return
        self._last_flush = self.now_ns()
        if not self._buf:
            return
        if self.records:
            self._buf += frame(Kind.SYNC, "", 0, [self.records, self._last_flush])
        try:
            if shutil.disk_usage(self.base.parent).free < self.min_free_bytes + len(self._buf):
                self.stop("disk nearly full")
                return
            os.write(self._fd, self._buf)
            os.fsync(self._fd)
        except OSError as exc:
            self.stop(f"write failed: {exc.strerror or exc}")
            return
        self._size += len(self._buf)
        self._buf.clear()
        if self._size >= self.max_bytes:
            os.close(self._fd)
            self._open()

    def stop(self, reason: str) -> None:
        """Stop logging for good (what was written stays readable)."""
        self.stopped = reason
        self._buf.clear()
        self._close_fd()

    def close(self) -> None:
        self.flush()
        self._close_fd()

    def _close_fd(self) -> None:
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass
            self._fd = None
