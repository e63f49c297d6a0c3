"""Shared fixtures: a short run folder for ipc sockets, the default topology, and waiting on conditions."""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator

import pytest

from sim_hal.backend.topics import sim_registry
from fsw.bus.topology import Topology
from fsw.config.stack import DEFAULT_DIR


TIMEOUT_SCALE_ENV = "GINNY_TEST_TIMEOUT_SCALE"  # waits take this many times longer to give up (an emulated CPU)


def timeout_scale() -> float:
    """How many times longer than written a wait may take before it gives up: 1, or what TIMEOUT_SCALE_ENV says
    (deploy/arm64/check.sh runs the suite under qemu-user, 10-30x slower)."""
    return max(1.0, float(os.environ.get(TIMEOUT_SCALE_ENV, "1") or 1))


def wait_until(condition: Callable[[], object], timeout_s: float = 5.0, step: Callable[[], object] | None = None,
               what: str = "condition") -> object:
    """Call `step` (which should block briefly, e.g. a poll) until `condition()` is truthy or time runs out."""
    timeout_s *= timeout_scale()
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        if step is not None:
            step()


@pytest.fixture(scope="session", autouse=True)
def terrain_cache(tmp_path_factory) -> Iterator[None]:
    """The coarse terrain maps the suite's flights make, shared in a folder of the test session (the flights'
    processes inherit it), never in the user's own cache."""
    from sim_hal.model.terraincache import CACHE_ENV

    old = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(tmp_path_factory.mktemp("terrain-cache"))
    yield
    if old is None:
        os.environ.pop(CACHE_ENV, None)
    else:
        os.environ[CACHE_ENV] = old


@pytest.fixture
def run_dir() -> Iterator[str]:
    path = tempfile.mkdtemp(prefix="gt-", dir="/tmp")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def topology(run_dir: str) -> Topology:
    return Topology.load(DEFAULT_DIR / "topology.toml", sim_registry(), run_dir)  # with the simulator's topics


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under an emulated CPU (TIMEOUT_SCALE_ENV) a test's own time limit grows with its waits."""
    scale = timeout_scale()
    if scale == 1.0:
        return
    for item in items:
        marker = item.get_closest_marker("timeout")
        if marker is not None and marker.args:
            item.add_marker(pytest.mark.timeout(marker.args[0] * scale), append=False)
