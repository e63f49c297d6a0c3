"""The navigation pipeline (pure): puts IMU samples, altimeter ranges and navcam frames through the tracker
and the estimator in the order of their own timestamps, and says what to publish.

Every input is applied at its own time. IMU samples are fused `fusion_delay_ms` behind the newest one (PX4's
delayed horizon): a frame or range that arrives within that delay is fused in time order, after propagating
exactly to its stamp -- the same result however the processes were scheduled, which makes lockstep runs
reproducible. A frame that arrives later than that is fused on arrival against the pose estimated for its
own time (kept in a short history). What is published is the fused state carried forward through the IMU
samples not yet fused (an output predictor), so the delay costs no latency. A dropped frame is a gap in the frame counter, counted and
reported; it never shifts the time of later frames (the Flight 6 lesson) -- unless `frame_timestamps =
"counted"` re-creates that bug for study. Vision is flagged degraded when no frame has tracked well for
`vision_degraded_after_s`; the filter goes on with the IMU and the altimeter.
"""
from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from fsw.bus.messages import (ActuatorCommand, AltimeterSample, ImuSample, InclinometerSample, NavcamFrame, NavState,
                              NavTrack, Severity, VisionStatus)
from fsw.camera.model import camera_model
from fsw.config.sensors import SensorsConfig
from fsw.config.stack import NavConfig
from fsw.nav.estimator import Estimator, EstimatorConfig
from fsw.nav.predictor import OutputPredictor
from fsw.nav.tracker import TrackQuality, Tracker
from fsw.rotation import MARS_GRAVITY, kinematics, matrix_to_quat

CG_HEIGHT_M = 0.13  # the IMU above the ground when the vehicle stands on its legs


@dataclass
class Outputs:
    states: list[NavState] = field(default_factory=list)
    tracks: list[NavTrack] = field(default_factory=list)
    events: list[tuple[str, Severity, str]] = field(default_factory=list)


@dataclass
class Counters:
    frames: int = 0
    frame_gaps: int = 0
    frames_skipped_low: int = 0
    deadline_misses: int = 0
    altimeter_rejected: int = 0
    vision_updates: int = 0


ALTIMETER_REFUSED_SAY = 25  # laser ranges refused in a row (half a second at 50 Hz) before it is said
ALTIMETER_REFUSED_REINIT = 100  # ... and (two seconds) before the height is taken from the laser again: the
# laser is never gated out for good
GROUND_REFUSED_REINIT = 250  # ... with good vision (the features hold the height), five seconds before the
# ground state is the laser's: a crater or a rock under the laser passes by sooner, and a ground state taken
# from a crater's floor would become the next base frame's plane, which the features do not lie on
_FRAME_SLACK_S = 0.1  # beyond vision_degraded_after_s without a good frame, a silent navcam is declared
_FRAME_SLACK_M = 0.5  # ... when this far above the navcam's minimum altitude (below it the camera is off)
_GYRO_BIAS_FLOOR_RADPS = 2e-4  # the zero-rate update never trusts the mean gyro beyond this
_STILL_ACCEL_MPS2 = 0.1  # still: the accelerometers read gravity within this (mean), spread under twice it
_STILL_GYRO_RADPS = 0.02  # ... and the gyros turn less than this (mean; the bias is ~0.002)
_TILT_FLOOR_RAD = 3e-4  # the levelling never trusts the inclinometer's mean beyond this (its offset, 0.02 deg)
_DRAG_MIN_ALTITUDE_M = 1.0  # the drag update only this far above the ground (no legs touching, no contact)
START_WINDOW_S = 0.1  # starting from the data: the IMU and laser data that level and place the vehicle
START_IN_AIR_M = 0.5  # ... in the air when the laser ranges the ground at least this far below
START_VEL_STD_MPS = 2.0  # ... where the velocity is not known (a hover or a 10 m/s leg): the frames tell it


