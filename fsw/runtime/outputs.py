"""Where the host tools write (a flight's output folder, an export, a report) and listen (an endpoint): every
target checked before anything runs or is written, each refusal a ValueError naming the flag and the reason,
and an earlier flight's records never overwritten. And how a file is written whole (`write_whole`)."""
from __future__ import annotations

import os
import re
from pathlib import Path

_TCP = re.compile(r"^tcp://(?P<host>[^\s/:]+|\*|\[[0-9a-fA-F:]+\]):(?P<port>[0-9]{1,5})$")


def check_out_folder(out: Path, flag: str) -> None:
    """A flight's output folder must be new or empty, and one that can be made here: an earlier flight's
    records are never overwritten (ValueError naming `flag` and the reason)."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"{flag} {out}: is a file, not a folder")
    if out.is_dir() and any(out.iterdir()):
        raise ValueError(f"{flag} {out}: is not empty (an earlier flight's records are never overwritten: "
                         f"choose a new folder, or leave out {flag} for a fresh one)")
    parent = next((p for p in out.parents if p.exists()), None)
    if parent is None or not parent.is_dir():
        raise ValueError(f"{flag} {out}: {parent} is a file, not a folder")
    if not os.access(out if out.exists() else parent, os.W_OK | os.X_OK):
        raise ValueError(f"{flag} {out}: cannot write there ({out if out.exists() else parent} is not writable)")


def make_folder(out: Path, flag: str) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"{flag} {out}: cannot make the folder ({exc.strerror or exc})") from None


def fresh_out_folder(base: Path) -> Path:
    """`base` if it is new or empty, else the first of base-2, base-3, ... that is: a default output folder
    that never overwrites an earlier flight."""
    candidate, n = base, 1
    while candidate.exists() and (not candidate.is_dir() or any(candidate.iterdir())):
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def check_export_folder(out: Path, flag: str) -> None:
    """A folder for regenerated output (CSV files, a report, a trajectory): an existing folder or one that can
    be made; made here, so a refusal comes before any work (ValueError naming `flag`)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{flag} {out}: is a file, not a folder")
    blocking = next((p for p in out.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise ValueError(f"{flag} {out}: {blocking} is a file, not a folder")
    make_folder(out, flag)
    if not os.access(out, os.W_OK | os.X_OK):
        raise ValueError(f"{flag} {out}: cannot write there (the folder is not writable)")


def check_export_file(path: Path, flag: str) -> None:
    """A file for regenerated output (an MCAP export): its folder must exist and be writable, and the path must
    not be a folder (ValueError naming `flag`)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ValueError(f"{flag} {path}: is a folder (give a file name, e.g. {path / 'flight.mcap'})")
    if not folder.is_dir():
        raise ValueError(f"{flag} {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"{flag} {path}: cannot write in {folder}")


def check_endpoint(endpoint: str, flag: str) -> None:
    """A ZeroMQ endpoint a tool binds or connects: tcp://HOST:PORT or ipc://PATH (ValueError naming `flag`)."""
    m = _TCP.match(endpoint)
    if m and 1 <= int(m["port"]) <= 65535:
        return
    if endpoint.startswith("ipc://") and len(endpoint) > len("ipc://"):
        return
    raise ValueError(f"{flag}: {endpoint!r} is not an endpoint (tcp://HOST:PORT with a port 1..65535, "
                     "or ipc://PATH)")


def write_whole(path: Path, data: bytes) -> None:
    """Write `path` under a hidden temporary name beside it, then rename it: a kill mid-write leaves only the
    temporary, never a torn file by its name (OSError if it cannot be written)."""
    part = path.with_name(f".{path.name}.part")
    with open(part, "wb") as f:
        f.write(data)
    os.replace(part, path)
