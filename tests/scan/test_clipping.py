"""The clipping shares (imgeda_ci.scan.clipping), from histograms and through the scanner."""

from __future__ import annotations

import numpy as np
from PIL import Image

from imgeda_ci.scan.clipping import MARGIN, clipping
from tests.builders import photo
from tests.checks.helpers import analyze


def test_shares_count_the_margin_and_nothing_beyond() -> None:
    hist_rgb = np.zeros((3, 256))
    hist_rgb[0, 0], hist_rgb[0, MARGIN], hist_rgb[0, MARGIN + 1], hist_rgb[0, 128] = 1, 1, 1, 1
    hist_rgb[1, 255], hist_rgb[1, 255 - MARGIN], hist_rgb[1, 254 - MARGIN] = 2, 1, 1
    hist_rgb[2, 100] = 5
    hist_l = np.zeros(256)
    hist_l[[0, 50, 251, 255]] = [1, 2, 3, 4]
    out = clipping(hist_rgb, hist_l)
    assert out == {"low": [0.5, 0.0, 0.0, 0.1], "high": [0.0, 0.75, 0.0, 0.7]}


def test_half_white_picture_through_the_scanner() -> None:
    """Half the picture pure white and the rest a photo: luma and every channel about half
    blown, nothing crushed; the photo alone has almost nothing at either end."""
    arr = np.asarray(photo(3)).copy()
    arr[:, 320:] = 255
    for fmt in ("PNG", "JPEG"):
        clip = analyze(Image.fromarray(arr), fmt=fmt, path=f"h.{fmt.lower()}")["stats"]["clip"]
        assert all(0.49 <= s <= 0.53 for s in clip["high"]), clip
        assert clip["low"][3] < 0.02
    plain = analyze(photo(3))["stats"]["clip"]
    assert max(plain["high"][3], plain["low"][3]) < 0.02


def test_black_picture_is_all_crushed() -> None:
    clip = analyze(Image.new("RGB", (200, 100), (2, 0, 3)))["stats"]["clip"]
    assert clip == {"low": [1.0, 1.0, 1.0, 1.0], "high": [0.0, 0.0, 0.0, 0.0], "rim": None}
