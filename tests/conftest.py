"""Shared fixtures: a short run folder for ipc sockets, the default topology, and waiting on conditions."""
from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator

import pytest

from sim_hal.backend.topics import sim_registry
from fsw.bus.topology import Topology
from fsw.config.stack import DEFAULT_DIR


def wait_until(condition: Callable[[], object], timeout_s: float = 5.0, step: Callable[[], object] | None = None,
               what: str = "condition") -> object:
    """Call `step` (which should block briefly, e.g. a poll) until `condition()` is truthy or time runs out."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        if step is not None:
            step()


@pytest.fixture
def run_dir() -> Iterator[str]:
    path = tempfile.mkdtemp(prefix="gt-", dir="/tmp")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def topology(run_dir: str) -> Topology:
    return Topology.load(DEFAULT_DIR / "topology.toml", sim_registry(), run_dir)  # with the simulator's topics
