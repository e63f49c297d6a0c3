"""A flight process in-process: commands and acknowledgements, counters, events, errors that do not kill it."""
from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest
import zmq

from fsw.bus import messages as m
from fsw.bus.reader import BusReader
from fsw.bus.transport import Publisher
from fsw.clock import MonotonicClock
from fsw.config.stack import EventsConfig, ProcessConfig
from fsw.nav.process import NavProcess
from fsw.runtime.commands import EVERY_PROCESS, CommandDef, CommandDictionary
from fsw.runtime.node import FlightProcess, ProcessContext
from hal.backend import BackendContext, NullBackend
from tests.conftest import wait_until

DICT = CommandDictionary([CommandDef("NO_OP", EVERY_PROCESS, "noop"), CommandDef("BOOM", "nav", "raises")])


class Harness:
    """The test plays comm: it publishes commands and reads what the process answers."""

    def __init__(self, topology) -> None:
        ctx = ProcessContext("nav", topology, MonotonicClock(), MonotonicClock(), DICT,
                             process=ProcessConfig(telemetry_period_ms=10),
                             events=EventsConfig(throttle_limit=2, throttle_window_ms=60_000),
                             backend=NullBackend(BackendContext("")))
        self.node = NavProcess(ctx)
        self.zmq = zmq.Context()
        self.cmd = Publisher(self.zmq, topology.registry["cmd"], topology.endpoint("comm", "cmd"), "comm")
        self.cmd.open()
        self.node.open()
        self.reader = BusReader(topology, ["cmd.ack", "event", "tlm"], publishers=["nav"]).open()
        self.got: list = []
        wait_until(lambda: self.cmd.poll_subscriptions() >= 1
                   and all(self.node.publisher(t).poll_subscriptions() >= 1 for t in self.reader.topics),
                   5.0, self.step, what="handshakes")
        self.seq = 0

    def step(self) -> None:
        self.node.spin_once(5)
        self.got.extend(self.reader.poll(5))

    def send(self, name: str, target: str = "nav", **args) -> m.CommandAck:
        self.seq += 1
        cmd_id = self.seq
        self.cmd.publish(m.Command(0, cmd_id, name, target, args))
        acks = lambda: [r.msg for r in self.got if r.topic == "cmd.ack" and r.msg.cmd_id == cmd_id]
        return wait_until(acks, 5.0, self.step, what=f"ack of {name}")[0]

    def events(self, name: str) -> list[m.Event]:
        return [r.msg for r in self.got if r.topic == "event" and r.msg.name == name]

    def close(self) -> None:
        self.reader.close()
        self.cmd.close()
        self.node.close()
        self.zmq.term()


@pytest.fixture
def harness(topology) -> Iterator[Harness]:
    h = Harness(topology)
    yield h
    h.close()


def test_no_op_is_acknowledged_ok_with_an_event(harness: Harness) -> None:
    ack = harness.send("NO_OP")
    assert (ack.result, ack.source, ack.name, ack.reason) == (m.CommandResult.OK, "nav", "NO_OP", "")
    wait_until(lambda: harness.events("NO_OP"), 5.0, harness.step, what="NO_OP event")
    assert harness.node.counters["commands_ok"] == 1


def test_bad_commands_get_their_result_and_are_counted(harness: Harness) -> None:
    assert harness.send("NO_OP", extra=1).result is m.CommandResult.FORMAT_ERROR
    assert harness.send("LAUNCH").result is m.CommandResult.INVALID_COMMAND
    ack = harness.send("BOOM")
    assert ack.result is m.CommandResult.INVALID_COMMAND and "does not handle" in ack.reason
    assert harness.node.counters == {"commands": 3, "commands_ok": 0, "command_errors": 3, "handler_errors": 0}


def test_commands_for_another_process_are_ignored(harness: Harness) -> None:
    harness.cmd.publish(m.Command(0, 999, "NO_OP", "camera", {}))
    assert harness.send("NO_OP").result is m.CommandResult.OK  # the earlier one was passed over
    assert not [r for r in harness.got if r.topic == "cmd.ack" and r.msg.cmd_id == 999]
    assert harness.node.counters["commands"] == 1


