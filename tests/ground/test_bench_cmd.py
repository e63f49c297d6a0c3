"""`ginny bench bus --json` prints the documented object (figures are measured, not asserted)."""
from __future__ import annotations

import json

from ground.cli.main import main

KEYS = {"frames_per_s", "frame_latency_p50_us", "frame_latency_p99_us", "small_msgs_per_s", "round_trip_p50_us",
        "round_trip_cpu_us"}


def test_bench_bus_json_shape(capsys) -> None:
    assert main(["bench", "bus", "--json", "--frames", "50", "--small", "500", "--probes", "20"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"ipc", "tcp"}
    for figures in result.values():
        assert set(figures) == KEYS
        assert all(v > 0 for v in figures.values())
        assert figures["frame_latency_p50_us"] <= figures["frame_latency_p99_us"]


def test_bench_bus_table(capsys) -> None:
    assert main(["bench", "bus", "--transport", "ipc", "--frames", "20", "--small", "200", "--probes", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:2] == ["transport", "frames/s"] and lines[1].startswith("ipc ")


def test_bench_bus_refuses_nonsense(capsys) -> None:
    assert main(["bench", "bus", "--frames", "0"]) == 2
    assert "at least 1" in capsys.readouterr().err


def test_simulation_benches_refuse_nonsense(capsys) -> None:
    assert main(["bench", "nav", "--frames", "1"]) == 2
    assert main(["bench", "render", "--frames", "0"]) == 2
    assert main(["bench", "lockstep", "--sim-seconds", "0"]) == 2
    assert main(["bench", "latency", "--sim-seconds", "-1"]) == 2
    err = capsys.readouterr().err
    assert "--frames must be at least 2" in err and "--sim-seconds must be positive" in err


def test_bench_render_and_nav_json(capsys) -> None:
    assert main(["bench", "render", "--frames", "3", "--terrain", "flat", "--json"]) == 0
    render = json.loads(capsys.readouterr().out)
    assert render["frames"] == 3 and render["render_p50_ms"] > 0
    assert main(["bench", "nav", "--frames", "6", "--json"]) == 0
    nav = json.loads(capsys.readouterr().out)
    assert set(nav) >= {"frames", "tracker", "baseline", "ratio_p50", "ratio_p99"}
    assert set(nav["tracker"]) == {"p50_ms", "p99_ms", "max_ms"} and nav["frames"] == 5


def test_bench_accuracy_refuses_a_filter_no_case_matches(tmp_path, capsys) -> None:
    assert main(["bench", "accuracy", "--out", str(tmp_path / "acc"), "--only", "no_such_case"]) == 2
    assert "no case's name holds 'no_such_case'" in capsys.readouterr().err
