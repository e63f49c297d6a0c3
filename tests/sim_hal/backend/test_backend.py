"""The sim backend's devices against a running world."""
from __future__ import annotations

import numpy as np
import pytest

from fsw.bus.messages import ActuatorCommand
from hal.backend import BackendContext, select_backend
from tests.conftest import wait_until

from tests.sim_hal.worldproc.world_thread import WorldThread


@pytest.fixture
def world(topology):
    with WorldThread(topology) as w:
        yield w


def backend(topology, process: str):
    return select_backend("sim", BackendContext(topology.run_dir, {}, process, topology))


def test_imu_altimeter_and_clock_follow_the_world(world, topology) -> None:
    b = backend(topology, "control")
    clock = b.time_source().clock  # the flight clock the backend's samples advance
    imu, alt = b.imu(), b.altimeter()
    imu.open()
    alt.open()
    got = []
    wait_until(lambda: len(got) >= 250, 20.0, lambda: (imu.wait_handle.poll(50), got.extend(imu.read())),
               what="half a second of IMU")
    times = [s.t_ns for s in got]
    assert times == sorted(times) and np.median(np.diff(times)) == 2_000_000
    assert np.mean([s.accel_mps2[2] for s in got]) == pytest.approx(-3.71, abs=0.1)  # hovering
    ranges = alt.read()
    assert ranges and all(r.valid and abs(r.range_m - 12.13) < 0.05 for r in ranges)  # from the CG, 0.13 m up
    assert clock.now_ns() >= times[-1]
    b.close()


def test_navcam_frames_and_a_colour_capture(world, topology) -> None:
    b = backend(topology, "camera")
    cam, rte = b.navcam(), b.colour_camera()
    cam.open()
    rte.open()
    frames = []
    wait_until(lambda: len(frames) >= 3, 20.0, lambda: (f := cam.read(50_000_000)) and frames.append(f),
               what="navcam frames")
    assert frames[0].pixels.shape == (480, 640) and frames[0].pixels.std() > 5
    assert [f.frame_seq for f in frames] == sorted(f.frame_seq for f in frames)
    image = rte.capture(7, 320, 240)
    assert image.capture_id == 7 and image.pixels.shape == (240, 320)  # a RAW frame, as the sensor gives it
    assert image.pattern == "RGGB" and image.pixels.dtype == np.uint16 and image.pixels.max() < 1 << image.bits
    b.close()


def test_actuator_commands_reach_the_world(world, topology) -> None:
    b = backend(topology, "control")
    act = b.actuators()
    act.open()
    pub = b.link.publisher("sim.actuators")
    wait_until(lambda: pub.poll_subscriptions() >= 1, 20.0, lambda: None, what="the world listening")
    act.write(ActuatorCommand(1, True, 3.0, (0.0, 0.0, 0.01)))
    wait_until(lambda: world.process.world.command.armed, 10.0, lambda: pub.poll_subscriptions(10),
               what="the command applied")
    assert world.process.world.command.thrust_n == 3.0
    b.close()


def test_the_sim_backend_needs_a_world_in_the_topology(tmp_path, run_dir) -> None:
    from sim_hal.backend.topics import sim_registry
    from fsw.bus.topology import Topology
    from hal.device import DeviceError

    topo = tmp_path / "t.toml"
    topo.write_text('transport = "ipc"\n[processes.control]\n')
    with pytest.raises(DeviceError, match="no 'world' process"):
        backend(Topology.load(topo, sim_registry(), run_dir), "control")