def test_a_failing_command_handler_is_an_execution_error_not_a_crash(harness: Harness) -> None:
    def boom(cmd, args):
        raise RuntimeError("actuator jammed")

    harness.node.on_command("BOOM", boom)
    ack = harness.send("BOOM")
    assert ack.result is m.CommandResult.EXECUTION_ERROR and "actuator jammed" in ack.reason
    assert harness.send("NO_OP").result is m.CommandResult.OK
    wait_until(lambda: harness.events("COMMAND_FAILED"), 5.0, harness.step, what="failure event")


def test_events_are_throttled_and_telemetry_carries_the_counters(harness: Harness) -> None:
    for _ in range(4):
        harness.send("NO_OP")
    wait_until(lambda: len(harness.events("NO_OP")) >= 2, 5.0, harness.step, what="events")
    tlm = lambda: [r.msg for r in harness.got if r.topic == "tlm" and r.msg.channels["commands_ok"] == 4]
    channels = wait_until(tlm, 5.0, harness.step, what="telemetry")[-1].channels
    assert len(harness.events("NO_OP")) == 2  # limit 2 per window
    assert channels["events_suppressed"] == 2 and channels["bus.cmd.gaps"] == 0
    assert channels["navcam_received"] == 0


def test_navigation_stops_taking_control_s_commands_once_one_has_thrust(harness: Harness, topology) -> None:
    """A handler may unsubscribe its own topic: the messages already drained are still handled, none after."""
    pub = Publisher(harness.zmq, topology.registry["actuators"], topology.endpoint("control", "actuators"), "control")
    pub.open()
    try:
        wait_until(lambda: pub.poll_subscriptions() >= 1, 5.0, harness.step, what="handshake")
        for i, thrust in enumerate((0.0, 0.0, 12.0, 12.0)):
            pub.publish(m.ActuatorCommand(i + 1, True, thrust, (0.0, 0.0, 0.0)))
        topics = lambda: {s.topic.name for s in harness.node.subscriptions}
        wait_until(lambda: "actuators" not in topics(), 5.0, harness.step, what="the unsubscription")
        assert harness.node.pipeline.took_off and not harness.node.pipeline.started_in_flight
        assert {"imu", "navcam", "altimeter", "cmd"} <= topics()
        pub.publish(m.ActuatorCommand(9, True, 0.0, (0.0, 0.0, 0.0)))
        assert harness.send("NO_OP").result is m.CommandResult.OK  # the loop goes on
    finally:
        pub.close()


def test_a_process_sends_its_bundled_stream_when_full_and_when_idle(topology) -> None:
    """[processes.X] bundle: the IMU goes out ten at a time, and what is held goes out once the process has
    had nothing to do for a while (nothing waits on more than its own input)."""
    ctx = ProcessContext("control", topology, MonotonicClock(), MonotonicClock(), DICT,
                         process=ProcessConfig(bundle=10), backend=NullBackend(BackendContext("")))
    node = FlightProcess(ctx)
    node.open()
    got: list = []
    with BusReader(topology, ["imu"], publishers=["control"]) as reader:
        wait_until(lambda: node.publisher("imu").poll_subscriptions() >= 1, 5.0, lambda: node.spin_once(5),
                   what="handshake")
        for i in range(13):
            node.publish("imu", m.ImuSample(i, (0.0, 0.0, 0.0), (0.0, 0.0, -3.71), 20.0))
        wait_until(lambda: len(got) >= 10, 5.0, lambda: got.extend(reader.poll(20)), what="a full bundle")
        assert len(got) == 10 and node.publisher("imu").holding
        wait_until(lambda: len(got) >= 13, 5.0, lambda: (node.spin_once(50), got.extend(reader.poll(5))),
                   what="the held three")
    node.close()
    assert [r.msg.t_ns for r in got] == list(range(13))


