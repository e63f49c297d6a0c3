"""Downlink frames built from bus messages: the vehicle state and JPEG images."""
from __future__ import annotations

import math

import cv2
import numpy as np

from fsw.bus.messages import NavState, NavTrack, VisionStatus
from fsw.comm.downlink import euler_deg, image_frame, state_frame


def test_euler_angles_of_a_yawed_and_pitched_quaternion() -> None:
    yaw, pitch = math.radians(30), math.radians(10)
    qz = (math.cos(yaw / 2), 0.0, 0.0, math.sin(yaw / 2))
    qy = (math.cos(pitch / 2), 0.0, math.sin(pitch / 2), 0.0)
    w1, x1, y1, z1 = qz
    w2, x2, y2, z2 = qy
    q = (w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2, w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
         w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2, w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2)
    roll, p, y = euler_deg(q)
    assert abs(roll) < 1e-9 and abs(p - 10) < 1e-9 and abs(y - 30) < 1e-9


def test_the_state_frame_carries_the_estimate_and_the_tracker() -> None:
    nav = NavState(5, (1.0, 2.0, -3.0), (0.1, 0.0, 0.0), (1.0, 0.0, 0.0, 0.0), (0.1, 0.2, 0.3), (0.01,) * 3,
                   (0.001,) * 3, True, VisionStatus.GOOD, 9, 0.5)
    track = NavTrack(5, 9, 120, 100, 0, False, 6.5, 12.0)
    s = state_frame(3, "FLY", nav, track, {"up": True})
    assert s.altitude_m == 3.0 and s.height_m == 3.5 and s.vision == "GOOD"
    assert s.features == 120 and s.inliers == 100 and s.tracker_ms == 6.5 and s.pos_std_m == 0.3
    idle = state_frame(4, "IDLE", None, None, {})
    assert idle.to_wire() == {"type": "state", "seq": 4, "mode": "IDLE", "link": {}}  # no estimate yet: not sent


def test_images_go_down_as_small_jpegs_in_the_right_colours() -> None:
    rgb = np.zeros((480, 640, 3), np.uint8)
    rgb[..., 0] = 255  # red
    f = image_frame("rte", 1, 7, rgb, 320)
    assert (f.width, f.height) == (320, 240)
    back = cv2.imdecode(np.frombuffer(f.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert back[120, 160, 2] > 200 and back[120, 160, 0] < 50  # BGR: red stays red
    gray = image_frame("navcam", 2, 7, np.full((480, 640), 128, np.uint8), 160)
    assert (gray.width, gray.height) == (160, 120) and len(gray.jpeg) < 5_000
