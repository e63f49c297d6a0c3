"""Board health of the computer the stack runs on: CPU temperature from sysfs thermal zones, load, memory, disk.

Used by the board backend, and by the simulated one (in simulation the flight computer is the host).
"""
from __future__ import annotations

import os
from pathlib import Path

import psutil

from fsw.bus.messages import BoardHealth
from hal.device import DeviceError

NO_TEMPERATURE = float("nan")


class HostBoardHealth:
    """Reads `<sysfs>/class/thermal/thermal_zone*/temp` (millidegrees C): the hottest zone is reported."""

    name = "board_health"

    def __init__(self, sysfs: str | Path = "/sys", disk_path: str | Path = "/") -> None:
        self.sysfs = Path(sysfs)
        self.disk_path = Path(disk_path)
        self.zones: list[Path] = []

    def open(self) -> None:
        if not self.disk_path.exists():
            raise DeviceError(self.name, str(self.disk_path), "disk path to watch does not exist")
        self.zones = sorted((self.sysfs / "class" / "thermal").glob("thermal_zone*/temp"))

    def close(self) -> None:
        self.zones = []

    def cpu_temp_c(self) -> float:
        temps = []
        for zone in self.zones:
            try:
                temps.append(int(zone.read_text().strip()) / 1000.0)
            except (OSError, ValueError):
                continue  # a zone that cannot be read now (sensor asleep, driver error) is skipped
        return max(temps) if temps else NO_TEMPERATURE

    def read(self, t_ns: int) -> BoardHealth | None:
        load_1m = os.getloadavg()[0]
        mem = psutil.virtual_memory().percent
        disk = psutil.disk_usage(str(self.disk_path)).free
        return BoardHealth(t_ns, self.cpu_temp_c(), load_1m, float(mem), int(disk))
