from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from tests.builders import blurred, photo
from tests.checks.helpers import analyze, flagged, run


def _tiles(seed: int = 0) -> Image.Image:
    """Many small sharp-edged tiles: a picture full of edges."""
    rng = np.random.default_rng(seed)
    img = Image.new("RGB", (640, 480), (90, 90, 90))
    draw = ImageDraw.Draw(img)
    for _ in range(400):
        x, y, s = int(rng.integers(0, 640)), int(rng.integers(0, 480)), int(rng.integers(6, 30))
        draw.rectangle((x, y, x + s, y + s), fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
    return img


def _shapes(ground: int = 100, shape: int = 122) -> Image.Image:
    """Two large sharp-edged shapes of low contrast on a flat ground: few edges, all sharp."""
    img = Image.new("RGB", (640, 480), (ground,) * 3)
    draw = ImageDraw.Draw(img)
    draw.rectangle((40, 40, 330, 430), fill=(shape,) * 3)
    draw.ellipse((380, 60, 600, 300), fill=(shape,) * 3)
    return img


def test_blurred_photo_is_flagged_sharp_is_not() -> None:
    assert flagged("blurry", analyze(blurred(1, radius=6)))
    assert flagged("blurry", analyze(blurred(1, radius=2), fmt="JPEG", path="b.jpg"))
    assert not flagged("blurry", analyze(photo(1)))
    assert not flagged("blurry", analyze(photo(1), fmt="JPEG", path="p.jpg"))


def test_blur_of_a_busy_picture_is_flagged() -> None:
    """Many edges keep the Laplacian's variance high after a radius-2 blur (17-22, above the
    old threshold of 12); their width gives the blur away."""
    for fmt in ("PNG", "JPEG"):
        rec = analyze(_tiles().filter(ImageFilter.GaussianBlur(2)), fmt=fmt)
        assert rec["stats"]["sharpness"] > 12
        assert flagged("blurry", rec)
        assert not flagged("blurry", analyze(_tiles(), fmt=fmt))


def test_sharp_picture_with_few_edges_is_not_flagged() -> None:
    """Few, faint edges give a small Laplacian variance (under the old threshold of 12) though
    every edge is sharp."""
    rec = analyze(_shapes())
    assert rec["stats"]["sharpness"] < 12 and rec["stats"]["luma_std"] >= 10
    assert not flagged("blurry", rec)
    assert flagged("blurry", analyze(_shapes().filter(ImageFilter.GaussianBlur(2))))


def test_boundary_at_threshold() -> None:
    rec = analyze(blurred(2, radius=3))
    width = rec["stats"]["blur_sigma"]
    assert not flagged("blurry", rec, threshold=width)
    assert flagged("blurry", rec, threshold=width - 0.01)
    out = run("blurry", rec)
    assert out is not None and out.value == width


def test_flat_image_is_not_judged() -> None:
    """No contrast, nothing to be sharp about: low_contrast's business, not blurry's."""
    assert run("blurry", analyze(Image.new("RGB", (300, 200), (90, 100, 110)))) is None
