"""A PNG and a JPEG of the same picture measure alike: every format is measured at the scale a
JPEG's ``draft`` gives (imgeda_ci.scan.pixels.reduced), so the lossless file is not measured
from a finer image than the JPEG of it. Figures on 100 real photos:
benchmarks/bench_format_consistency.py."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from imgeda_ci.scan.analyze import analyze_bytes
from imgeda_ci.scan.hashes import hamming
from imgeda_ci.scan.pixels import draft_factor, reduced
from imgeda_ci.scan.settings import Settings
from tests.builders import encode, photo

#: (field, largest difference): relative for sharpness (an energy), absolute otherwise. The
#: PNG used to be box-resized from its full size straight to the analysis size while the JPEG
#: was DCT-scaled first: on these pictures sharpness then differed by 3-13% and noise by
#: 0.08-0.09 (real photos, p95: 16% and 0.09); measured at the same scale, by 0.1% and 0.01.
TOLERANCE: dict[str, float] = {
    "sharpness": 0.02,
    "noise": 0.05,
    "blur_sigma": 0.01,
    "edge_density": 0.001,
    "luma_std": 0.1,
    "colorfulness": 0.5,
}


def _pair(img: Image.Image) -> tuple[dict[str, Any], dict[str, Any]]:
    s = Settings()
    png = analyze_bytes(encode(img, "PNG", compress_level=1), s)
    jpg = analyze_bytes(encode(img, "JPEG", quality=95, subsampling=0), s)
    assert png["error"] is None and jpg["error"] is None
    return dict(png), dict(jpg)


@pytest.mark.parametrize(
    ("size", "seed"), [((3000, 2250), 3), ((3000, 2250), 11), ((2600, 1950), 3)]
)
def test_png_and_jpeg_of_the_same_picture_measure_alike(size: tuple[int, int], seed: int) -> None:
    png, jpg = _pair(photo(seed, size))  # draft decodes the JPEG at 1/4, then 1.5x to go
    for field, tol in TOLERANCE.items():
        a, b = png["stats"][field], jpg["stats"][field]
        diff = abs(a - b) / max(a, b) if field == "sharpness" else abs(a - b)
        assert diff <= tol, (field, a, b)
    assert hamming(png["phash"], jpg["phash"]) <= 8
    assert png["stats"]["analysis_size"] == jpg["stats"]["analysis_size"] == [512, 384]


def test_draft_factor_is_jpegs() -> None:
    """The factor is the one Pillow's JPEG draft picks for the same target."""
    for size in [(2048, 1536), (1100, 700), (600, 400), (5000, 300), (4097, 3073)]:
        scale = min(1.0, 512 / max(size))
        target = (max(1, round(size[0] * scale)), max(1, round(size[1] * scale)))
        jpeg = Image.open(io.BytesIO(encode(Image.new("RGB", size))))
        jpeg.draft(None, target)
        f = draft_factor(size, target)
        assert ((size[0] + f - 1) // f, (size[1] + f - 1) // f) == jpeg.size
    assert draft_factor((300, 200), (512, 384)) == 1  # smaller than the target: as it is


def test_reduced_drops_alpha_and_keeps_small_images() -> None:
    rgba = Image.new("RGBA", (2048, 1024), (200, 100, 50, 0))
    out = reduced(rgba, (512, 256))
    assert out.mode == "RGB" and out.size == (512, 256)
    assert out.getpixel((0, 0)) == (200, 100, 50)  # not premultiplied by a zero alpha
    small = Image.new("L", (500, 300))
    assert reduced(small, (500, 300)) is small
