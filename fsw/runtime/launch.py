"""Start one flight process: `python -m fsw.runtime.launch NAME --config FILE --run-dir DIR`.

The supervisor runs this for each flight process. The table below is the one list of process classes.
"""
from __future__ import annotations

import argparse
import ctypes
import importlib
import logging
import os
import signal
import sys

from fsw.bus.topics import default_registry
from fsw.bus.topology import Topology
from fsw.clock import MonotonicClock
from fsw.config import ConfigError
from fsw.config.stack import LoadedStack, ProcessConfig, load_stack
from fsw.health.supervision import EXIT_CONFIG, PARENT_ENV
from fsw.runtime.commands import default_dictionary
from fsw.runtime.node import FlightProcess, ProcessContext

PROCESSES: dict[str, str] = {
    "camera": "fsw.camera.process:CameraProcess",
    "nav": "fsw.nav.process:NavProcess",
    "control": "fsw.control.process:ControlProcess",
    "logger": "fsw.logger.process:LoggerProcess",
    "comm": "fsw.comm.process:CommProcess",
}



def build_context(loaded: LoadedStack, name: str, run_dir: str) -> ProcessContext:
    """The context of process `name` (the health process has no `[processes]` table: it gets defaults)."""
    from hal.backend import BackendContext, backend_topics, select_backend

    cfg = loaded.config
    process = cfg.processes.get(name, ProcessConfig())
    registry = default_registry().extended(backend_topics(cfg.stack.backend))
    topology = Topology.load(loaded.topology_path, registry, run_dir)
    options = {"board": cfg.board, "config_path": str(loaded.path), "nav": cfg.nav}
    backend = select_backend(cfg.stack.backend, BackendContext(run_dir, options, name, topology))
    time_source = backend.time_source()  # the flight clock: the host's, or the world's in simulation
    return ProcessContext(name=name, topology=topology, clock=time_source.clock, wall=MonotonicClock(),
                          dictionary=default_dictionary(), process=process, health=cfg.health, nav=cfg.nav,
                          flight=cfg.flight, logger=cfg.logger, comm=cfg.comm, run_dir=run_dir, config_path=str(loaded.path),
                          events=cfg.events, backend=backend, time_source=time_source)


def make_process(ctx: ProcessContext) -> FlightProcess:
    module_name, class_name = PROCESSES[ctx.name].split(":")
    return getattr(importlib.import_module(module_name), class_name)(ctx)


def die_with_parent() -> None:
    """Ask Linux to send SIGTERM when the supervisor dies, so no flight process is ever orphaned. A supervisor
    that died before the request (while Python started) is seen by the parent's pid having changed: to 1, or
    to a container's subreaper, which is why the supervisor passes its own pid (`PARENT_ENV`)."""
    pr_set_pdeathsig = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        return
    parent = os.environ.pop(PARENT_ENV, "")  # not handed down to a process this one starts
    if os.getppid() == 1 or (parent.isdigit() and os.getppid() != int(parent)):
        sys.exit(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fsw.runtime.launch")
    parser.add_argument("name", choices=sorted(PROCESSES))
    parser.add_argument("--config", required=True)
    parser.add_argument("--run-dir", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s {args.name} %(levelname)s %(message)s")
    die_with_parent()
    try:
        ctx = build_context(load_stack(args.config), args.name, args.run_dir)
    except (ConfigError, RuntimeError, ValueError) as exc:
        logging.error("cannot start: %s", exc)
        return EXIT_CONFIG
    return make_process(ctx).run()


if __name__ == "__main__":
    sys.exit(main())
