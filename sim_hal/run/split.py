"""Processor in the loop across machines: the flight stack on one host (the board: `ginny board --world`) and
the world on another (a laptop: `ginny sim --backend board --board`), in lockstep over tcp.

Both sides write the same topology (`topology.toml` beside the stack config they fly): every flight process
publishes at the stack's host, each on its own block of ports from the stack's first port, the world at its
host and port. The flight processes are the board-loop backend's (the board's drivers on chips the world's
samples feed, `sim_hal/backend/boardloop.py`), so the flight stack meets the world only through the bus. Lockstep
makes the link's latency and the board's CPU speed irrelevant: the run depends on its seed and configs alone.

The world's side starts the world once the remote supervisor's table (`health.procs`) shows every flight
process ready, as `ginny sim` does on one host; the board's side stops its stack when the world says it is done
(its `SIM_DONE` event).
"""
from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from fsw import config
from fsw.bus.messages import ProcessStats, ProcState
from fsw.bus.reader import BusReader
from fsw.bus.topology import Topology, TopologyFile
from fsw.clock import NS_PER_MS, MonotonicClock
from fsw.health.process import HealthProcess
from fsw.runtime.timers import Timers
from sim_hal.backend.topics import sim_registry

WORLD = "world"
DEFAULT_WORLD_PORT = 7160  # the world's first port (tcp://HOST:7160 ... 7169)
DEFAULT_STACK_PORT = 7100  # the flight processes' first port (health's): each process a block after it
TOPOLOGY = "topology.toml"  # written beside the stack config, which names it relative to itself
_TCP = re.compile(r"(?:tcp://)?(?P<host>[A-Za-z0-9.\-]+)(?::(?P<port>\d+))?")


@dataclass(frozen=True)
class Split:
    world_host: str
    world_port: int
    stack_host: str
    stack_port: int


def parse_address(text: str, flag: str, default_port: int) -> tuple[str, int]:
    """`tcp://HOST[:PORT]` (or `HOST[:PORT]`) -> (host, port); ValueError naming `flag`."""
    m = _TCP.fullmatch(text.strip())
    port = int(m["port"]) if m and m["port"] else default_port
    if not m or not 1 <= port <= 65000:
        raise ValueError(f"{flag}: {text!r} is not tcp://HOST[:PORT] with a port 1..65000")
    return m["host"], port


