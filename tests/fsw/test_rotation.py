"""The rotation helpers' fast paths against the textbook forms they replace."""
from __future__ import annotations

import numpy as np
import pytest

from fsw.rotation import cross3, orthonormalize, rotvec_to_matrix, skew


def rodrigues(r: np.ndarray) -> np.ndarray:
    angle = np.linalg.norm(r)
    if angle < 1e-12:
        return np.eye(3) + skew(r)
    k = skew(r / angle)
    return np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * k @ k


@pytest.mark.parametrize("scale", [0.0, 1e-14, 1e-6, 1e-3, 0.1, 1.0, 3.0])
def test_rotvec_to_matrix_is_rodrigues_and_a_rotation(scale: float) -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        r = rng.normal(size=3) * scale
        R = rotvec_to_matrix(r)
        np.testing.assert_allclose(R, rodrigues(r), atol=1e-14)
        np.testing.assert_allclose(R @ R.T, np.eye(3), atol=1e-14)
        np.testing.assert_allclose(R, rotvec_to_matrix(tuple(r)), atol=0)
    np.testing.assert_allclose(orthonormalize(rotvec_to_matrix((0.0, 0.0, np.pi / 2))) @ (1.0, 0.0, 0.0),
                               (0.0, 1.0, 0.0), atol=1e-15)


def test_cross3_is_numpys_cross_bit_for_bit() -> None:
    rng = np.random.default_rng(8)
    for _ in range(1000):
        a, b = rng.normal(size=3) * 10 ** rng.uniform(-6, 3), rng.normal(size=3)
        assert np.array_equal(cross3(a, b), np.cross(a, b))
        assert np.array_equal(cross3(tuple(a), list(b)), np.cross(a, b))