def test_a_profiled_loop_writes_its_profile_and_the_bench_says_where_the_time_went(tmp_path, monkeypatch) -> None:
    from fsw.runtime.node import PROFILE_ENV, profiled
    from sim_hal.run.bench import profile_summary

    def busy() -> int:
        return sum(i * i for i in range(200_000))

    with profiled("quiet"):  # no folder set: nothing written
        busy()
    assert not list(tmp_path.iterdir())
    monkeypatch.setenv(PROFILE_ENV, str(tmp_path))
    with profiled("nav"):
        busy()
    summary = profile_summary(tmp_path, top=3)
    assert set(summary) == {"nav"} and summary["nav"]["cpu_s"] > 0
    assert len(summary["nav"]["most_own_time"]) == 3
    assert any("busy" in row or "genexpr" in row for row in summary["nav"]["most_own_time"])


_HANGS_ON_CLOSE = """
import sys, threading
from fsw.clock import MonotonicClock
from fsw.config.stack import DEFAULT_DIR, ProcessConfig
from fsw.bus.topology import Topology
from fsw.bus.topics import default_registry
from fsw.runtime import node
from fsw.runtime.commands import CommandDictionary
from hal.backend import BackendContext, NullBackend

class HangsOnClose(node.FlightProcess):
    def setup(self):
        print("looping", flush=True)  # its signal handlers are in place
    def teardown(self):
        print("closing", flush=True)
        threading.Event().wait({hang})

node.STOP_GRACE_S = 2
topology = Topology.load(DEFAULT_DIR / "topology.toml", default_registry(), sys.argv[1])
ctx = node.ProcessContext("nav", topology, MonotonicClock(), MonotonicClock(), CommandDictionary([]),
                          process=ProcessConfig(), backend=NullBackend(BackendContext("")))
sys.exit(HangsOnClose(ctx).run())
"""


@pytest.mark.parametrize("hang_s, code", [(0, 0), (3600, -signal.SIGALRM)])
def test_a_stop_signal_ends_the_process_even_twice_and_even_when_closing_hangs(run_dir, hang_s, code) -> None:
    proc = subprocess.Popen([sys.executable, "-c", _HANGS_ON_CLOSE.format(hang=hang_s), run_dir],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline() == "looping\n"
        proc.send_signal(signal.SIGTERM)
        proc.send_signal(signal.SIGTERM)  # a second one (the supervisor's, then PR_SET_PDEATHSIG's) must not hang it
        assert proc.stdout.readline() == "closing\n"
        assert proc.wait(timeout=30) == code
    finally:
        proc.kill()
        proc.wait()


def test_a_subscription_that_does_not_wake_the_process_is_taken_at_its_next_turn(topology) -> None:
    """`subscribe(..., wake=False)`: the topic's socket is not among those the loop waits on, and what came is
    handled, in order, at the loop's next turn, whatever woke it (here the wait running out)."""
    ctx = ProcessContext("logger", topology, MonotonicClock(), MonotonicClock(), DICT,
                         backend=NullBackend(BackendContext("")))
    node = FlightProcess(ctx)
    node.open()
    got: list[int] = []
    sub = node.subscribe("imu", lambda rec: got.append(rec.msg.t_ns), wake=False)
    pub = Publisher(node._zmq, topology.registry["imu"], topology.endpoint("control", "imu"), "control")
    pub.open()
    try:
        assert sub.socket not in {s for s, _ in node._poller.sockets}
        wait_until(lambda: pub.poll_subscriptions() >= 1, 5.0, lambda: node.spin_once(5), what="handshake")
        for i in range(3):
            pub.publish(m.ImuSample(i, (0.0, 0.0, 0.0), (0.0, 0.0, -3.71), 20.0))
        wait_until(lambda: len(got) == 3, 5.0, lambda: node.spin_once(5), what="the samples")
        assert got == [0, 1, 2]
        node.unsubscribe(sub)
        assert sub not in node._sampled
    finally:
        pub.close()
        node.close()
