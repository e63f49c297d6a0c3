"""Perseverance and Ingenuity as triangle meshes (pure), for the colour camera and the shadows they cast.

The rover is built from its published dimensions (about 3 m long, 2.7 m wide, 2.2 m tall; six 52.5 cm
wheels on rocker-bogies; the remote-sensing mast at the front right with its head; the RTG slanted at the
back; the high-gain antenna on the deck; the arm stowed across the front) out of trimesh's primitives. Each
part keeps its own linear albedo (RGB) per face. Meshes are in world NED metres; a mesh's faces wind
counter-clockwise seen from outside, so their normals point out.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import trimesh

# (name, albedo RGB): white-painted body, aluminium wheels, black RTG, grey titanium suspension
_WHITE = (0.78, 0.76, 0.72)
_DECK = (0.62, 0.60, 0.56)
_WHEEL = (0.42, 0.42, 0.43)
_SUSPENSION = (0.50, 0.49, 0.47)
_RTG = (0.10, 0.10, 0.10)
_ANTENNA = (0.70, 0.70, 0.68)
_HEAD = (0.30, 0.30, 0.32)
_DUST = (1.0, 0.93, 0.86)  # everything on Mars wears some of its dust


@dataclass(frozen=True)
class Mesh:
    """Triangles in world NED: vertices (n, 3), faces (m, 3) of vertex indices, albedo (m, 3) linear RGB.
    `opacity` (m,) is how much of the sun a face stops (1 solid; a spinning rotor's disc much less)."""

    vertices: np.ndarray
    faces: np.ndarray
    albedo: np.ndarray
    opacity: np.ndarray

    @property
    def triangles(self) -> np.ndarray:
        """(m, 3, 3): each face's three corners."""
        return self.vertices[self.faces]

    def normals(self) -> np.ndarray:
        """(m, 3) outward unit normals."""
        t = self.triangles
        n = np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0])
        return n / np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)


def _box(lo: tuple[float, float, float], hi: tuple[float, float, float]) -> trimesh.Trimesh:
    """An axis-aligned box between two corners (body frame: x forward, y right, z up)."""
    lo_, hi_ = np.array(lo, float), np.array(hi, float)
    return trimesh.creation.box(extents=hi_ - lo_, transform=trimesh.transformations.translation_matrix((lo_ + hi_) / 2))


def _cylinder(radius: float, length: float, centre: tuple[float, float, float], axis: tuple[float, float, float],
              sections: int = 20) -> trimesh.Trimesh:
    """A cylinder of `length` along `axis` (need not be unit) centred on `centre`."""
    a = np.array(axis, float) / np.linalg.norm(axis)
    rot = trimesh.geometry.align_vectors([0.0, 0.0, 1.0], a)
    rot[:3, 3] = centre
    return trimesh.creation.cylinder(radius=radius, height=length, sections=sections, transform=rot)


def _perseverance_parts() -> list[tuple[trimesh.Trimesh, tuple[float, float, float]]]:
    """The rover in its own frame (x forward, y right, z up from the ground), with each part's albedo."""
    wheel_r, wheel_w, track = 0.2625, 0.40, 1.15  # wheel centres 1.15 m either side: 2.7 m over the tyres
    parts = [(_cylinder(wheel_r, wheel_w, (x, s * track, wheel_r), (0, 1, 0)), _WHEEL)
             for x in (-1.1, 0.0, 1.1) for s in (-1, 1)]
    for s in (-1, 1):  # rocker (front wheel to the body's pivot) and bogie (middle and rear wheels)
        y = s * (track - 0.05)
        parts += [(_box((-1.15, y - 0.04, 0.52), (0.3, y + 0.04, 0.60)), _SUSPENSION),
                  (_box((0.25, y - 0.04, 0.60), (1.15, y + 0.04, 0.68)), _SUSPENSION)]
        parts += [(_box((x - 0.04, y - 0.04, wheel_r), (x + 0.04, y + 0.04, 0.64)), _SUSPENSION)
                  for x in (-1.1, 0.0, 1.1)]
        parts.append((_box((-0.05, s * 0.8 - 0.1, 0.6), (0.15, s * 0.8 + 0.1, 0.75)), _SUSPENSION))  # pivot
    parts += [
        (_box((-1.0, -0.8, 0.62), (1.1, 0.8, 1.05)), _WHITE),  # the warm electronics box
        (_box((-1.1, -0.95, 1.05), (1.2, 0.95, 1.12)), _DECK),  # the deck
        (_cylinder(0.06, 0.85, (0.95, 0.62, 1.55), (0, 0, 1), 12), _WHITE),  # remote-sensing mast
        (_box((0.78, 0.38, 1.96), (1.12, 0.86, 2.2)), _HEAD),  # its head (SuperCam, Mastcam-Z)
        (_cylinder(0.30, 0.75, (-1.18, 0.0, 1.0), (-0.55, 0.0, 1.0), 16), _RTG),  # the RTG, slanted up
        (_cylinder(0.015, 0.25, (-0.45, -0.55, 1.24), (0, 0, 1), 6), _ANTENNA),  # high-gain antenna's post
        (_cylinder(0.30, 0.04, (-0.45, -0.55, 1.40), (0.3, 0.0, 1.0), 6), _ANTENNA),  # its hexagonal dish
        (_box((1.1, -0.65, 0.55), (1.5, 0.65, 0.78)), _WHITE),  # the arm and turret, stowed across the front
        (_cylinder(0.05, 0.30, (-0.2, 0.75, 1.27), (0, 0, 1), 8), _ANTENNA),  # low-gain and UHF antennas
    ]
    return parts


