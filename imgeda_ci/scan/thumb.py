"""The verification thumbnail of an image: the ``thumb`` record field.

``thumb``: the whole image as 64x64 luma bytes (4,096 raw bytes, row-major, rounded), stored
compressed (:func:`pack`: a median of 2,490 base64 characters on real photos, against 5,464
uncompressed). It is sampled from the copy signature's 128x128 working image (so squashed to a
square as the hashes are) *band-limited*: a Gaussian blur of :data:`SIGMA` thumbnail pixels,
then a 2x2 box average. A box average alone (the 32x32 thumbnail of scan algorithm 5) keeps
detail finer than its pixels as aliasing, which a crop moves about: a cropped copy then differed
from its original by as much as an object of a few per cent of the side. Band-limited, the
thumbnail of a crop is the original's resampled, to a level or two, so the verifier
(:mod:`imgeda_ci.dupes.verify`) can tell a copy from the same scene with an object of ~2-3% of
the side moved (``benchmarks/bench_nearcopy.py``).
"""

from __future__ import annotations

import base64
import binascii
import zlib
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from PIL import Image

SIDE = 64  # pixels per side
SIGMA = 1.0  # the blur before sampling, in thumbnail pixels
RAW_BYTES = SIDE * SIDE
LEVEL = 1  # zlib's: its fastest; 9 is 5% smaller and three times slower
U8 = npt.NDArray[np.uint8]


@lru_cache(maxsize=4)
def sampling(side: int) -> npt.NDArray[np.float32]:
    """``(SIDE, side)``: the rows that take one axis of a ``side``-pixel image to the thumbnail:
    a Gaussian of :data:`SIGMA` thumbnail pixels (edges repeated), then a box average of
    ``side / SIDE`` pixels."""
    f = side // SIDE
    sigma = SIGMA * f
    reach = int(np.ceil(3 * sigma))
    taps = np.exp(-0.5 * (np.arange(-reach, reach + 1) / sigma) ** 2)
    taps /= taps.sum()
    blur = np.zeros((side, side))
    for k, t in zip(range(-reach, reach + 1), taps, strict=True):
        np.add.at(blur, (np.arange(side), np.clip(np.arange(side) + k, 0, side - 1)), t)
    box = np.kron(np.eye(SIDE), np.full(f, 1 / f))
    out: npt.NDArray[np.float32] = (box @ blur).astype(np.float32)
    return out


def thumbnail(work: Image.Image) -> str:
    """The ``thumb`` field (see the module doc) of a square ``F`` (or ``L``) working image whose
    side is a multiple of :data:`SIDE`."""
    rows = sampling(work.width)
    small = rows @ np.asarray(work, dtype=np.float32) @ rows.T
    return pack(np.clip(np.rint(small), 0, 255).astype(np.uint8))


def pack(pixels: U8) -> str:
    """``(SIDE, SIDE)`` levels as the ``thumb`` field: each level less its left and upper
    neighbours' difference (a two-dimensional difference, modulo 256: a band-limited picture's
    are small), deflated (zlib) and base64-encoded."""
    step = np.diff(np.diff(pixels, axis=1, prepend=np.uint8(0)), axis=0, prepend=np.uint8(0))
    return base64.b64encode(zlib.compress(step.tobytes(), LEVEL)).decode("ascii")


def unpack(value: object) -> U8 | None:
    """The ``(SIDE, SIDE)`` levels of a ``thumb`` field, or None when it is not one (not a
    string, not base64, not one whole deflated stream, not :data:`RAW_BYTES` long)."""
    if not isinstance(value, str):
        return None
    try:
        packed = base64.b64decode(value, validate=True)
        inflate = zlib.decompressobj()
        step = inflate.decompress(packed, RAW_BYTES + 1)  # never more than a thumbnail's worth
    except (binascii.Error, ValueError, zlib.error):
        return None
    if len(step) != RAW_BYTES or not inflate.eof or inflate.unused_data:
        return None
    grid = np.frombuffer(step, dtype=np.uint8).reshape(SIDE, SIDE)
    out: U8 = grid.cumsum(axis=0, dtype=np.uint8).cumsum(axis=1, dtype=np.uint8)
    return out
