"""The verification thumbnail of a crop is the original's thumbnail resampled (scan.thumb)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from imgeda_ci.scan.analyze import analyze_bytes
from imgeda_ci.scan.settings import Settings
from imgeda_ci.scan.thumb import SIDE, unpack
from tests.builders import encode
from tests.dupes.align_oracle import dense


def _thumb(img: Image.Image) -> npt.NDArray[np.float64]:
    rec = analyze_bytes(encode(img, "PNG"), Settings(), use_alarm=False)
    pixels = unpack(rec["thumb"])
    assert pixels is not None
    return pixels.astype(np.float64)


@pytest.mark.parametrize("cycles", [0.23, 0.24])
def test_a_crops_thumbnail_is_the_originals_resampled(cycles: float) -> None:
    """A grating just below the Nyquist limit of the 4:1 reduction to the working image, on
    a smooth ground, at the analysis size (512x384, so the analysis image is the file's own
    pixels), and its 5%-per-side crop: inside the crop, the crop's thumbnail is the original's
    resampled (Keys cubic over the crop's window) to 3 levels. A box-averaged working image
    folds the grating to a low frequency the thumbnail keeps, and the crop (reduced 3.6:1)
    folds it elsewhere: 6 levels apart."""
    h, w = 384, 512
    y, x = np.mgrid[0:h, 0:w]
    ground = (
        128 + 60 * np.sin(2 * np.pi * cycles * x) + 30 * np.sin(2 * np.pi * (x / 200 + y / 150))
    )
    img = Image.fromarray(np.clip(np.rint(ground), 0, 255).astype(np.uint8))
    box = (26, 19, 486, 365)  # 5% off each side
    original, cropped = _thumb(img), _thumb(img.crop(box))
    rows = dense(box[1] / h, 1 - box[3] / h)
    cols = dense(box[0] / w, 1 - box[2] / w)
    off = np.abs(rows @ original @ cols.T - cropped)
    inner = off[2:-2, 2:-2]  # the edge rows: the thumbnail's blur repeats a crop's edge
    assert inner.shape == (SIDE - 4, SIDE - 4)
    assert inner.max() < 3.0, inner.max()
