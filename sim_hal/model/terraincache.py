"""Coarse terrain maps kept on disk between runs: the map of a whole area takes seconds to make (2.2 s over
`jezero`) and is the same every time for the same terrain, seed and code, while every flight needs it (its
renderer's far field, the colour stills). A map is stored under a key made of its spec and of the terrain
code's own text, so a change to either makes a new one; the newest few are kept.

`GINNY_TERRAIN_CACHE` names the folder ("" or "off": no cache); by default `$XDG_CACHE_HOME/ginny/terrain`
(`~/.cache/ginny/terrain`). A file that cannot be read is made again; one that cannot be written is not kept.
"""
from __future__ import annotations

import hashlib
import os
import zipfile
from functools import lru_cache
from pathlib import Path

from sim_hal.model.terrain import Grid, TerrainSpec, load_grid, save_grid

CACHE_ENV = "GINNY_TERRAIN_CACHE"
KEEP = 6  # maps kept (about 60 MB each over a 1.6 km square)


def cache_dir() -> Path | None:
    value = os.environ.get(CACHE_ENV)
    if value is not None:
        return Path(value) if value not in ("", "off") else None
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ginny" / "terrain"


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """The terrain code's text (every module of the model the maps are made by)."""
    h = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def cache_path(spec: TerrainSpec) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    key = hashlib.sha256(f"{spec!r}\0{_code_digest()}".encode()).hexdigest()[:24]
    return folder / f"coarse-{spec.name}-{key}.npz"


def is_cached(spec: TerrainSpec) -> bool:
    path = cache_path(spec)
    return path is not None and path.exists()


def load_coarse(spec: TerrainSpec) -> Grid | None:
    """The stored coarse map of `spec`, if there is a readable one."""
    path = cache_path(spec)
    if path is None or not path.exists():
        return None
    try:
        grid = load_grid(path)
        os.utime(path)  # the newest used is the last pruned
        return grid
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None


def store_coarse(spec: TerrainSpec, grid: Grid) -> None:
    """Keep `grid` (written under a name of its own, then renamed: a reader never finds half a map), and drop
    the oldest beyond `KEEP`."""
    path = cache_path(spec)
    if path is None:
        return
    part = path.with_name(f".{path.stem}.{os.getpid()}.tmp.npz")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        save_grid(part, grid)
        os.replace(part, path)
        maps = sorted(path.parent.glob("coarse-*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in maps[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        part.unlink(missing_ok=True)
