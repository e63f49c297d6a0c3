"""The feature tracker (pure), MAVeN-style: features found once in a *base* frame are tracked into every new
frame, not frame to frame, so their error does not accumulate while the base lasts.

Per frame: predict where each base feature is now (where it was in the previous frame, turned by the gyro's
rotation since then), refine with pyramidal Lucas-Kanade from the base image, undistort
the points through the fisheye model, and fit a homography between base and current normalized points with
RANSAC (the ground is a plane); points that do not fit are outliers. When too few inliers remain, the current
frame becomes the new base and fresh corners are found in it, spread over a grid.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

import cv2
import numpy as np

from fsw.camera.model import FisheyeModel


class TrackQuality(enum.IntEnum):
    GOOD = 0
    DEGRADED = 1  # few inliers: usable with care
    LOST = 2  # no usable geometry from this frame
    SKIPPED = 3  # not tracked (below the navcam's minimum altitude)


@dataclass(frozen=True)
class TrackerConfig:
    grid_cols: int = 8
    grid_rows: int = 6
    per_cell: int = 4  # corners kept per grid cell: at most 192 features
    fast_threshold: int = 15  # starting value: adapted so that a detection finds 1,000-3,000 corners
    min_fast_threshold: int = 6
    max_fast_threshold: int = 60
    mask_radius_px: float = 260.0  # the far periphery of the fisheye is too oblique and blurred to track
    lk_window_px: int = 17  # the gyro's prediction puts features within a few pixels of where they are: a
    lk_levels: int = 2  # 17 px window over three levels (to 1/4 scale) reaches about 32 px, in 40% less time
    # than 21 px over four
    lk_iterations: int = 20
    ransac_px: float = 1.0  # RANSAC threshold, in pixels at the image centre
    rebase_inliers: int = 60  # a new base frame when fewer inliers than this remain,
    rebase_fraction: float = 0.5  # or fewer than this fraction of the base's features
    ransac_iterations: int = 200
    degraded_inliers: int = 25
    degraded_fraction: float = 0.55  # fewer of the tracked features agreeing on one ground plane than this:
    # the tracking is not to be trusted (over sand ripples most tracks slide along the crests)
    lost_inliers: int = 10


@dataclass(frozen=True)
class TrackResult:
    base_id: int
    base_t_ns: int
    new_base: bool
    base_points: np.ndarray  # (N, 2) normalized (x/z, y/z) camera coordinates in the base frame
    points: np.ndarray  # (N, 2) the same features in this frame, normalized
    pixels: np.ndarray  # (N, 2) their pixel positions in this frame
    inliers: np.ndarray  # (N,) bool
    homography: np.ndarray | None  # 3x3, base normalized -> current normalized
    features: int
    inlier_count: int
    quality: TrackQuality


class Tracker:
    def __init__(self, model: FisheyeModel, cfg: TrackerConfig = TrackerConfig()) -> None:
        self.model = model
        self.cfg = cfg
        c = model.cfg
        self._fast = cv2.FastFeatureDetector_create(cfg.fast_threshold, True)
        yy, xx = np.mgrid[0:c.height_px, 0:c.width_px]
        radius = cfg.mask_radius_px if c.model == "equidistant" else float(np.hypot(c.width_px, c.height_px))
        self._radius = radius
        self._mask = (((xx - c.cx_px) ** 2 + (yy - c.cy_px) ** 2) <= radius ** 2).astype(np.uint8)
        self._lk = dict(winSize=(cfg.lk_window_px, cfg.lk_window_px), maxLevel=cfg.lk_levels,
                        criteria=(cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, cfg.lk_iterations, 0.03),
                        flags=cv2.OPTFLOW_USE_INITIAL_FLOW)
        self._ransac_norm = cfg.ransac_px / c.fx_px
        self.base_id = 0
        self._base: tuple | None = None  # (t_ns, image, base pixels, base normalized)
        self._prev_pixels: np.ndarray | None = None
        self._alive: np.ndarray | None = None
        self._rebase_due: tuple[np.ndarray, int] | None = None  # (image, t_ns) of a frame to become the base

    # --- detection ------------------------------------------------------------------------------------
    def detect(self, image: np.ndarray) -> np.ndarray:
        """Corners spread over a grid: the strongest `per_cell` FAST corners of each cell, (N, 2) float32."""
        kps = self._fast.detect(image, self._mask)
        self._adapt_threshold(len(kps))
        if not kps:
            return np.empty((0, 2), np.float32)
        pts = cv2.KeyPoint_convert(kps).reshape(-1, 2)
        resp = np.array([k.response for k in kps], np.float32)
        h, w = image.shape
        cell = (np.minimum((pts[:, 1] * self.cfg.grid_rows / h).astype(int), self.cfg.grid_rows - 1)
                * self.cfg.grid_cols
                + np.minimum((pts[:, 0] * self.cfg.grid_cols / w).astype(int), self.cfg.grid_cols - 1))
        order = np.lexsort((-resp, cell))  # by cell, strongest first
        cell_sorted = cell[order]
        first = np.searchsorted(cell_sorted, cell_sorted, side="left")
        rank = np.arange(len(order)) - first
        return pts[order[rank < self.cfg.per_cell]]

    def _adapt_threshold(self, found: int) -> None:
        """Thousands of corners cost milliseconds (each becomes a Python object) and only a grid's worth
        are kept: raise the threshold on busy ground, lower it on bland ground, for the next detection."""
        t = self._fast.getThreshold()
        if found > 3000:
            t = min(t + 5, self.cfg.max_fast_threshold)
        elif found < 1000:
            t = max(t - 3, self.cfg.min_fast_threshold)
        self._fast.setThreshold(t)

    def normalize(self, pixels: np.ndarray) -> np.ndarray:
        """Pixels -> undistorted normalized coordinates (x/z, y/z)."""
        if len(pixels) == 0:
            return np.empty((0, 2), np.float64)
        return self.model.normalize(pixels)

    # --- tracking -------------------------------------------------------------------------------------
    def _new_base(self, image: np.ndarray, t_ns: int) -> None:
        pixels = self.detect(image)
        self.base_id += 1
        self._base = (t_ns, image, pixels, self.normalize(pixels))
        self._prev_pixels = pixels.copy()
        self._alive = np.ones(len(pixels), bool)

    def _predict(self, rotation: np.ndarray | None) -> np.ndarray:
        """Where the live features should be now: last positions, turned by the camera's rotation."""
        prev = self._prev_pixels
        if rotation is None or len(prev) == 0:
            return prev.copy()
        rays = self.model.unproject(prev.astype(np.float64)) @ rotation.T
        return self.model.project(rays).astype(np.float32)

    def process(self, image: np.ndarray, t_ns: int, rotation: np.ndarray | None = None) -> TrackResult:
        """Track the base features into `image`. `rotation` (3x3) takes camera-frame vectors of the previous
        frame into this one (from the gyro); None means no rotation is known."""
        self.finish()
        if self._base is None or len(self._base[2]) == 0:
            self._new_base(image, t_ns)
            return self._result(t_ns, True, self._base[2].copy(), np.ones(len(self._base[2]), bool), None)
        base_t, base_img, base_px, _ = self._base
        guess = self._predict(rotation)
        tracked, status, _ = cv2.calcOpticalFlowPyrLK(base_img, image, base_px.reshape(-1, 1, 2),
                                                      guess.reshape(-1, 1, 2).copy(), **self._lk)
        tracked = tracked.reshape(-1, 2)
        self._alive &= status.ravel().astype(bool) & self._inside(tracked)
        self._prev_pixels = np.where(self._alive[:, None], tracked, self._prev_pixels)
        result = self._fit(t_ns, tracked)
        if result.inlier_count < max(self.cfg.rebase_inliers, self.cfg.rebase_fraction * len(base_px)):
            self._rebase_due = (image, t_ns)
        return result

    def finish(self) -> bool:
        """Make the frame just tracked the new base, if it is to be one (the detection takes a millisecond or
        so, and nothing in this frame's estimate needs it: a caller may publish first). The next `process`
        does it if the caller has not. True if the base moved."""
        if self._rebase_due is None:
            return False
        image, t_ns = self._rebase_due
        self._rebase_due = None
        self._new_base(image, t_ns)
        return True

    def _inside(self, pixels: np.ndarray) -> np.ndarray:
        c = self.model.cfg
        r2 = (pixels[:, 0] - c.cx_px) ** 2 + (pixels[:, 1] - c.cy_px) ** 2
        inside = (pixels[:, 0] >= 0) & (pixels[:, 1] >= 0) & (pixels[:, 0] < c.width_px) & (pixels[:, 1] < c.height_px)
        return inside & (r2 <= (self._radius + 40) ** 2)

    def _fit(self, t_ns: int, tracked: np.ndarray) -> TrackResult:
        alive = self._alive
        inliers = np.zeros(len(alive), bool)
        H = None
        idx = np.flatnonzero(alive)
        if len(idx) >= 8:
            base_n = self._base[3][idx]
            cur_n = self.normalize(tracked[idx])
            # USAC_FAST: RANSAC with local optimisation; against plain RANSAC on rendered frames, half the
            # time at p50 and a third at p99, and a few more inliers
            H, mask = cv2.findHomography(base_n, cur_n, cv2.USAC_FAST, self._ransac_norm,
                                         maxIters=self.cfg.ransac_iterations, confidence=0.995)
            if H is not None:
                inliers[idx] = mask.ravel().astype(bool)
        return self._result(t_ns, False, tracked, inliers, H)

    def _result(self, t_ns: int, new_base: bool, pixels: np.ndarray, inliers: np.ndarray,
                H: np.ndarray | None) -> TrackResult:
        base_t, _, _, base_n = self._base
        n_in = int(inliers.sum())
        cfg = self.cfg
        if new_base:
            quality = TrackQuality.GOOD if len(pixels) >= cfg.rebase_inliers else TrackQuality.DEGRADED
        else:
            agree = n_in >= cfg.degraded_fraction * max(int(self._alive.sum()), 1)
            quality = (TrackQuality.GOOD if n_in >= cfg.degraded_inliers and agree else
                       TrackQuality.DEGRADED if n_in >= cfg.lost_inliers else TrackQuality.LOST)
        if new_base and len(pixels) < cfg.lost_inliers:
            quality = TrackQuality.LOST
        return TrackResult(self.base_id, base_t, new_base, base_n, self.normalize(pixels) if not new_base else base_n,
                           pixels, inliers, H, int(self._alive.sum()), n_in if not new_base else len(pixels),
                           quality)
