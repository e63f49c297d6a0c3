"""The accuracy benchmark's terrains: `hills` rises 20 m at 10% and no steeper; the photographic terrains
are real photographs (their texture, not noise), the same for a seed, tiled without a straight repeat, and
`gravel_slope` slopes 5%."""
from __future__ import annotations

import numpy as np
import pytest

from sim_hal.model.photos import photo_albedo
from sim_hal.model.terrain import HILL_RISE_M, HILL_START_M, Grid, Terrain, TerrainSpec, make_grid


def test_hills_rise_twenty_metres_at_ten_percent() -> None:
    t = Terrain(TerrainSpec(name="hills", seed=1, extent_m=400.0))
    g = make_grid(t.spec, -20.0, 0.0, 1.0, (340, 4), detail=False)
    rise = g.height[:, 0].astype(float)
    slope = np.diff(rise)  # per metre northwards (jezero's own relief on top)
    assert rise[-1] - rise[0] == pytest.approx(HILL_RISE_M, abs=1.5)
    assert np.percentile(slope[int(HILL_START_M) + 40:int(HILL_START_M) + 160], 50) == pytest.approx(0.1, abs=0.01)
    assert np.percentile(np.abs(slope), 90) < 0.15  # (craters are steeper, here and there)


def test_the_photographs_are_seeded_and_turned_cell_by_cell() -> None:
    g = (0.0, 0.0, 0.03, (1200, 1200))  # 36 m: a few 16 m gravel cells
    a, b = photo_albedo("gravel", 1, g), photo_albedo("gravel", 1, g)
    assert np.array_equal(a, b) and not np.array_equal(a, photo_albedo("gravel", 2, g))
    assert 0.15 <= a.min() and a.max() <= 0.85 and a.std() > 0.08  # stones: texture, not a flat grey
    cell = round(16.0 / 0.03)
    assert not np.allclose(a[:cell // 2, :cell // 2], a[cell:cell + cell // 2, :cell // 2])  # the next cell is turned


def test_gravel_slope_rises_five_percent() -> None:
    t = Terrain(TerrainSpec(name="gravel_slope", seed=1, extent_m=400.0))
    assert t.height_at(30.0, 40.0) - t.height_at(0.0, 0.0) == pytest.approx(0.04 * 30 + 0.03 * 40, abs=0.01)
    assert Terrain(TerrainSpec(name="lunar", seed=1, extent_m=400.0)).height_at(50.0, -20.0) == 0.0


def test_an_averaged_grid_keeps_its_points_where_they_were() -> None:
    """A block's mean stands at the block's centre: a tilted plane reads the same height at any point, on
    the fine grid and on one averaged over 4x4 cells; a partial last block is left out."""
    rows, cols = np.mgrid[0:66, 0:82].astype(np.float32)
    fine = Grid(10.0, -5.0, 0.03, 0.2 * rows + 0.1 * cols, np.zeros((66, 82), np.uint8),
                (cols >= 40).astype(np.uint8))
    coarse = fine.averaged(4)
    assert coarse.height.shape == (16, 20) and coarse.res_m == pytest.approx(0.12)
    for north, east in ((10.5, -4.0), (11.2, -3.1)):
        (r, c), (rc, cc) = fine.to_pixel(north, east), coarse.to_pixel(north, east)
        assert 0.2 * r + 0.1 * c == pytest.approx(_bilinear(coarse.height, rc, cc), abs=1e-4)
    assert coarse.rover[:, 9].tolist() == [0] * 16 and coarse.rover[:, 10].tolist() == [1] * 16


def _bilinear(a: np.ndarray, r: float, c: float) -> float:
    r0, c0 = int(r), int(c)
    fr, fc = r - r0, c - c0
    top = a[r0, c0] * (1 - fc) + a[r0, c0 + 1] * fc
    bottom = a[r0 + 1, c0] * (1 - fc) + a[r0 + 1, c0 + 1] * fc
    return float(top * (1 - fr) + bottom * fr)
