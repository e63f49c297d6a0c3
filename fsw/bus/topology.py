"""Where every topic is published: endpoints come from one topology file.

Each process binds one socket per topic it publishes (so each topic has its own high-water mark) and
subscribers connect to the publishers of the topics they read. With `transport = "ipc"` (one host) the
endpoint is `ipc://{ipc_dir}/{process}.{topic}`; with `transport = "tcp"` (across hosts) it is
`tcp://{host}:{port + i}` where i is the topic's index in the process's list of published topics.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fsw import config
from fsw.bus.topics import EVERY_PROCESS, TopicRegistry
from fsw.typed import check

_MAX_IPC_PATH = 100  # sun_path is 108 bytes on Linux


@dataclass(frozen=True)
class ProcessEndpoint:
    host: str = "127.0.0.1"
    port: int = 0  # first tcp port of the process; unused with ipc

    def __post_init__(self) -> None:
        check(0 <= self.port <= 65000, "port", f"{self.port} is outside 0..65000")


@dataclass(frozen=True)
class TopologyFile:
    transport: str
    processes: dict[str, ProcessEndpoint]
    ipc_dir: str = "{run_dir}"

    def __post_init__(self) -> None:
        check(self.transport in ("ipc", "tcp"), "transport", f"{self.transport!r} is not ipc or tcp")
        if self.transport == "tcp":
            for name, ep in self.processes.items():
                check(ep.port > 0, f"processes.{name}.port", "tcp needs a port for every process")


class TopologyError(ValueError):
    pass


@dataclass(frozen=True)
class Topology:
    """A topology file resolved for one run (`run_dir` fills `{run_dir}` in ipc paths)."""

    spec: TopologyFile
    registry: TopicRegistry
    run_dir: str
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.spec.transport == "tcp":
            self._check_ports()

    def _check_ports(self) -> None:
        """With tcp, each process takes one port per topic it publishes from its first: no two processes of one
        host may share a port (TopologyError naming both)."""
        taken: dict[tuple[str, int], str] = {}
        for name, ep in self.spec.processes.items():
            for port in range(ep.port, ep.port + len(self.registry.published_by(name))):
                other = taken.setdefault((ep.host, port), name)
                if other != name:
                    raise TopologyError(f"processes.{name}.port: {name} publishes on {ep.host}:{port}, which "
                                        f"{other} takes too ({len(self.registry.published_by(other))} topics from "
                                        f"{self.spec.processes[other].port})")

    @classmethod
    def load(cls, path: str | Path, registry: TopicRegistry, run_dir: str) -> "Topology":
        return cls(config.load(path, TopologyFile), registry, run_dir)

    @property
    def processes(self) -> list[str]:
        return list(self.spec.processes)

    def publishers_of(self, topic: str) -> list[str]:
        owner = self.registry[topic].publisher
        if owner == EVERY_PROCESS:
            return self.processes
        if owner not in self.spec.processes:
            raise TopologyError(f"topic {topic!r} is published by {owner!r}, which the topology does not list")
        return [owner]

    def endpoint(self, process: str, topic: str) -> str:
        key = (process, topic)
        if key not in self._cache:
            self._cache[key] = self._resolve(process, topic)
        return self._cache[key]

    def _resolve(self, process: str, topic: str) -> str:
        if process not in self.spec.processes:
            raise TopologyError(f"process {process!r} is not in the topology")
        names = [t.name for t in self.registry.published_by(process)]
        if topic not in names:
            raise TopologyError(f"process {process!r} does not publish {topic!r}")
        if self.spec.transport == "tcp":
            ep = self.spec.processes[process]
            return f"tcp://{ep.host}:{ep.port + names.index(topic)}"
        path = f"{self.spec.ipc_dir.format(run_dir=self.run_dir)}/{process}.{topic}"
        if len(path) > _MAX_IPC_PATH:
            raise TopologyError(f"ipc path too long ({len(path)} > {_MAX_IPC_PATH}): {path}")
        return f"ipc://{path}"