def _level(accel: np.ndarray) -> np.ndarray:
    """The attitude (heading 0) whose roll and pitch put gravity where the accelerometer feels it."""
    roll = math.atan2(-accel[1], -accel[2])
    pitch = math.atan2(accel[0], math.hypot(accel[1], accel[2]))
    cr, sr, cp, sp = math.cos(roll), math.sin(roll), math.cos(pitch), math.sin(pitch)
    return np.array([[cp, sp * sr, sp * cr], [0, cr, -sr], [-sp, cp * sr, cp * cr]])


class NavPipeline:
    def __init__(self, cfg: NavConfig, sensors: SensorsConfig, timer_ns: Callable[[], int],
                 now_ns: Callable[[], int]) -> None:
        self.cfg = cfg
        self.sensors = sensors
        self.timer_ns = timer_ns  # wall time, for processing time
        self.now_ns = now_ns  # flight time, for the latency from exposure to estimate
        model = camera_model(sensors.navcam)
        self.tracker = Tracker(model)
        self.est = Estimator(EstimatorConfig(
            gyro_noise_radps=sensors.imu.gyro_noise_radps, accel_noise_mps2=sensors.imu.accel_noise_mps2,
            imu_rate_hz=sensors.imu.rate_hz, altimeter_std_m=2 * sensors.altimeter.noise_std_m,
            focal_px=sensors.navcam.fx_px, rotor_drag_per_s=cfg.rotor_drag_per_s,
            body_drag_per_m=cfg.body_drag_per_m), model.body_from_camera)
        self.R_bc = model.body_from_camera
        self._ranges_refused = 0  # laser ranges refused in a row by the filter's gate
        self.frames: deque[NavcamFrame] = deque()
        self.ranges: deque[AltimeterSample] = deque()
        self.counters = Counters()
        self.proc_ms: deque[float] = deque(maxlen=cfg.timing_window)
        self.vision = VisionStatus.OFF
        self._started = False
        self._left_ground = False  # a valid laser range seen: no more zero-velocity updates
        self._on_legs = False  # control commands no thrust: the vehicle rests on the ground
        self._takeoff_t: int | None = None  # the first command with thrust
        self.started_in_flight = False
        self._seen_actuators = False
        self._imu_count = 0
        self._last_frame_seq = 0
        self._last_used_seq = 0
        self._first_frame_t: int | None = None
        self._last_good_t: int | None = None
        self._good_since: int | None = None  # the first of the good frames in a row
        self._prev_frame_R: np.ndarray | None = None
        self._imu: deque[ImuSample] = deque()  # received, not yet fused
        self.predictor = OutputPredictor()  # ... carried forward from the fused state in constant time
        self._history: deque[tuple[int, np.ndarray, np.ndarray]] = deque(maxlen=500)  # fused (t, p, R)
        self._delay_ns = round(cfg.fusion_delay_ms * 1e6)
        self._still_gyro: list[np.ndarray] = []  # gyro samples on the legs since the last range ...
        self._still_accel: list[float] = []  # ... and accelerometer magnitudes: is the vehicle still?
        self._still_tilt: list[tuple[float, float]] = []  # ... and the inclinometer's roll and pitch
        self.tilts: deque[InclinometerSample] = deque()  # inclinometer samples not yet applied
        self._unfinished: tuple | None = None  # (frame, track result, start time, pose): see finish_frame
        self._pre: list[ImuSample] = []  # the first samples, when starting from the data
        self._drag_sum = [0.0, 0.0, 0]  # specific force across the rotor summed in flight (x, y, samples)

    # --- inputs ---------------------------------------------------------------------------------------
    def on_altimeter(self, sample: AltimeterSample) -> None:
        """Ranges are fused at their own time; on the ground before takeoff (the laser reads nothing below
        its minimum range) each sample is a zero-velocity update instead."""
        if sample.valid or not self._left_ground:
            self.ranges.append(sample)

    def on_inclinometer(self, sample: InclinometerSample) -> None:
        """On the legs the inclinometer levels the filter (applied at its own time, with the ranges'
        zero-velocity updates); in flight it measures thrust, not gravity, and is not used."""
        if sample.valid:
            self.tilts.append(sample)

    def on_actuators(self, cmd: ActuatorCommand) -> None:
        """Control's commands say when the vehicle is on the ground (no thrust yet) and when it takes off.
        Thrust in the first command it sees means it started in flight (a restart): it has no reference
        and its estimate stays invalid, so control lands on its own dead reckoning."""
        if not self._seen_actuators and cmd.thrust_n > 0.0:
            self.started_in_flight = True
        self._seen_actuators = True
        if cmd.thrust_n > 0.0:
            self._takeoff_t = cmd.t_ns if self._takeoff_t is None else min(self._takeoff_t, cmd.t_ns)
        elif self._takeoff_t is None:
            self._on_legs = True

    @property
    def took_off(self) -> bool:
        """A command with thrust has come: later ones change nothing here."""
        return self._takeoff_t is not None

    def _resting(self, t_ns: int) -> bool:
        return self._on_legs and not self._left_ground and (self._takeoff_t is None or t_ns < self._takeoff_t)

    def on_frame(self, frame: NavcamFrame, out: Outputs) -> None:
        self.finish_frame(out)
        if self._last_frame_seq and frame.frame_seq > self._last_frame_seq + 1:
            missing = frame.frame_seq - self._last_frame_seq - 1
            self.counters.frame_gaps += missing
            out.events.append(("FRAME_GAP", Severity.WARNING_LO,
                               f"{missing} navcam frame(s) missing before frame {frame.frame_seq}"))
        self._last_frame_seq = max(self._last_frame_seq, frame.frame_seq)
        frame = self._stamp(frame)
        if self._started and self.est.t_ns is not None and frame.t_ns <= self.est.t_ns:
            self._apply_frame(frame, out, late=True)  # the horizon has passed it: fuse it now
        else:
            self.frames.append(frame)

    def _stamp(self, frame: NavcamFrame) -> NavcamFrame:
        """Each frame's own exposure time -- or, with the Flight 6 bug, the first one plus a count of periods."""
        if self._first_frame_t is None:
            self._first_frame_t = frame.t_ns
            self._frames_counted = 0
        self._frames_counted += 1
        if self.cfg.frame_timestamps == "exposure":
            return frame
        period = round(1e9 / self.sensors.navcam.rate_hz)
        t = self._first_frame_t + (self._frames_counted - 1) * period
        return NavcamFrame(t, frame.frame_seq, frame.exposure_us, frame.pixels)

    def on_imu(self, sample: ImuSample, out: Outputs) -> None:
        """Buffer the sample; fuse every sample older than the fusion delay, with the frames and ranges
        stamped before it (each at its own time)."""
        self.finish_frame(out)
        if not self._started:
            if self.cfg.start == "ground":
                self._start(sample, np.array(sample.accel_mps2))
                return
            self._pre.append(sample)
            if (sample.t_ns - self._pre[0].t_ns) * 1e-9 >= START_WINDOW_S:
                self._start_from_data(out)
            return
        self._imu.append(sample)
        e = self.est
        if self._delay_ns:  # without a delay each sample is fused at once: nothing to carry forward
            self.predictor.push(sample.t_ns, np.array(sample.gyro_radps) - e.bg, np.array(sample.accel_mps2) - e.ba)
        horizon = sample.t_ns - self._delay_ns
        while self._imu and self._imu[0].t_ns <= horizon:
            self._fuse(self._imu.popleft(), out)
        self._imu_count += 1
        if self._imu_count % self.cfg.publish_every_imu == 0:
            out.states.append(self.state(sample.t_ns))

    def _fuse(self, sample: ImuSample, out: Outputs) -> None:
        gyro, accel = np.array(sample.gyro_radps), np.array(sample.accel_mps2)
        for t_ns, apply in self._due(sample.t_ns):
            self.est.propagate(t_ns, gyro, accel)
            apply(out)
            self.finish_frame(out)  # before the filter moves on from the frame's time
        self.est.propagate(sample.t_ns, gyro, accel)
        self._history.append((sample.t_ns, self.est.p.copy(), self.est.R.copy()))
        self._sum_drag(accel)
        if self._resting(sample.t_ns):
            self._still_gyro.append(gyro)
            self._still_accel.append(float(np.linalg.norm(accel)))
        self._check_frames_coming(sample.t_ns, out)
        self.predictor.fused_through(sample.t_ns)

    def _sum_drag(self, accel: np.ndarray) -> None:
        """In flight with good vision, every `drag_every_imu` samples: the mean specific force across the rotor
        is its drag. Only while the features hold the velocity: on the IMU alone (Flight 72's LAND_NOW) the drag
        is a weak velocity measurement that moved the tilt, and control tilted the vehicle 7.8 deg (1.3 without)."""
        if self.cfg.rotor_drag_per_s <= 0:
            return
        s = self._drag_sum
        flying = self._left_ground and self.took_off and self.altitude_m() >= _DRAG_MIN_ALTITUDE_M
        if not flying or self.vision is not VisionStatus.GOOD:
            s[:] = [0.0, 0.0, 0]
            return
        s[0] += float(accel[0])
        s[1] += float(accel[1])
        s[2] += 1
        if s[2] >= self.cfg.drag_every_imu:
            self.est.update_drag(np.array([s[0] / s[2], s[1] / s[2]]))
            s[:] = [0.0, 0.0, 0]

    def _check_frames_coming(self, t_ns: int, out: Outputs) -> None:
        """A navcam gone silent in flight degrades vision as surely as a blank one does."""
        if self.vision is VisionStatus.GOOD and self._last_good_t is not None \
                and self.altitude_m() > self.sensors.navcam.min_altitude_m + _FRAME_SLACK_M and (t_ns - self._last_good_t) / 1e9 > self.cfg.vision_degraded_after_s + _FRAME_SLACK_S:
            out.events.append(("NAVCAM_SILENT", Severity.WARNING_HI,
                               f"no navcam frame for {(t_ns - self._last_good_t) / 1e9:.1f} s"))
            self._set_vision(VisionStatus.DEGRADED, t_ns, out)

    def _pose_at(self, t_ns: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The fused pose at the last sample at or before `t_ns` (None if the history does not reach it)."""
        best = None
        for t, p, R in reversed(self._history):
            if t <= t_ns:
                best = (p, R)
                break
        return best

    def _start(self, sample: ImuSample, accel: np.ndarray) -> None:
        """At rest: level from gravity (roll and pitch), heading 0 (the start heading), on the ground."""
        self.est.reset(np.array([0.0, 0.0, -CG_HEIGHT_M]), _level(accel))
        self._begin(sample.t_ns, accel)

    def _begin(self, t_ns: int, accel: np.ndarray) -> None:
        self.est.propagate(t_ns, np.zeros(3), accel)
        self.predictor.reset(t_ns, self.est.p, self.est.v, self.est.R)
        self._started = True

    def _start_from_data(self, out: Outputs) -> None:
        """From the first `START_WINDOW_S` of data: level from the mean specific force; in the air when the
        laser ranges the ground (its median range the height, along the tilted down axis; the velocity not
        known: the frames tell it), else on the ground as a flight starts."""
        accel = np.mean([s.accel_mps2 for s in self._pre], axis=0)
        last = self._pre[-1].t_ns
        self._pre.clear()
        R = _level(accel)
        ranges = [r.range_m for r in self.ranges if r.valid and r.t_ns <= last]
        height = float(np.median(ranges)) * R[2, 2] if ranges else 0.0
        if height < START_IN_AIR_M:
            self.est.reset(np.array([0.0, 0.0, -CG_HEIGHT_M]), R)
        else:
            self.est.reset(np.array([0.0, 0.0, -height]), R, vel_std_mps=START_VEL_STD_MPS,
                           height_std_m=self.est.cfg.altimeter_std_m)
            self._left_ground = True
            out.events.append(("NAV_START_IN_AIR", Severity.ACTIVITY_HI,
                               f"navigation starts in the air: {height:.2f} m above the ground (laser, "
                               f"{len(ranges)} ranges), velocity from the frames"))
        while self.ranges and self.ranges[0].t_ns <= last:
            self.ranges.popleft()
        self._begin(last, accel)

    def _due(self, t_ns: int) -> list[tuple[int, Callable[[Outputs], None]]]:
        """Frames and ranges stamped up to `t_ns`, in time order, each with how to apply it."""
        due = []
        while self.ranges and self.ranges[0].t_ns <= t_ns:
            r = self.ranges.popleft()
            due.append((r.t_ns, 1, lambda out, r=r: self._apply_range(r, out)))
        while self.frames and self.frames[0].t_ns <= t_ns:
            f = self.frames.popleft()
            due.append((f.t_ns, 0, lambda out, f=f: self._apply_frame(f, out)))
        while self.tilts and self.tilts[0].t_ns <= t_ns:
            s = self.tilts.popleft()
            due.append((s.t_ns, 2, lambda out, s=s: self._apply_tilt(s)))
        due.sort(key=lambda d: (d[0], d[1]))
        return [(t, fn) for t, _, fn in due]

    # --- updates --------------------------------------------------------------------------------------
    def _still(self) -> bool:
        """The IMU felt nothing but gravity since the last range: the vehicle is not being moved (a gust on
        the ground, a hand, or a world that flies it without its rotors)."""
        if len(self._still_accel) < 2:
            return False
        a = np.array(self._still_accel)
        g = np.linalg.norm(np.mean(self._still_gyro, axis=0))
        return abs(a.mean() - MARS_GRAVITY[2]) < _STILL_ACCEL_MPS2 and np.ptp(a) < 2 * _STILL_ACCEL_MPS2 \
            and g < _STILL_GYRO_RADPS

    def _apply_tilt(self, s: InclinometerSample) -> None:
        if self._resting(s.t_ns):
            self._still_tilt.append((s.roll_rad, s.pitch_rad))

    def _update_at_rest(self) -> None:
        """On the legs and still: where it started, not moving, not turning (the mean gyro is its bias), and
        as level as the inclinometer says (which tells the accelerometer's bias from a tilt)."""
        if self._still():
            self.est.update_stationary(0.0, 0.0, -CG_HEIGHT_M)
            n = len(self._still_gyro)
            var = self.sensors.imu.gyro_noise_radps ** 2 / n + _GYRO_BIAS_FLOOR_RADPS ** 2
            self.est.update_still_gyro(np.mean(self._still_gyro, axis=0), var)
            if self._still_tilt:
                roll, pitch = np.mean(self._still_tilt, axis=0)
                noise = self.sensors.inclinometer.noise_std_rad
                self.est.update_tilt(float(roll), float(pitch), noise ** 2 / len(self._still_tilt)
                                     + _TILT_FLOOR_RAD ** 2)
        self._still_gyro.clear()
        self._still_accel.clear()
        self._still_tilt.clear()

    def _apply_range(self, r: AltimeterSample, out: Outputs) -> None:
        if not r.valid:
            if self._resting(r.t_ns):
                self._update_at_rest()
            return
        self._left_ground = True
        if self.est.update_altimeter(r.range_m):
            self._ranges_refused = 0
            return
        self.counters.altimeter_rejected += 1
        self._ranges_refused += 1
        if self._ranges_refused == ALTIMETER_REFUSED_SAY:  # once an episode: the laser and the estimate part
            out.events.append(("ALTIMETER_REJECTED", Severity.WARNING_HI,
                               f"{self._ranges_refused} ranges in a row disagree with the estimate: the laser reads "
                               f"{r.range_m:.2f} m, the estimate is {self.altitude_m():.2f} m above the ground"))
        elif self._ranges_refused >= (GROUND_REFUSED_REINIT if self.vision is VisionStatus.GOOD
                                      else ALTIMETER_REFUSED_REINIT):
            self._reinit_from_laser(r, out)

    def _reinit_from_laser(self, r: AltimeterSample, out: Outputs) -> None:
        """Ranges refused for too long: with good vision the features hold the vehicle's height, so the
        ground moved (the ground state is the laser's); without, the height is the laser's again."""
        ground = self.vision is VisionStatus.GOOD
        was = self.altitude_m()
        if not (self.est.reinit_ground(r.range_m) if ground else self.est.reinit_height(r.range_m)):
            return
        self._ranges_refused = 0
        what = "the ground under the vehicle moved (the features hold its height)" if ground else \
            "the height is the laser's again"
        out.events.append(("HEIGHT_REINITIALISED", Severity.WARNING_HI,
                           f"{self._ranges_refused} ranges in a row disagreed: {what} "
                           f"({was:.2f} -> {self.altitude_m():.2f} m above the ground)"))

    def altitude_m(self) -> float:
        """Height of the legs above the ground under the vehicle."""
        return self.est.ground_z - self.est.p[2] - CG_HEIGHT_M

    def _apply_frame(self, frame: NavcamFrame, out: Outputs, late: bool = False) -> None:
        """The critical loop: track, update, report time and quality. A late frame uses the pose estimated
        for its own time."""
        pose = self._pose_at(frame.t_ns) if late else None
        if late and pose is None:  # still a record: every frame gets one (a lockstep world paces by them)
            out.events.append(("FRAME_TOO_LATE", Severity.WARNING_LO,
                               f"frame {frame.frame_seq} is older than the pose history"))
            out.tracks.append(NavTrack(frame.t_ns, frame.frame_seq, 0, 0, int(TrackQuality.SKIPPED), False, 0.0,
                                       (self.now_ns() - frame.t_ns) / 1e6))
            return
        if self.altitude_m() < self.sensors.navcam.min_altitude_m:
            self.counters.frames_skipped_low += 1
            self._prev_frame_R = None
            self._set_vision(VisionStatus.OFF, frame.t_ns, out)
            out.states.append(self.fused_state())
            out.tracks.append(NavTrack(frame.t_ns, frame.frame_seq, 0, 0, int(TrackQuality.SKIPPED), False, 0.0,
                                       (self.now_ns() - frame.t_ns) / 1e6))
            return
        t0 = self.timer_ns()
        R_cam = (self.est.R if pose is None else pose[1]) @ self.R_bc
        rotation = None if self._prev_frame_R is None else R_cam.T @ self._prev_frame_R
        self._prev_frame_R = R_cam
        res = self.tracker.process(frame.pixels, frame.t_ns, rotation)
        if res.new_base:
            self.est.new_base(pose)
        else:
            trusted = res.quality is TrackQuality.GOOD and self.vision is not VisionStatus.DEGRADED
            if trusted and res.homography is not None:  # degraded: on IMU and altimeter until recovered
                inl = res.inliers
                if self.est.update_features(res.base_points[inl], res.points[inl], pose):
                    self.counters.vision_updates += 1
        self.counters.frames += 1
        self._last_used_seq = frame.frame_seq
        self._set_vision(self._judge_vision(res.quality is TrackQuality.GOOD, frame.t_ns), frame.t_ns, out)
        out.states.append(self.fused_state())
        self._unfinished = (frame, res, t0, pose)

    def finish_frame(self, out: Outputs) -> None:
        """The rest of the last frame's work, once its estimate is out: a new base frame, if the tracker
        wants one (detection, and the filter's base cloned at the frame's time), then its record. Whatever
        comes next (a sample, a range, a frame) finishes it first if the caller has not."""
        if self._unfinished is None:
            return
        frame, res, t0, pose = self._unfinished
        self._unfinished = None
        if self.tracker.finish() and not res.new_base:  # the tracker moved its base to this frame
            self.est.new_base(None if pose is None else self._pose_at(frame.t_ns))
        self._after_frame(frame, res, t0, out)

    def _after_frame(self, frame: NavcamFrame, res, t0: int, out: Outputs) -> None:
        proc_ms = (self.timer_ns() - t0) / 1e6
        self.proc_ms.append(proc_ms)
        if proc_ms > self.cfg.deadline_ms:
            self.counters.deadline_misses += 1
            out.events.append(("DEADLINE_MISS", Severity.WARNING_HI,
                               f"frame {frame.frame_seq} took {proc_ms:.1f} ms (deadline {self.cfg.deadline_ms} ms)"))
        latency_ms = (self.now_ns() - frame.t_ns) / 1e6
        out.tracks.append(NavTrack(frame.t_ns, frame.frame_seq, res.features, res.inlier_count, int(res.quality),
                                   res.new_base, proc_ms, latency_ms))

    def _judge_vision(self, good: bool, t_ns: int) -> VisionStatus:
        """Degraded after `vision_degraded_after_s` without a good frame; good again only after good frames
        for `vision_recover_s` (tracking that flickers over poor ground is not to be trusted)."""
        if good:
            self._last_good_t = t_ns
            self._good_since = t_ns if self._good_since is None else self._good_since
        else:
            self._good_since = None
            if self._last_good_t is None:
                self._last_good_t = t_ns
        if self.vision is VisionStatus.DEGRADED:
            recovered = self._good_since is not None and (t_ns - self._good_since) / 1e9 >= self.cfg.vision_recover_s
            return VisionStatus.GOOD if recovered else VisionStatus.DEGRADED
        if not good and (t_ns - self._last_good_t) / 1e9 >= self.cfg.vision_degraded_after_s:
            return VisionStatus.DEGRADED
        return VisionStatus.GOOD

    def _set_vision(self, status: VisionStatus, t_ns: int, out: Outputs) -> None:
        if status is self.vision:
            return
        if status is VisionStatus.DEGRADED:
            out.events.append(("VISION_DEGRADED", Severity.WARNING_HI,
                               "too few tracked features: navigating on IMU and altimeter"))
        elif status is VisionStatus.GOOD and self.vision is VisionStatus.DEGRADED:
            out.events.append(("VISION_RECOVERED", Severity.ACTIVITY_HI, "features tracked again"))
        self.vision = status

    # --- outputs --------------------------------------------------------------------------------------
    def predict_now(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The fused state carried forward through the IMU samples not fused yet (no covariance): by the
        output predictor, or (when its path does not reach back to the fused state's time) step by step."""
        e = self.est
        predicted = self.predictor.predict(e.t_ns, e.p, e.v, e.R)
        if predicted is not None:
            return predicted
        p, v, R, t = e.p, e.v, e.R, e.t_ns
        for s in self._imu:
            dt = (s.t_ns - t) * 1e-9
            if dt > 0:
                p, v, R = kinematics(p, v, R, np.array(s.gyro_radps) - e.bg, np.array(s.accel_mps2) - e.ba, dt)
                t = s.t_ns
        return p, v, R

    def state(self, t_ns: int) -> NavState:
        """The estimate at the newest IMU sample (stamped `t_ns`, its time): the fused state carried forward."""
        e = self.est
        return self._nav_state(t_ns, *(self.predict_now() if self._imu else (e.p, e.v, e.R)))

    def fused_state(self) -> NavState:
        """The fused state at its own time (a frame's estimate: at the frame's time once it is fused in order).
        Carried forward it would be the newest sample's estimate, and stamped with the frame's time it would put
        the vehicle `fusion_delay` of travel ahead of where it was."""
        e = self.est
        return self._nav_state(e.t_ns, e.p, e.v, e.R)

    def _nav_state(self, t_ns: int, p: np.ndarray, v: np.ndarray, R: np.ndarray) -> NavState:
        e = self.est
        sd = np.sqrt(np.maximum(e.covariance_diag(), 0.0))
        q = matrix_to_quat(R)
        valid = bool(np.all(np.isfinite(p)) and sd[0] < 50.0) and not self.started_in_flight
        return NavState(t_ns, tuple(map(float, p)), tuple(map(float, v)), q, tuple(map(float, sd[0:3])),
                        tuple(map(float, sd[3:6])), tuple(map(float, sd[6:9])), valid, self.vision,
                        self._last_used_seq, float(self.est.ground_z))

    def timing(self) -> dict[str, float]:
        if not self.proc_ms:
            return {"tracker.p50_ms": 0.0, "tracker.p99_ms": 0.0, "tracker.max_ms": 0.0}
        a = np.array(self.proc_ms)
        return {"tracker.p50_ms": float(np.percentile(a, 50)), "tracker.p99_ms": float(np.percentile(a, 99)),
                "tracker.max_ms": float(a.max())}

