"""`ginny bus echo` and `ginny bus top` against a publisher the test controls (golden output)."""
from __future__ import annotations

import argparse
import io
import threading

import zmq

from fsw.bus import messages as m
from fsw.bus.topics import default_registry
from fsw.bus.transport import Publisher
from fsw.clock import NS_PER_S, MonotonicClock
from fsw.config.stack import DEFAULT_STACK
from ground.cli import bus_cmd
from ground.cli.main import main


def test_echo_prints_each_message_golden(topology, run_dir) -> None:
    out = io.StringIO()
    args = argparse.Namespace(topic="altimeter", count=3, seconds=20.0, config=str(DEFAULT_STACK),
                              run_dir=run_dir)
    echo = threading.Thread(target=bus_cmd.echo_main, args=(args, out))
    ctx = zmq.Context()
    pub = Publisher(ctx, default_registry()["altimeter"], topology.endpoint("control", "altimeter"), "control")
    pub.open()
    echo.start()
    try:
        assert pub.wait_subscribers(1, 10 * NS_PER_S, MonotonicClock())
        for i in range(3):
            pub.publish(m.AltimeterSample(1000 + i, 1.5 + i, i != 1))
        echo.join(20)
    finally:
        pub.close()
        ctx.term()
    assert out.getvalue() == (
        "altimeter control#0 t_ns=1000 range_m=1.5 valid=True\n"
        "altimeter control#1 t_ns=1001 range_m=2.5 valid=False\n"
        "altimeter control#2 t_ns=1002 range_m=3.5 valid=True\n")


def test_top_with_nothing_running_shows_every_topic_idle(run_dir, capsys) -> None:
    assert main(["bus", "top", "--seconds", "0.2", "--run-dir", run_dir]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["topic", "pubs", "rate", "Hz", "msgs", "gaps", "errors", "age", "ms"]
    assert "navcam              0      0.0     0     0       0       -" in lines
    assert any(line.startswith("sim.truth ") for line in lines)


def test_echo_of_an_unknown_topic_is_an_error(capsys) -> None:
    assert main(["bus", "echo", "nope"]) == 2
    assert "unknown topic 'nope'" in capsys.readouterr().err
