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

The working image is a *bilinear* reduction (Pillow's triangle filter, as wide as two source
pixels per working pixel), not a box average (as in scan algorithm 6). A box of 4 analysis pixels
passes ~13% of a pattern just below its Nyquist limit, folded to a low frequency that the
Gaussian keeps, and a crop, reduced by 3.6 instead of 4, folds it elsewhere: a cropped copy's
thumbnail differed from the original's resampled by up to 6 levels on such a pattern
(``tests/scan/test_thumb.py``), and on real photos the largest difference inside a 5% crop was
18 levels at the 90th percentile (13 bilinear; 150 photos of ``/work/photos``). With the triangle,
``benchmarks/bench_nearcopy.py`` finds more cropped copies at the same same-scene precision
(crops of 5% per side 0.933 -> 0.940, 3% per side 0.940 -> 0.953, a turn with a 3% crop
0.933 -> 0.947; 0.993 precision both), for 0.12 ms more per image.
"""

from __future__ import annotations

import base64
import binascii
import zlib

import numpy as np
import numpy.typing as npt
from PIL import Image

SIDE = 64  # pixels per side
SIGMA = 1.0  # the blur before sampling, in thumbnail pixels
RAW_BYTES = SIDE * SIDE
LEVEL = 1  # zlib's: its fastest; 9 is 5% smaller and three times slower
U8 = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]


def _taps(factor: int) -> npt.NDArray[np.float32]:
    """The weights, on a grid ``factor`` times finer than the thumbnail's, of a Gaussian of
    :data:`SIGMA` thumbnail pixels (out to three standard deviations) followed by the average of
    ``factor`` neighbours: one thumbnail pixel from ``2 * reach + factor`` fine ones."""
    sigma = SIGMA * factor
    reach = int(np.ceil(3 * sigma))
    gauss = np.exp(-0.5 * (np.arange(-reach, reach + 1) / sigma) ** 2)
    out: npt.NDArray[np.float32] = np.convolve(gauss / gauss.sum(), np.full(factor, 1 / factor))
    return out.astype(np.float32)


def _sample(x: F32, taps: F32, factor: int) -> F32:
    """Rows of ``x`` blurred and averaged by ``taps`` (:func:`_taps`), every ``factor``-th kept,
    edges repeated. By shifted sums, not a matrix product: a BLAS product of this size starts
    threads, which only spin in a scan whose workers already fill the cores (12 ms of CPU per
    image on two busy cores, against a fraction of one)."""
    reach = (len(taps) - factor) // 2
    # edges repeated by gathering rows (np.pad's "edge" mode, at a fraction of its cost)
    p = x[np.clip(np.arange(-reach, x.shape[0] + reach + factor - 1), 0, x.shape[0] - 1)]
    n = x.shape[0] // factor
    out = np.zeros((n, x.shape[1]), dtype=np.float32)
    for k, t in enumerate(taps.tolist()):
        out += np.float32(t) * p[k : k + factor * n : factor]
    return out


def thumbnail(work: Image.Image) -> str:
    """The ``thumb`` field (see the module doc) of a square ``F`` (or ``L``) working image whose
    side is a multiple of :data:`SIDE`."""
    f = work.width // SIDE
    taps = _taps(f)
    small = _sample(_sample(np.asarray(work, dtype=np.float32), taps, f).T, taps, f).T
    return pack(np.clip(np.rint(small), 0, 255).astype(np.uint8))


def pack(pixels: U8) -> str:
    """``(SIDE, SIDE)`` levels as the ``thumb`` field: each level less its left and upper
    neighbours' difference (a two-dimensional difference, modulo 256: a band-limited picture's
    are small), deflated (zlib) and base64-encoded."""
    step = pixels.copy()
    step[:, 1:] -= pixels[:, :-1]
    step[1:] -= step[:-1].copy()
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
