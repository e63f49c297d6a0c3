"""Coarse terrain maps kept on disk: the same map back, made once per spec and code; a bad file made again."""
from __future__ import annotations

import numpy as np
import pytest

from sim_hal.model import terrain, terraincache
from sim_hal.model.terrain import Terrain, TerrainSpec

SPEC = TerrainSpec(name="flat", seed=4, extent_m=200.0)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(terraincache.CACHE_ENV, str(tmp_path))
    return tmp_path


def test_a_second_terrain_of_the_same_spec_loads_the_first_ones_map(cache, monkeypatch) -> None:
    made = Terrain(SPEC).coarse
    [stored] = cache.glob("coarse-flat-*.npz")
    make_grid = terrain.make_grid
    monkeypatch.setattr(terrain, "make_grid", lambda spec, *a: make_grid(spec, *a) if a[-1]
                        else pytest.fail("the coarse map was made again"))
    loaded = Terrain(SPEC).coarse
    assert np.array_equal(loaded.height, made.height) and np.array_equal(loaded.shade, made.shade)
    assert (loaded.origin_n, loaded.origin_e, loaded.res_m) == (made.origin_n, made.origin_e, made.res_m)
    assert terraincache.cache_path(TerrainSpec(name="flat", seed=5, extent_m=200.0)) != stored  # another seed


def test_an_unreadable_map_is_made_again_and_the_cache_keeps_the_newest_few(cache) -> None:
    Terrain(SPEC).coarse
    [stored] = cache.glob("coarse-*.npz")
    stored.write_bytes(b"not a map")
    again = Terrain(SPEC).coarse
    assert again.height.shape == (400, 400) and terraincache.load_coarse(SPEC) is not None  # stored again
    for seed in range(terraincache.KEEP + 2):
        Terrain(TerrainSpec(name="flat", seed=100 + seed, extent_m=200.0)).coarse
    assert len(list(cache.glob("coarse-*.npz"))) == terraincache.KEEP
    assert not list(cache.glob(".*"))  # no half-written files left


def test_off_means_no_cache(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv(terraincache.CACHE_ENV, "off")
    assert terraincache.cache_path(SPEC) is None
    Terrain(SPEC).coarse
    assert not list(tmp_path.iterdir())
