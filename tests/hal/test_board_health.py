"""Board health read from a fake sysfs tree."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from hal.board.health import HostBoardHealth
from hal.device import DeviceError


def zone(root: Path, n: int, text: str) -> None:
    d = root / "class" / "thermal" / f"thermal_zone{n}"
    d.mkdir(parents=True)
    (d / "temp").write_text(text)


def test_hottest_zone_is_reported_and_bad_zones_skipped(tmp_path: Path) -> None:
    zone(tmp_path, 0, "45250\n")
    zone(tmp_path, 1, "61000\n")
    zone(tmp_path, 2, "garbage\n")
    sensor = HostBoardHealth(tmp_path, tmp_path)
    sensor.open()
    reading = sensor.read(99)
    assert reading.t_ns == 99 and reading.cpu_temp_c == 61.0
    assert reading.load_1m >= 0 and 0 < reading.mem_used_pct < 100 and reading.disk_free_bytes > 0


def test_no_thermal_zone_reads_nan(tmp_path: Path) -> None:
    sensor = HostBoardHealth(tmp_path, tmp_path)
    sensor.open()
    assert math.isnan(sensor.read(0).cpu_temp_c)


def test_missing_disk_path_is_a_clear_device_error(tmp_path: Path) -> None:
    with pytest.raises(DeviceError, match="board_health .*nope.*does not exist"):
        HostBoardHealth(tmp_path, tmp_path / "nope").open()
