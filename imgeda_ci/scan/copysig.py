"""The copy signature of an image: what finds and verifies its cropped, flipped or rotated copies.

Made once at scan time from the analysis-size luma, stored in two record fields, and read by
:mod:`imgeda_ci.dupes.copies` (no image is read again at evaluate time):

``copysig`` (124 base64 characters, 93 bytes): eleven 64-bit hashes, each in its *canonical
orientation*, their orientation codes and the ambiguity flags of the whole image's orientation.

- The *entries*: 0 the whole image; 1-10 the image cropped by :data:`CROPS` (2.5% and 5% off
  every side; 5% off one side: left, top, right, bottom; 5% off two sides meeting at a corner:
  left+top, top+right, right+bottom, bottom+left). Each entry is squashed to a square: an
  integer box reduction of the image to 64-127 pixels a side (:func:`work_image`), then the
  entry's box resampled to 32x32 by area weights; its 8x8 lowest DCT-II coefficients ``C[u, v]``
  (``u`` vertical frequency) are taken.
- *Canonical orientation*: mirroring the entry left-right negates the coefficients of odd
  ``v``, top-bottom those of odd ``u``, a transpose transposes ``C``. So each entry is put in
  the one orientation with ``C[0, 1] >= 0``, ``C[1, 0] >= 0`` and ``|C[0, 1]| >= |C[1, 0]|``:
  a flipped or rotated copy lands on the same canonical coefficients. Its *code* is the
  rotation/mirror that does so (0-7, order of
  :data:`imgeda_ci.dupes.orientation.VARIANT_NAMES`: the canonical entry is the entry turned
  by its code).
- The *hash* of an entry: bit ``(u, v)`` set when the canonical ``C[u, v] > 0`` (row-major, first
  bit most significant; the DC bit is always set). A sign hash, so a mirror of the canonical
  entry is its hash XOR a fixed mask, exactly (:func:`imgeda_ci.dupes.copies.orientations`).
- The *flags* of the whole image: which of the three choices was close, in the canonical frame
  (1: ``|C[0, 1]|``, 2: ``|C[1, 0]|``, 4: ``|C[0, 1]| - |C[1, 0]|`` below :data:`AMBIGUOUS` times
  the RMS of the 63 other coefficients): a copy may have chosen the other way there, so the
  search also queries those turns of the whole (about 1 image in 10 has a flag).

Layout: bytes 0-87 the eleven hashes (big-endian, entry order); bytes 88-92 forty bits: the
eleven codes (3 bits each, entry order), the flags (3 bits), four zero bits.

``thumb``: the verification thumbnail, made by :func:`imgeda_ci.scan.thumb.thumbnail` from a
128x128 bilinear (triangle-filtered) reduction of the image, squashed to a square as the hashes
are (see that module for why not a box reduction).
"""

from __future__ import annotations

import base64
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from PIL import Image

from imgeda_ci.scan import thumb
from imgeda_ci.scan.hashes import dct_matrix

SIDE = 32  # the hash image
KEEP = 8  # 8x8 coefficients: 64 bits
REDUCED = 64  # every entry is resampled from one box reduction to at least this side
WORK = 128  # the thumbnail is resampled from one box reduction to this side
_A, _B = 0.025, 0.05
#: crops of entries 1-10: (left, top, right, bottom) fractions of the side
CROPS: tuple[tuple[float, float, float, float], ...] = (
    (_A, _A, _A, _A),
    (_B, _B, _B, _B),
    (_B, 0.0, 0.0, 0.0),
    (0.0, _B, 0.0, 0.0),
    (0.0, 0.0, _B, 0.0),
    (0.0, 0.0, 0.0, _B),
    (_B, _B, 0.0, 0.0),
    (0.0, _B, _B, 0.0),
    (0.0, 0.0, _B, _B),
    (_B, 0.0, 0.0, _B),
)
ENTRIES = 1 + len(CROPS)
SIG_BYTES = 8 * ENTRIES + 5
SIG_CHARS = 4 * SIG_BYTES // 3
#: a canonical choice closer than this (times the coefficients' RMS) is flagged ambiguous
AMBIGUOUS = 0.1

F64 = npt.NDArray[np.float64]


_BOXES = ((0.0, 0.0, 0.0, 0.0), *CROPS)
#: the distinct (start, end) crops of one axis, and per entry those of its rows and columns
_SPANS = sorted({(b[1], b[3]) for b in _BOXES} | {(b[0], b[2]) for b in _BOXES})
_WHICH = np.array([(_SPANS.index((t, b)), _SPANS.index((left, r))) for left, t, r, b in _BOXES])


