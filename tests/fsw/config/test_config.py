"""Config files: typed, validated, and errors that name the file, the key and the reason."""
from __future__ import annotations

from pathlib import Path

import pytest

from fsw.bus.topics import default_registry
from fsw.bus.topology import Topology, TopologyError
from fsw.config import ConfigError
from fsw.config.stack import DEFAULT_DIR, DEFAULT_STACK, load_stack


def write(tmp_path: Path, text: str, name: str = "stack.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_default_stack_loads() -> None:
    loaded = load_stack(DEFAULT_STACK)
    assert set(loaded.config.processes) == {"camera", "nav", "control", "logger", "comm"}
    assert loaded.config.health.heartbeat_period_ms == 100
    assert loaded.config.processes["logger"].critical is False
    assert loaded.topology_path == (DEFAULT_DIR / "topology.toml").resolve()


@pytest.mark.parametrize("text, key, reason", [
    ('[stack]\nbackend = "null"\nbogus = 1\n[processes.nav]\n', "stack.bogus", "unknown key"),
    ('[processes.nav]\n', "stack", "missing required key"),
    ('[stack]\nbackend = 3\n[processes.nav]\n', "stack.backend", "expected str, got int 3"),
    ('[stack]\nbackend = "null"\n[processes.nav]\nmax_restarts = -1\n', "processes.nav.max_restarts",
     "must not be negative"),
    ('[stack]\nbackend = "null"\n[processes.nav]\n[health]\nheartbeat_period_ms = 100\nheartbeat_timeout_ms = 150\n',
     "health.heartbeat_timeout_ms", "at least three heartbeat periods"),
    ('[stack]\nbackend = "null"\n[processes.nav]\nenabled = "yes"\n', "processes.nav.enabled", "expected bool"),
    ('[stack]\nbackend = "null"\n[processes.radar]\n', "processes.radar", "unknown process"),
    ('[stack]\nbackend = "null"\n[processes.control]\nbundle = 0\n', "processes.control.bundle",
     "must be 1..100 messages"),
    ('[stack]\nbackend = "null"\ntopology = "nowhere.toml"\n[processes.nav]\n', "stack.topology",
     "nowhere.toml: cannot read"),
])
def test_bad_stack_config_names_file_key_and_reason(tmp_path: Path, text: str, key: str, reason: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_stack(path)
    assert err.value.file == str(path)
    assert err.value.key == key
    assert reason in err.value.reason
    assert str(path) in str(err.value) and key in str(err.value)


def test_unreadable_and_invalid_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_stack(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_stack(write(tmp_path, "[stack\n"))


def test_topology_endpoints_ipc_and_tcp(tmp_path: Path) -> None:
    reg = default_registry()
    ipc = Topology.load(DEFAULT_DIR / "topology.toml", reg, "/tmp/r")
    assert ipc.endpoint("control", "imu") == "ipc:///tmp/r/control.imu"
    assert ipc.publishers_of("imu") == ["control"]
    assert "nav" in ipc.publishers_of("heartbeat")
    tcp_path = write(tmp_path, 'transport = "tcp"\n[processes.control]\nhost = "10.0.0.2"\nport = 7000\n'
                               '[processes.nav]\nhost = "10.0.0.3"\nport = 7100\n', "topo.toml")
    tcp = Topology.load(tcp_path, reg, "")
    names = [t.name for t in reg.published_by("control")]
    assert tcp.endpoint("control", "imu") == f"tcp://10.0.0.2:{7000 + names.index('imu')}"
    with pytest.raises(TopologyError, match="does not publish"):
        tcp.endpoint("nav", "imu")
    with pytest.raises(TopologyError, match="not in the topology"):
        tcp.endpoint("camera", "navcam")


def test_bad_topology(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="transport.*not ipc or tcp"):
        Topology.load(write(tmp_path, 'transport = "udp"\n[processes.nav]\n', "t.toml"), default_registry(), "")
    with pytest.raises(ConfigError, match="processes.nav.port.*tcp needs a port"):
        Topology.load(write(tmp_path, 'transport = "tcp"\n[processes.nav]\n', "t.toml"), default_registry(), "")
    clash = 'transport = "tcp"\n[processes.control]\nport = 7000\n[processes.nav]\nport = 7005\n'
    with pytest.raises(TopologyError, match="processes.nav.port: nav publishes on 127.0.0.1:7005, which control"):
        Topology.load(write(tmp_path, clash, "t.toml"), default_registry(), "")
    spread = Topology.load(write(tmp_path, clash.replace("7005", "7010") + 'host = "10.0.0.3"\n', "t.toml"),
                           default_registry(), "")  # the same ports on another host are its own
    assert spread.endpoint("nav", "heartbeat") == "tcp://10.0.0.3:7010"
    from sim_hal.backend.topics import sim_registry  # the default ports leave room for the sim backend's topics
    tcp_default = (DEFAULT_DIR / "topology.toml").read_text().replace('transport = "ipc"', 'transport = "tcp"')
    assert Topology.load(write(tmp_path, tcp_default, "t.toml"), sim_registry(), "").spec.transport == "tcp"
    long_dir = "/tmp/" + "x" * 120
    with pytest.raises(TopologyError, match="ipc path too long"):
        Topology.load(DEFAULT_DIR / "topology.toml", default_registry(), long_dir).endpoint("nav", "tlm")
