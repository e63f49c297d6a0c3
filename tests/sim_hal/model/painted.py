"""Level test ground with a painted pattern: a fine window of the shade given (heights 0), over a dark coarse
map of the same level; every query answers from those."""
from __future__ import annotations

import numpy as np

from sim_hal.model.terrain import Grid, Terrain, TerrainSpec

DARK = 40


class PaintedTerrain(Terrain):
    def __init__(self, origin_n: float, origin_e: float, res_m: float, shade: np.ndarray) -> None:
        super().__init__(TerrainSpec(name="flat", seed=1))
        self._fine = Grid(origin_n, origin_e, res_m, np.zeros(shade.shape, np.float32), shade, np.zeros_like(shade))
        self._coarse = Grid(-500.0, -500.0, 1.0, np.zeros((1000, 1000), np.float32),
                            np.full((1000, 1000), DARK, np.uint8), np.zeros((1000, 1000), np.uint8))

    def window(self, north_m: float, east_m: float, radius_tiles: int = 2) -> Grid:
        return self._fine

    def height_at(self, north_m: float, east_m: float) -> float:
        return 0.0