@lru_cache(maxsize=256)
def _axis_maps(n: int) -> F64:
    """``(spans, 8, n)``: per crop span of an axis of ``n`` pixels, the 8 lowest DCT-II rows of
    the area-weighted resampling of that span to ``SIDE`` pixels."""
    dct = dct_matrix(SIDE)[:KEEP]
    edges = np.arange(n + 1, dtype=np.float64)
    maps = []
    for lo, hi in _SPANS:
        step = n * (1 - lo - hi) / SIDE
        start = n * lo + np.arange(SIDE) * step
        overlap = np.minimum(start[:, None] + step, edges[None, 1:]) - np.maximum(
            start[:, None], edges[None, :-1]
        )
        maps.append(dct @ (np.clip(overlap, 0.0, None) / step))
    return np.stack(maps)


def work_image(gray: Image.Image) -> Image.Image:
    """The ``F`` image every entry is taken from: an integer box reduction to at least
    ``REDUCED`` pixels per side, of the centre of the image (the rows and columns that do not
    fill a block split between the two sides): cheap, exact under a transpose, and under a
    mirror when the split is even."""
    w, h = gray.size
    fx, fy = max(1, w // REDUCED), max(1, h // REDUCED)
    left, top = (w % fx) // 2, (h % fy) // 2
    box = (left, top, left + w - w % fx, top + h - h % fy)
    return (gray.reduce((fx, fy), box) if fx * fy > 1 else gray).convert("F")


def coefficients(work: Image.Image) -> F64:
    """``(ENTRIES, 8, 8)``: the DCT coefficients of every entry (see the module doc) of the
    :func:`work_image`."""
    pixels = np.asarray(work, dtype=np.float64)
    rows_map, cols_map = _axis_maps(work.height), _axis_maps(work.width)
    rows = np.matmul(rows_map, pixels)  # (spans, 8, width): small products, never threaded
    out: F64 = np.matmul(rows[_WHICH[:, 0]], cols_map[_WHICH[:, 1]].transpose(0, 2, 1))
    return out


def canonical(coef: F64) -> tuple[F64, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Per ``(8, 8)`` block: the canonical coefficients, the code turning it so, and the
    ambiguity flags (see the module doc)."""
    c01, c10 = coef[:, 0, 1], coef[:, 1, 0]
    sign = (c01 < 0).astype(np.int64) | 2 * (c10 < 0)
    parity = np.arange(KEEP) % 2
    signs = np.where(sign[:, None, None] & 1, (-1.0) ** parity[None, None, :], 1.0)
    signs = signs * np.where(sign[:, None, None] & 2, (-1.0) ** parity[None, :, None], 1.0)
    turned = coef * signs
    t = np.abs(c10) > np.abs(c01)
    turned[t] = np.swapaxes(turned[t], 1, 2)
    rms = np.sqrt((coef.reshape(len(coef), -1)[:, 1:] ** 2).mean(axis=1)) * AMBIGUOUS
    a, b = np.abs(turned[:, 0, 1]), np.abs(turned[:, 1, 0])
    flags = (a < rms).astype(np.int64) | 2 * (b < rms) | 4 * (a - b < rms)
    return turned, 4 * t + sign, flags


def signature(gray: Image.Image) -> str:
    """The ``copysig`` field (see the module doc) of an ``L`` image."""
    turned, codes, flags = canonical(coefficients(work_image(gray)))
    hashes = np.packbits(turned.reshape(ENTRIES, -1) > 0, axis=1).reshape(-1)
    tail = (np.append(codes, flags[0])[:, None] >> np.arange(2, -1, -1)) & 1  # 3 bits each
    packed = np.packbits(np.append(tail.reshape(-1), np.zeros(4, dtype=np.int64)))
    return base64.b64encode(hashes.tobytes() + packed.tobytes()).decode("ascii")


def copy_signature(gray: Image.Image) -> tuple[str, str]:
    """The ``copysig`` and ``thumb`` fields (see the module doc) of an ``L`` image."""
    # in floating point: an integer resize rounds a transposed image differently, by a level;
    # triangle-filtered, not box-averaged: see imgeda_ci.scan.thumb
    work = gray.convert("F").resize((WORK, WORK), Image.Resampling.BILINEAR)
    return signature(gray), thumb.thumbnail(work)
