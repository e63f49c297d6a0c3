"""System-test fixtures: a simulated vehicle waiting for the ground (one per test module)."""
from __future__ import annotations

import pytest

from tests.system.ground import GroundFlight


@pytest.fixture(scope="module")
def flight(tmp_path_factory) -> GroundFlight:
    f = GroundFlight(tmp_path_factory.mktemp("ground")).start()
    yield f
    f.stop()
