"""The blur width (imgeda_ci.scan.blur): a Gaussian-blurred edge measures its sigma, whatever
its contrast; the Laplacian's variance does not."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image, ImageFilter

from imgeda_ci.scan.blur import CAP, blur_sigma
from imgeda_ci.scan.measure import measure


def _tiles(seed: int = 0) -> npt.NDArray[np.float64]:
    """300 sharp-edged squares of random levels in [-1, 1] on a 0 ground."""
    rng = np.random.default_rng(seed)
    a = np.zeros((384, 512))
    for _ in range(300):
        x, y, s = int(rng.integers(0, 512)), int(rng.integers(0, 384)), int(rng.integers(8, 40))
        a[y : y + s, x : x + s] = rng.uniform(-1, 1)
    return a


def _measured(contrast: float, sigma: float) -> tuple[float, float]:
    """(blur_sigma, sharpness) of the tiles at ``contrast`` (luma levels per unit), blurred."""
    arr = np.clip(128 + _tiles() * contrast, 0, 255).round().astype(np.uint8)
    img = Image.fromarray(arr, "L")
    if sigma:
        img = img.filter(ImageFilter.GaussianBlur(sigma))
    stats = measure(img, img.convert("RGB"))[0]
    return stats["blur_sigma"], stats["sharpness"]


@pytest.mark.parametrize("sigma", [1.0, 2.0])
def test_blurred_edges_measure_their_sigma(sigma: float) -> None:
    assert _measured(100, sigma)[0] == pytest.approx(sigma, rel=0.12)


def test_sharp_edges_measure_half_a_pixel() -> None:
    assert _measured(100, 0)[0] == pytest.approx(0.5, abs=0.03)


def test_contrast_does_not_change_the_width() -> None:
    """Half the contrast: the Laplacian's variance falls 4-fold, the width stays within 5%
    (sharp edges: at a quarter of the contrast too)."""
    for sigma, low in ((0.0, 25), (0.0, 50), (1.0, 50)):
        hi_width, hi_sharp = _measured(100, sigma)
        lo_width, lo_sharp = _measured(low, sigma)
        assert lo_sharp < hi_sharp / 3.5
        assert lo_width == pytest.approx(hi_width, rel=0.05)


def test_faint_blurred_edges_err_towards_blurry() -> None:
    """The rounding floor is subtracted as if every pixel carried rounding noise; where the
    blurred edges' energy is within a few times that floor the width grows: a faint soft
    picture measures blurrier than a strong one, never sharper."""
    widths = [_measured(c, 2.0)[0] for c in (100, 50, 25)]
    assert widths == sorted(widths) and widths[0] == pytest.approx(2.0, rel=0.12)


def test_flat_and_tiny_pictures_measure_the_cap() -> None:
    assert blur_sigma(np.full((50, 50), 77, np.int16), 0.0) == CAP
    assert blur_sigma(np.zeros((2, 9), np.int16), 0.0) == CAP
