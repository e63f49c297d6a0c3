"""Navigation datasets from real photographs (seeded): a nadir navcam flight over a photographic terrain
(`gravel`, `gravel_slope`, `lunar`: scikit-image's photographs laid on flat or sloping ground), written in the
EuRoC/ASL layout `ginny replay` reads, with the ground truth beside it.

The flight is scripted (the world follows it and ignores the actuators): smooth rest-to-rest moves, tilted as
a helicopter must be to make each acceleration, so the IMU (the world's model: turn-on bias, noise, random
walk) measures exactly the motion the camera and the laser see. It starts on the ground (lifts off, climbs,
flies, stops) or in the air (hovering, then flies, then stops). Truth is written relative to the start: north
and east from the start point, down from the ground under it, heading 0 the start heading -- navigation's own
frame, so estimates compare without alignment.

    mav0/cam0/{data.csv,data/*.png,sensor.yaml}   mav0/imu0/data.csv   mav0/altimeter0/data.csv
    mav0/state_groundtruth_estimate0/data.csv     (EuRoC's columns: p, q (w first), v, gyro and accel biases)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import cv2

from fsw.config.sensors import SensorsConfig, load_sensors
from sim_hal.model.params import load_vehicle
from sim_hal.worldproc.config import ScriptConfig, WorldConfig
from sim_hal.worldproc.world import World

GROUNDTRUTH = "state_groundtruth_estimate0"
_TRUTH_HEADER = ("#timestamp,p_RS_R_x [m],p_RS_R_y [m],p_RS_R_z [m],q_RS_w [],q_RS_x [],q_RS_y [],q_RS_z [],"
                 "v_RS_R_x [m s^-1],v_RS_R_y [m s^-1],v_RS_R_z [m s^-1],b_w_RS_S_x [rad s^-1],b_w_RS_S_y [rad s^-1],"
                 "b_w_RS_S_z [rad s^-1],b_a_RS_S_x [m s^-2],b_a_RS_S_y [m s^-2],b_a_RS_S_z [m s^-2]\n")


@dataclass(frozen=True)
class Flight:
    terrain: str = "gravel"
    start: str = "air"  # "air": hovering at `height_m` from the first sample; "ground": on its legs
    height_m: float = 10.0  # of the feet above the start point's ground
    distance_m: float = 40.0  # flown in a straight line ...
    speed_mps: float = 2.0  # ... at this mean speed (a quintic move peaks at 1.875 times it)
    heading_deg: float = 30.0  # ... towards this heading (from north)
    seed: int = 1

    def waypoints(self) -> list[tuple[float, float, float, float]]:
        """[t_s, north_m, east_m, height_m]: hover (or lift off and climb), fly, hover."""
        h, a = self.height_m, math.radians(self.heading_deg)
        end = (self.distance_m * math.cos(a), self.distance_m * math.sin(a))
        if self.start == "ground":
            climb_s = math.sqrt(5.78 * h / 1.5)  # a quintic's peak acceleration is 5.77 d / T^2: 1.5 m/s^2, well
            points = [(0.0, 0.0, 0.0, 0.0), (1.0, 0.0, 0.0, 0.0), (1.0 + climb_s, 0.0, 0.0, h)]  # under gravity's
        else:
            points = [(0.0, 0.0, 0.0, h)]
        t = points[-1][0] + 2.0
        fly = self.distance_m / self.speed_mps
        return points + [(t, 0.0, 0.0, h), (t + fly, *end, h), (t + fly + 2.0, *end, h)]

    @property
    def duration_s(self) -> float:
        return self.waypoints()[-1][0]


def quiet_imu(sensors: SensorsConfig) -> SensorsConfig:
    """The sensor models with a perfect IMU (no bias, noise or walk): for proving the IMU matches the truth."""
    imu = replace(sensors.imu, gyro_noise_radps=0.0, accel_noise_mps2=0.0, gyro_bias_radps=0.0, accel_bias_mps2=0.0,
                  gyro_random_walk_radps_per_sqrt_s=0.0, accel_random_walk_mps2_per_sqrt_s=0.0)
    return replace(sensors, imu=imu)


def write_dataset(root: Path, flight: Flight, sensors: SensorsConfig | None = None) -> int:
    """Fly `flight` in the world and write it under `root` (made); return the navcam frames written."""
    sensors = sensors or load_sensors()
    cfg = WorldConfig(terrain=flight.terrain, terrain_extent_m=400.0, seed=flight.seed,
                      script=ScriptConfig(flight.waypoints()))
    world = World(cfg, load_vehicle(), sensors)
    mav = Path(root) / "mav0"
    cam, imu, alt, truth = (mav / d for d in ("cam0", "imu0", "altimeter0", GROUNDTRUTH))
    for d in (cam / "data", imu, alt, truth):
        d.mkdir(parents=True, exist_ok=True)
    _write_calibration(cam / "sensor.yaml", sensors)
    ground_z = -world.terrain.height_at(0.0, 0.0)
    steps = round(flight.duration_s * cfg.step_hz)
    frames = 0
    with open(cam / "data.csv", "w") as fc, open(imu / "data.csv", "w") as fi, open(alt / "data.csv", "w") as fa, \
            open(truth / "data.csv", "w") as ft:
        fc.write("#timestamp [ns],filename\n")
        fi.write("#timestamp [ns],w_RS_S_x [rad s^-1],w_RS_S_y [rad s^-1],w_RS_S_z [rad s^-1],"
                 "a_RS_S_x [m s^-2],a_RS_S_y [m s^-2],a_RS_S_z [m s^-2]\n")
        fa.write("#timestamp [ns],range [m]\n")
        ft.write(_TRUTH_HEADER)
        for _ in range(steps):
            out = world.step()
            for s in out.imu:
                fi.write(_line(s.t_ns, [*s.gyro_radps, *s.accel_mps2]))
                ft.write(_truth_row(world, s.t_ns, ground_z))
            for a in out.altimeter:
                if a.valid:
                    fa.write(_line(a.t_ns, [a.range_m]))
            for f in out.navcam:
                cv2.imwrite(str(cam / "data" / f"{f.t_ns}.png"), f.pixels)
                fc.write(f"{f.t_ns},{f.t_ns}.png\n")
                frames += 1
    world.close()
    return frames


def _truth_row(world: World, t_ns: int, ground_z: float) -> str:
    s = world.vehicle.state
    p = (s.pos_m[0], s.pos_m[1], s.pos_m[2] - ground_z)
    return _line(t_ns, [*p, *s.q, *s.vel_mps, *world.imu.gyro_bias, *world.imu.accel_bias])


def _line(t_ns: int, values: list) -> str:
    """A CSV row: the time, then each value exactly (repr of a float round-trips)."""
    return ",".join([str(t_ns), *(repr(float(v)) for v in values)]) + "\n"


def _write_calibration(path: Path, sensors: SensorsConfig) -> None:
    c = sensors.navcam
    T = [v for row in c.body_from_camera for v in (*row, 0.0)] + [0.0, 0.0, 0.0, 1.0]
    model = {"radtan": "radial-tangential", "equidistant": "equidistant"}[c.model]
    path.write_text(f"sensor_type: camera\nrate_hz: {c.rate_hz}\nresolution: [{c.width_px}, {c.height_px}]\n"
                    f"camera_model: pinhole\nintrinsics: [{c.fx_px}, {c.fy_px}, {c.cx_px}, {c.cy_px}]\n"
                    f"distortion_model: {model}\ndistortion_coefficients: {list(c.distortion)}\n"
                    f"T_BS:\n  cols: 4\n  rows: 4\n  data: {T}\n")
