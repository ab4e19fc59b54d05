"""The verification thumbnail of an image: the ``thumb`` record field.

``thumb`` (1,368 base64 characters): the whole image as 32x32 luma bytes (1,024 raw bytes),
row-major, box-averaged from the copy signature's 128x128 working image (so squashed to a square
as the hashes are) and rounded. It is what a candidate copy is verified with
(:mod:`imgeda_ci.dupes.verify`): 32 pixels per side see an object of ~3% of the side.
"""

from __future__ import annotations

import base64

import numpy as np
from PIL import Image

SIDE = 32  # pixels per side
RAW_BYTES = SIDE * SIDE
CHARS = 4 * -(-RAW_BYTES // 3)  # base64 characters


def thumbnail(work: Image.Image) -> str:
    """The ``thumb`` field (see the module doc) of a square ``F`` (or ``L``) working image whose
    side is a multiple of :data:`SIDE`."""
    small = np.asarray(work.resize((SIDE, SIDE), Image.Resampling.BOX), dtype=np.float32)
    raw = np.clip(np.rint(small), 0, 255).astype(np.uint8).tobytes()
    return base64.b64encode(raw).decode("ascii")
