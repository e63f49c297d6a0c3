"""The flight stack and the world on two hosts: addresses, the topology both sides write, and bad input said
before anything starts."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from fsw.bus.topology import Topology
from fsw.config.stack import DEFAULT_DIR, load_stack
from ground.cli import board_cmd
from ground.cli.main import build_parser
from sim_hal.backend.topics import sim_registry
from sim_hal.run.simflight import SimRequest, check_request, prepare_board
from sim_hal.run.split import Split, parse_address, stack_side, topology_raw, world_side, write_topology

FLIGHT = ["health", "camera", "nav", "control", "logger", "comm"]


def test_addresses_take_a_default_port_and_bad_ones_are_named() -> None:
    assert parse_address("tcp://10.0.0.2", "--world", 7160) == ("10.0.0.2", 7160)
    assert parse_address("board.local:7300", "--board", 7100) == ("board.local", 7300)
    for bad in ("udp://10.0.0.2", "tcp://10.0.0.2:0", "tcp://10.0.0.2:70000", "tcp://:7100", "tcp://a b"):
        with pytest.raises(ValueError, match="--world: .* is not tcp://HOST"):
            parse_address(bad, "--world", 7160)


def test_each_side_finds_its_own_address_from_the_route_to_the_other() -> None:
    assert stack_side("tcp://127.0.0.1", "") == Split("127.0.0.1", 7160, "127.0.0.1", 7100)
    assert world_side("tcp://127.0.0.2:9000", "127.0.0.1:9100") == Split("127.0.0.1", 9100, "127.0.0.2", 9000)


def test_every_topic_of_the_split_has_a_port_of_its_own_at_its_host(tmp_path: Path) -> None:
    split = Split("127.0.0.1", 7160, "127.0.0.1", 7100)  # one host: the blocks must not meet
    name = write_topology(tmp_path, DEFAULT_DIR / "topology.toml", split)
    topology = Topology.load(tmp_path / name, sim_registry(), str(tmp_path))
    assert topology.spec.transport == "tcp" and sorted(topology.processes) == sorted(FLIGHT + ["world"])
    endpoints = [topology.endpoint(p, t.name) for p in topology.processes for t in sim_registry().published_by(p)]
    assert len(endpoints) == len(set(endpoints))  # no two topics on one port
    assert topology.endpoint("world", "sim.sensors").startswith("tcp://127.0.0.1:716")
    assert topology.endpoint("health", "heartbeat") == "tcp://127.0.0.1:7100"


def test_ports_that_meet_on_one_host_or_leave_the_range_are_refused() -> None:
    with pytest.raises(ValueError, match="meet on 127.0.0.1"):
        topology_raw(Split("127.0.0.1", 7120, "127.0.0.1", 7100), FLIGHT)
    assert topology_raw(Split("127.0.0.1", 7120, "127.0.0.2", 7100), FLIGHT)["processes"]["world"]["port"] == 7120
    with pytest.raises(ValueError, match="above 65000"):
        topology_raw(Split("127.0.0.1", 7160, "127.0.0.2", 64990), FLIGHT)


def test_the_world_side_needs_the_board_backend_in_lockstep() -> None:
    for req, said in ((SimRequest(board="tcp://127.0.0.2"), "add --backend board"),
                      (SimRequest(board="tcp://127.0.0.2", backend="board", realtime=True), "not with --realtime"),
                      (SimRequest(board="tcp://127.0.0.2", backend="board", bind="x:0"), "--bind")):
        with pytest.raises(ValueError, match=said):
            check_request(req)


def test_the_board_side_writes_the_stack_config_ginny_sim_would_fly_on_the_split(tmp_path: Path) -> None:
    split = Split("127.0.0.1", 7160, "127.0.0.2", 7100)
    path = prepare_board("flight1", DEFAULT_DIR / "sim_flight.toml", tmp_path / "out", split)
    stack = load_stack(path)
    assert stack.config.stack.backend == "board-loop" and stack.topology_path == tmp_path / "out" / "topology.toml"
    assert stack.config.flight.autostart and stack.config.flight.plan.endswith("flight1.toml")
    with pytest.raises(ValueError, match="--out"):  # a used folder is refused, nothing written
        prepare_board("flight1", DEFAULT_DIR / "sim_flight.toml", tmp_path / "out", split)


def test_ginny_board_against_a_world_refuses_bad_input_before_it_starts(tmp_path: Path, capsys) -> None:
    parser = build_parser()
    for argv, said in ((["--world", "tcp://127.0.0.1:99999"], "--world"),
                       (["--world", "tcp://127.0.0.1", "--plan", "nosuchplan"], "nosuchplan")):
        args = parser.parse_args(["board", *argv, "--out", str(tmp_path / "o"), "--run-dir", str(tmp_path / "r")])
        assert board_cmd.run(args, io.StringIO()) == 2
        assert said in capsys.readouterr().err
        assert not (tmp_path / "o").exists()


class _Supervisor:
    """What WorldDone needs of a supervisor: its timers and stop."""

    def __init__(self) -> None:
        from fsw.clock import MonotonicClock
        from fsw.runtime.timers import Timers

        self.timers = Timers(MonotonicClock())
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True


def _world_publisher(topology: Topology, topic: str):
    import zmq

    from fsw.bus.transport import Publisher

    ctx = zmq.Context.instance()
    pub = Publisher(ctx, topology.registry[topic], topology.endpoint("world", topic), "world")
    pub.open()
    return pub


def test_the_board_side_stops_when_the_world_is_done_or_gone(tmp_path: Path) -> None:
    from fsw.bus.messages import Event, Heartbeat, ProcState, Severity
    from sim_hal.run.split import WorldDone
    from tests.conftest import wait_until

    topology = Topology.load(DEFAULT_DIR / "topology.toml", sim_registry(), str(tmp_path))
    beats, events = _world_publisher(topology, "heartbeat"), _world_publisher(topology, "event")
    try:
        supervisor = _Supervisor()
        done = WorldDone(supervisor, DEFAULT_DIR / "topology.toml", str(tmp_path), silence_s=0.5)
        wait_until(lambda: done._heard_ns is not None, 10.0,
                   lambda: (beats.publish(Heartbeat(0, "world", 1, ProcState.READY, 7)), done.check(wait_ms=10)),
                   what="the world's heartbeat")  # a heartbeat until the subscription has joined
        assert not supervisor.stopped
        wait_until(lambda: supervisor.stopped, 10.0, lambda: done.check(wait_ms=50), what="the silence noticed")
        assert "silent for 0 s" in done.gone or "silent for 1 s" in done.gone, done.gone
        done.close()
        supervisor = _Supervisor()
        done = WorldDone(supervisor, DEFAULT_DIR / "topology.toml", str(tmp_path))
        wait_until(lambda: supervisor.stopped, 10.0,
                   lambda: (events.publish(Event(5, "world", "SIM_DONE", Severity.ACTIVITY_HI, "landed at t=5 s", 0)),
                            done.check(wait_ms=10)), what="SIM_DONE")
        assert done.said == "landed at t=5 s" and not done.gone
        done.close()
    finally:
        beats.close()
        events.close()


def test_a_remote_stack_is_ready_when_its_supervisor_table_shows_every_process_ready() -> None:
    from fsw.bus.messages import ProcessStat, ProcessStats, ProcState
    from sim_hal.run.split import RemoteStack

    def table(*states: ProcState) -> ProcessStats:
        return ProcessStats(0, [ProcessStat(f"p{i}", 100 + i, s, 0.0, 0, 0, 0.0) for i, s in enumerate(states)])
    seen: list[ProcessStats | None] = [None]
    stack = RemoteStack(lambda: seen[0])
    assert not stack.ready()  # nothing heard yet
    seen[0] = table(ProcState.READY, ProcState.STARTING)
    assert not stack.ready()
    seen[0] = table(ProcState.READY, ProcState.READY)
    assert stack.ready() and stack.lost() == []
    stack.timers.every(1_000_000, stack.stop)  # stopped from its own timer, as the world's runner stops it
    assert stack.run(30.0) == 0 and not stack.signalled
