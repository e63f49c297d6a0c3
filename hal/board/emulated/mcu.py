"""A flight-control MCU at the far end of a UART (a pseudo-terminal's master side): takes ACTUATORS frames,
answers each with a STATUS frame; can go silent or corrupt its output, for tests."""
from __future__ import annotations

import os
import select
import threading

from hal.board import mculink as link


class EmulatedMcu(threading.Thread):
    def __init__(self, fd: int) -> None:
        super().__init__(name="emulated-mcu", daemon=True)
        self.fd = fd
        self.reader = link.FrameReader()
        self.commands: list[tuple] = []
        self.silent = threading.Event()
        self.corrupt = threading.Event()
        self._stop_flag = threading.Event()
        self._seq = 0

    def run(self) -> None:
        while not self._stop_flag.is_set():
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self.fd, 4096)
            except OSError:
                return
            for f in self.reader.feed(data):
                if f.kind == link.TYPE_ACTUATORS and len(f.payload) == link.ACTUATORS.size:
                    self._answer(f)

    def _answer(self, f: link.Parsed) -> None:
        cmd = link.ACTUATORS.unpack(f.payload)
        self.commands.append(cmd)
        if self.silent.is_set():
            return
        self._seq += 1
        out = link.frame(link.TYPE_STATUS, self._seq, link.STATUS.pack(f.seq, cmd[1], 2500.0 if cmd[1] else 0.0))
        if self.corrupt.is_set():
            out = out[:-1] + bytes([out[-1] ^ 0xFF])
        os.write(self.fd, out)

    def stop(self) -> None:
        self._stop_flag.set()
        self.join(timeout=2)
