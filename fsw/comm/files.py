"""Files on board for the ground (pure): listing and chunked reading, confined to one root folder."""
from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fsw.comm.frames import FileChunk

MAX_LISTED = 200


class FileRefused(ValueError):
    """A path outside the root, missing, or not a regular file."""


def resolve(root: Path, relative: str) -> Path:
    """`relative` inside `root`, or FileRefused: no absolute paths, no way out with `..` or links."""
    if relative.startswith("/") or "\0" in relative:
        raise FileRefused(f"{relative!r}: give a path relative to the run directory")
    root = root.resolve()
    path = (root / relative).resolve()
    if path != root and root not in path.parents:
        raise FileRefused(f"{relative!r} is outside the run directory")
    return path


def listing(root: Path, relative: str) -> list[dict[str, Any]]:
    """The regular files and folders under `relative` (sockets and the like are left out)."""
    folder = resolve(root, relative)
    if not folder.is_dir():
        raise FileRefused(f"{relative!r} is not a folder")
    out = []
    for p in sorted(folder.iterdir())[:MAX_LISTED]:
        try:
            st = p.stat()
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode):
            out.append({"path": str(p.relative_to(root.resolve())), "size": st.st_size,
                        "dir": stat.S_ISDIR(st.st_mode)})
    return out


@dataclass
class Transfer:
    """One file going down, a chunk at a time."""

    cmd_id: int
    path: Path
    name: str  # as the ground asked for it
    size: int
    offset: int = 0

    @classmethod
    def open(cls, root: Path, relative: str, cmd_id: int) -> "Transfer":
        path = resolve(root, relative)
        if not path.is_file():
            raise FileRefused(f"{relative!r} is not a file on board")
        return cls(cmd_id, path, relative, path.stat().st_size)

    def next_frame(self, chunk: int) -> FileChunk | None:
        """The next chunk's frame, or None when the whole file has gone."""
        if self.offset > self.size or (self.offset == self.size and self.size > 0):
            return None
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read(min(chunk, self.size - self.offset))
        frame = FileChunk(self.cmd_id, self.name, self.offset, self.size, data, self.offset + len(data) >= self.size)
        self.offset += len(data) if data else 1  # an empty file: one frame, then done
        return frame
