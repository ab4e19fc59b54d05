"""The streamed pixel hash is the hash of ``tobytes()``, for every mode and shape."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from PIL import Image

from imgeda_ci.scan.pixels import hash_pixels

_RNG = np.random.default_rng(0)
IMAGES = [
    Image.fromarray(_RNG.integers(0, 256, (1200, 900, 3), dtype=np.uint8)),  # several blocks
    Image.fromarray(_RNG.integers(0, 256, (1, 1, 3), dtype=np.uint8)),
    Image.fromarray(_RNG.integers(0, 256, (37, 5), dtype=np.uint8)),
    *(Image.new(mode, (33, 7)) for mode in ("1", "I;16", "I", "F", "RGBA", "P", "CMYK", "LA")),
]


@pytest.mark.parametrize("img", IMAGES, ids=lambda im: f"{im.mode}-{im.width}x{im.height}")
def test_streamed_pixel_hash_is_the_hash_of_tobytes(img: Image.Image) -> None:
    streamed = hashlib.sha256()
    hash_pixels(img, streamed)
    assert streamed.hexdigest() == hashlib.sha256(img.tobytes()).hexdigest()
