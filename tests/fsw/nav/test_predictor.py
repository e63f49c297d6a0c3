"""The output predictor lays the fused state over a dead-reckoned path: the same as integrating the window."""
import numpy as np
import pytest

from fsw.nav.predictor import OutputPredictor
from fsw.rotation import kinematics, rotvec_to_matrix

DT_NS = 2_000_000


def _samples(n: int, seed: int = 3) -> list[tuple[int, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [((k + 1) * DT_NS, rng.normal(0, 0.5, 3), np.array([0.0, 0.0, -3.71]) + rng.normal(0, 1.0, 3))
            for k in range(n)]


def _integrate(p, v, R, t, samples):
    for ts, w, f in samples:
        p, v, R = kinematics(p, v, R, w, f, (ts - t) * 1e-9)
        t = ts
    return p, v, R


@pytest.mark.parametrize("reanchor_every", [500, 7])
def test_prediction_equals_integrating_the_window(reanchor_every: int) -> None:
    samples = _samples(200)
    pred = OutputPredictor(reanchor_every=reanchor_every)
    pred.reset(0, np.zeros(3), np.zeros(3), np.eye(3))
    window = 40
    fused = (np.array([1.0, -2.0, -3.0]), np.array([0.5, 0.1, -0.2]), rotvec_to_matrix(np.array([0.1, -0.2, 0.3])))
    t_fused = 0
    for k, (t, w, f) in enumerate(samples):
        pred.push(t, w, f)
        if k >= window:  # fuse the sample `window` behind, with a correction the raw path never saw
            t_fused, w0, f0 = samples[k - window]
            fused = _integrate(*fused, t_fused - DT_NS, [(t_fused, w0, f0)])
            fused = (fused[0] + 0.01, fused[1] - 0.02, fused[2] @ rotvec_to_matrix(np.array([0.002, 0.0, -0.001])))
            pred.fused_through(t_fused)
        if k >= window:
            got = pred.predict(t_fused, *fused)
            want = _integrate(*fused, t_fused, samples[k - window + 1:k + 1])
            for a, b in zip(got, want):
                np.testing.assert_allclose(a, b, atol=1e-9)


def test_part_of_a_step_and_out_of_reach() -> None:
    samples = _samples(5)
    pred = OutputPredictor()
    pred.reset(0, np.zeros(3), np.zeros(3), np.eye(3))
    for s in samples:
        pred.push(*s)
    half = DT_NS // 2  # a frame fused half way to the first sample
    fused = _integrate(np.zeros(3), np.zeros(3), np.eye(3), 0, [(half, *samples[0][1:])])
    got = pred.predict(half, *fused)
    want = _integrate(*fused, half, samples)
    for a, b in zip(got, want):  # a split step differs by the turn within it (O(w f dt^2)): micrometres
        np.testing.assert_allclose(a, b, atol=2e-5)
    assert pred.predict(-1, *fused) is None  # before the raw path began
    assert pred.predict(samples[-1][0] + DT_NS, *fused) is None  # beyond the newest sample


def test_rotations_stay_rotations_over_an_hour_of_re_anchoring() -> None:
    """Re-anchoring every 10 samples for 30,000 samples (3,000 re-anchorings): an error of scale in the
    correction would be squared each time and blow up within a hundred."""
    rng = np.random.default_rng(5)
    pred = OutputPredictor(reanchor_every=10)
    R_f = np.eye(3)
    pred.reset(0, np.zeros(3), np.zeros(3), R_f)
    window = 20
    for k in range(30_000):
        t = (k + 1) * DT_NS
        pred.push(t, rng.normal(0, 0.3, 3), np.array([0.0, 0.0, -3.71]))
        if k >= window:
            R_f = R_f @ rotvec_to_matrix(rng.normal(0, 0.01, 3))  # a fused attitude of its own
            pred.fused_through(t - window * DT_NS)
            got = pred.predict(t - window * DT_NS, np.zeros(3), np.zeros(3), R_f)
    R = got[2]
    np.testing.assert_allclose(R @ R.T, np.eye(3), atol=1e-9)
