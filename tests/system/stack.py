"""Run the real stack (`ginny run`) as a subprocess and watch it over the bus, as an operator's tool would."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from fsw.bus.messages import ProcState
from fsw.bus.reader import BusReader
from fsw.bus.topics import default_registry
from fsw.bus.topology import Topology
from fsw.bus.transport import Received
from fsw.config.stack import DEFAULT_DIR, DEFAULT_STACK
from tests.conftest import wait_until

FLIGHT = ("camera", "nav", "control", "logger", "comm")


class Stack:
    def __init__(self, run_dir: str, config: Path = DEFAULT_STACK, topics=("heartbeat", "event")) -> None:
        self.run_dir = run_dir
        self.config = config
        topology = Topology.load(DEFAULT_DIR / "topology.toml", default_registry(), run_dir)
        self.reader = BusReader(topology, list(topics))
        self.got: list[Received] = []
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Stack":
        self.reader.open()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ground.cli.main", "run", "--config", str(self.config), "--run-dir",
             self.run_dir], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return self

    def step(self) -> None:
        self.got.extend(self.reader.poll(20))

    def ready_pids(self) -> dict[str, int]:
        """The pid of each flight process whose latest heartbeat said READY."""
        latest: dict[str, tuple[int, ProcState]] = {}
        for r in self.got:
            if r.topic == "heartbeat":
                latest[r.msg.process] = (r.msg.pid, r.msg.state)
        return {name: pid for name, (pid, state) in latest.items() if state is ProcState.READY}

    def wait_ready(self, timeout_s: float = 20.0) -> dict[str, int]:
        done = lambda: (pids := self.ready_pids()) and all(p in pids for p in FLIGHT + ("health",)) and pids
        return wait_until(done, timeout_s, self.step, what="every process ready")

    def events(self, name: str) -> list:
        return [r.msg for r in self.got if r.topic == "event" and r.msg.name == name]

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def stop(self, timeout_s: float = 15.0) -> tuple[int, str]:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        out, _ = self.proc.communicate(timeout=timeout_s)
        self.reader.close()
        return self.proc.returncode, out


def alive(pid: int) -> bool:
    """True if `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def kill(pid: int, sig: int = signal.SIGKILL) -> None:
    os.kill(pid, sig)
