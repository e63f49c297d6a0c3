"""The colour camera as the world has it (pure): a still of the scene through the sensor, as its RAW frame."""
from __future__ import annotations

import numpy as np

from fsw.bus.messages import ColourImage
from fsw.config.sensors import ColourCameraConfig
from sim_hal.model.colourcam import ColourRenderer, Motion
from sim_hal.model.imx214 import BAYER, expose
from sim_hal.model.rover import perseverance
from sim_hal.model.terrain import Terrain, rover_ground


class StillCamera:
    """Takes RAW stills of `terrain` (and the rover it names, as a mesh); the noise of capture N is the same
    for the same seed."""

    def __init__(self, cfg: ColourCameraConfig, terrain: Terrain, seed: int) -> None:
        self.cfg = cfg
        self.seed = seed
        rover, ground = terrain.spec.rover, 0.0
        mesh = None
        if rover is not None:
            ground = rover_ground(terrain.spec)
            mesh = perseverance(rover.north_m, rover.east_m, rover.yaw_deg, ground)
        self.renderer = ColourRenderer(cfg, terrain, mesh, ground)

    def size(self, width: int, height: int) -> tuple[int, int]:
        """The size a request gets: within the sensor, even (a whole number of Bayer cells)."""
        w = min(max(width, 16), self.cfg.max_width_px)
        h = min(max(height, 16), self.cfg.max_height_px)
        return w - w % 2, h - h % 2

    def take(self, capture_id: int, t_ns: int, motion: Motion, width: int, height: int) -> ColourImage:
        """The RAW still whose exposure starts at `t_ns` with the vehicle moving as `motion` says."""
        w, h = self.size(width, height)
        scene = self.renderer.render(motion, w, h)
        rng = np.random.default_rng([self.seed, capture_id & 0xFFFFFFFF, 2140])
        c = self.cfg
        return ColourImage(t_ns, capture_id, c.exposure_us, expose(scene.radiance, c, rng), c.gain, BAYER, c.bits,
                           c.readout_ms * 1000.0)