def _ingenuity_parts() -> list[tuple[trimesh.Trimesh, tuple[float, float, float], float]]:
    """The helicopter in its own frame (x forward, y right, z up from the feet): part, albedo, opacity."""
    parts = [(_box((-0.07, -0.10, 0.30), (0.07, 0.10, 0.46)), (0.5, 0.45, 0.35), 1.0),  # fuselage
             (_cylinder(0.012, 0.36, (0, 0, 0.64), (0, 0, 1), 6), (0.3, 0.3, 0.3), 1.0),  # mast
             (_box((-0.21, -0.125, 0.82), (0.21, 0.125, 0.84)), (0.15, 0.15, 0.2), 1.0)]  # solar panel
    parts += [(_cylinder(0.6, 0.01, (0, 0, z), (0, 0, 1), 32), (0.3, 0.3, 0.3), 0.25) for z in (0.55, 0.72)]
    for a in range(4):  # legs, splayed
        c, s = math.cos(math.pi / 4 + a * math.pi / 2), math.sin(math.pi / 4 + a * math.pi / 2)
        parts.append((_cylinder(0.01, 0.42, (0.13 * c, 0.13 * s, 0.19), (0.45 * c, 0.45 * s, -1.0), 6),
                      (0.6, 0.6, 0.6), 1.0))
    return parts


def _place(parts: list[tuple], north_m: float, east_m: float, ground_up_m: float, yaw_deg: float) -> Mesh:
    """Join parts given in (forward, right, up) and place them in NED: yawed, at the ground's height."""
    vs, fs, albedo, opacity, count = [], [], [], [], 0
    for part in parts:
        mesh, rgb = part[0], part[1]
        vs.append(mesh.vertices)
        fs.append(mesh.faces + count)
        count += len(mesh.vertices)
        albedo.append(np.tile(np.multiply(rgb, _DUST), (len(mesh.faces), 1)))
        opacity.append(np.full(len(mesh.faces), part[2] if len(part) > 2 else 1.0))
    local = np.concatenate(vs) * np.array([1.0, 1.0, -1.0])  # up -> down: FRD
    faces = np.concatenate(fs)[:, ::-1]  # the z flip mirrors the mesh: keep the normals pointing out
    c, s = math.cos(math.radians(yaw_deg)), math.sin(math.radians(yaw_deg))
    world = local @ np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]]).T + np.array([north_m, east_m, -ground_up_m])
    return Mesh(world, faces, np.concatenate(albedo), np.concatenate(opacity))


def perseverance(north_m: float, east_m: float, yaw_deg: float, ground_up_m: float) -> Mesh:
    """The rover standing on ground `ground_up_m` high (m, up), at (north, east), heading `yaw_deg`."""
    return _place(_perseverance_parts(), north_m, east_m, ground_up_m, yaw_deg)


def ingenuity(pos_m: tuple[float, float, float], body_to_world: np.ndarray) -> Mesh:
    """The helicopter at `pos_m` (NED, its centre 0.4 m above its feet) with attitude `body_to_world`."""
    mesh = _place(_ingenuity_parts(), 0.0, 0.0, -0.4, 0.0)  # the body's centre (0.4 m up) at the origin
    world = mesh.vertices @ body_to_world.T + np.asarray(pos_m, float)
    return Mesh(world, mesh.faces, mesh.albedo, mesh.opacity)
