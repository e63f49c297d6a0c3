"""The simulator's helper processes (the world's navcam renderer, tile maker and colour stills; board in the
loop's emulated MCU): started with the spawn method (a clean interpreter, whatever the parent's threads),
spoken to over a pipe, asked to end with None. What is too big to send whole without the receiver waiting on
it (a tile, a still) goes as a file, named once written."""
from __future__ import annotations

import multiprocessing as mp
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path


def start_helper(target: Callable[..., None], *args) -> tuple[Connection, BaseProcess]:
    """Run `target(*args, conn)` in a new process; return this end of the pipe and the process."""
    ctx = mp.get_context("spawn")
    conn, child = ctx.Pipe()
    proc = ctx.Process(target=_helping, args=(target, *args, child), daemon=True)
    proc.start()
    return conn, proc


def _helping(target: Callable[..., None], *args) -> None:
    """A helper ignores Ctrl-C (the terminal sends it to the whole process group): the world decides when its
    helpers end, and one dying of it mid-frame would leave the world waiting on its pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    target(*args)


def stop_helper(conn: Connection, proc: BaseProcess, timeout_s: float = 5.0) -> None:
    """Ask it to end; kill it if it has not within `timeout_s`."""
    try:
        conn.send(None)
    except (BrokenPipeError, OSError):
        pass
    proc.join(timeout_s)
    if proc.is_alive():
        proc.kill()


def write_whole(path: Path, save: Callable[[Path], None]) -> str:
    """Write `path` with `save` under a temporary name (the same suffix: numpy's savers add theirs), then
    rename it: whoever is sent the name never finds it half written. The name, to send."""
    part = path.with_suffix(".tmp" + path.suffix)
    save(part)
    part.rename(path)
    return str(path)
