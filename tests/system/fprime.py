"""The real F Prime ground system (fprime-gds and fprime-cli from PyPI, pinned in pyproject.toml) against
`ginny sim --ground --fprime`: started headless, on its own ports and ZeroMQ sockets, with the dictionary the
vehicle wrote, as a team that runs F Prime would start it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

from ground.bench import free_port
from tests.conftest import wait_until
from tests.system.ground import PLANS, GroundFlight

BIN = Path(sys.executable).parent


class FprimeGds:
    def __init__(self, tmp: Path, framing: str = "space-packet-space-data-link") -> None:
        self.tmp = tmp
        self.framing = framing
        self.port, self.gui_port = free_port(), free_port()
        self.vehicle = GroundFlight(tmp, PLANS / "jump.toml", ("--fprime", framing, "--fprime-port", str(self.port)))
        self.dictionary = self.vehicle.out / "fprime-dictionary.json"
        self.files = tmp / "gds-files"
        self.zmq = [f"ipc://{tmp}/gds-in", f"ipc://{tmp}/gds-out"]
        self.proc: subprocess.Popen | None = None
        self.api = None

    def start(self) -> "FprimeGds":
        self.vehicle.start()
        wait_until(lambda: self.dictionary.exists() or self.vehicle.proc.poll() is not None, 60,
                   lambda: _waiting(self.vehicle.proc), what="the vehicle's F Prime dictionary")
        assert self.dictionary.exists(), f"the vehicle ended first: {self.vehicle.proc.communicate()[0]}"
        self.proc = subprocess.Popen(
            [str(BIN / "fprime-gds"), "-n", "--dictionary", str(self.dictionary), "--ip-client", "--ip-address",
             "127.0.0.1", "--ip-port", str(self.port), "--framing-selection", self.framing, "--logs",
             str(self.tmp / "gds-logs"), "--gui-port", str(self.gui_port), "--file-storage-directory",
             str(self.files), "--zmq-transport", *self.zmq],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.api = self._test_api()
        self.api.await_telemetry("vehicle.mode", "IDLE", timeout=90)  # the link is up
        return self

    def _test_api(self):
        """fprime-gds's own Python test API, connected to this fprime-gds."""
        from fprime_gds.common.testing_fw.api import IntegrationTestAPI
        from fprime_gds.executables.cli import ConfigDrivenParser, StandardPipelineParser
        logs = str(self.tmp / "api-logs")
        ns, _, _ = ConfigDrivenParser.parse_known_args(
            [StandardPipelineParser], client=True,
            arguments=["--dictionary", str(self.dictionary), "--logs", logs, "--zmq-transport", *self.zmq])
        self.pipeline = StandardPipelineParser().pipeline_factory(ns, None)
        api = IntegrationTestAPI(self.pipeline, None, logs)
        api.setup()
        return api

    def cli(self, *args: str, timeout_s: float = 60) -> str:
        """`fprime-cli ARGS` against this fprime-gds; its output (a failure raises, with it)."""
        run = subprocess.run([str(BIN / "fprime-cli"), *args, "--dictionary", str(self.dictionary), "--logs",
                              str(self.tmp / "cli-logs"), "--zmq-transport", *self.zmq],
                             capture_output=True, text=True, timeout=timeout_s)
        assert run.returncode == 0, run.stdout + run.stderr
        return run.stdout

    def send(self, command: str, *arguments: str) -> str:
        return self.cli("command-send", command, *(("--arguments", *arguments) if arguments else ()))

    def stop(self) -> None:
        if self.api is not None:
            self.api.teardown()
            self.pipeline.disconnect()
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.communicate()
        self.vehicle.stop()


def satisfying(what: str, test: Callable[[Any], bool]) -> Any:
    """A predicate for fprime-gds's test API (which takes a plain function for one only if it is a method)."""
    from fprime_gds.common.testing_fw.predicates import predicate

    class Satisfying(predicate):
        def __call__(self, item: Any) -> bool:
            return test(item)

        def __str__(self) -> str:
            return what
    return Satisfying()


def _waiting(proc: subprocess.Popen) -> None:
    """Block briefly on the vehicle's process (its end, or another look at its output folder)."""
    try:
        proc.wait(timeout=0.05)
    except subprocess.TimeoutExpired:
        pass