def own_address(towards: str, flag: str) -> str:
    """The local address this host reaches `towards` from, as the kernel routes it (nothing is sent)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect((towards, 9))
            return s.getsockname()[0]
    except OSError as exc:
        raise ValueError(f"{flag}: no route to {towards} ({exc}); give this host's address with --bind") from None


def world_side(board: str, bind: str) -> Split:
    """The world's side: `--board tcp://HOST[:PORT]` (where the flight stack publishes), `--bind HOST[:PORT]`
    (this host's, default: the address that routes to the board; port 7160)."""
    stack_host, stack_port = parse_address(board, "--board", DEFAULT_STACK_PORT)
    world_host, world_port = parse_address(bind or own_address(stack_host, "--board"), "--bind", DEFAULT_WORLD_PORT)
    return Split(world_host, world_port, stack_host, stack_port)


def stack_side(world: str, bind: str) -> Split:
    """The board's side: `--world tcp://HOST[:PORT]`, `--bind HOST[:PORT]` (this host's, default: the address
    that routes to the world; port 7100)."""
    world_host, world_port = parse_address(world, "--world", DEFAULT_WORLD_PORT)
    stack_host, stack_port = parse_address(bind or own_address(world_host, "--world"), "--bind", DEFAULT_STACK_PORT)
    return Split(world_host, world_port, stack_host, stack_port)


def topology_raw(split: Split, processes: list[str]) -> dict:
    """The split's topology: each flight process of `processes` on a block of ports as wide as the topics it
    publishes (its backend's included), in order from the stack's first port; the world at its own.
    ValueError when the blocks leave the port range or meet the world's on one host."""
    registry = sim_registry()
    blocks, port = {}, split.stack_port
    for name in processes:
        blocks[name] = {"host": split.stack_host, "port": port}
        port += len(registry.published_by(name))
    world_end = split.world_port + len(registry.published_by(WORLD))
    if port > 65000 or world_end > 65000:
        raise ValueError(f"ports up to {max(port, world_end)}: above 65000 (choose lower first ports)")
    if split.stack_host == split.world_host and split.stack_port < world_end and split.world_port < port:
        raise ValueError(f"the stack's ports {split.stack_port}.. and the world's {split.world_port}..{world_end - 1} "
                         f"meet on {split.stack_host}: give one side other ports")
    return {"transport": "tcp", "processes": {**blocks, WORLD: {"host": split.world_host, "port": split.world_port}}}


def write_topology(folder: Path, base_topology: Path, split: Split) -> str:
    """`folder/topology.toml` for `split`, its flight processes those of `base_topology`; the name a stack
    config beside it gives as `stack.topology`."""
    spec = config.load(base_topology, TopologyFile)
    raw = topology_raw(split, [name for name in spec.processes if name != WORLD])
    (Path(folder) / TOPOLOGY).write_text("# the flight stack and the world on two hosts (sim_hal/run/split.py)\n"
                                         + tomli_w.dumps(raw), encoding="utf-8")
    return TOPOLOGY


class RemoteStack:
    """A flight stack on another host, as the world's side sees it: ready when its supervisor's newest table
    (`table()`, from health.procs) shows every flight process ready. Nothing is lost from here: the remote
    supervisor restarts its processes, and the world's hang watch ends a run whose stack stops answering."""

    def __init__(self, table: Callable[[], ProcessStats | None]) -> None:
        self.table = table
        self.timers = Timers(MonotonicClock())
        self.signalled = False
        self._stop = threading.Event()

    def ready(self) -> bool:
        t = self.table()
        return t is not None and bool(t.processes) and all(p.state is ProcState.READY for p in t.processes)

    def lost(self) -> list[str]:
        return []

    def stop(self) -> None:
        self._stop.set()

    def run(self, seconds: float | None) -> int:
        """Run the timers until stopped, `seconds` (wall) or Ctrl-C; always 0 (the stack's health is remote)."""
        end = None if seconds is None else time.monotonic() + seconds
        try:
            while not self._stop.wait(self.timers.ms_until_next() / 1e3):
                self.timers.run_due()
                if end is not None and time.monotonic() > end:
                    break
        except KeyboardInterrupt:
            self.signalled = True
        return 0


class WorldDone:
    """The board's side: stops its supervisor when the remote world says it is done (`SIM_DONE`), or when the
    world, once heard, has sent no heartbeat for `silence_s` (its host gone); read from the bus on the
    supervisor's own timer."""

    def __init__(self, supervisor: HealthProcess, topology_path: Path, run_dir: str, silence_s: float = 30.0) -> None:
        self.supervisor = supervisor
        self.reader = BusReader(Topology.load(topology_path, sim_registry(), run_dir), ["event", "heartbeat"]).open()
        self.said = ""  # the world's SIM_DONE text
        self.gone = ""  # why the world is taken to be gone
        self.silence_ns = round(silence_s * 1e9)
        self._heard_ns: int | None = None  # the world's last heartbeat (monotonic)
        supervisor.timers.every(100 * NS_PER_MS, self.check, name="world_done")

    def check(self, wait_ms: int = 0) -> None:
        """Take what the world sent (waiting up to `wait_ms` for it: the supervisor's timer does not wait)."""
        records = self.reader.poll(wait_ms)
        now = time.monotonic_ns()
        for rec in records:
            if rec.publisher != WORLD:
                continue
            self._heard_ns = now
            if rec.topic == "event" and rec.msg.name == "SIM_DONE":
                self.said = rec.msg.text
                self.supervisor.stop()
        if self._heard_ns is not None and now - self._heard_ns > self.silence_ns and not (self.said or self.gone):
            self.gone = f"silent for {self.silence_ns / 1e9:.0f} s: its host or its process is gone"
            self.supervisor.stop()

    def close(self) -> None:
        self.reader.close()
