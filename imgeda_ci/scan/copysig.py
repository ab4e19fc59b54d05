"""The copy signature of an image: what finds and verifies its cropped, flipped or rotated copies.

Made once at scan time from the analysis-size luma, stored in two record fields, and read by
:mod:`imgeda_ci.dupes.copies` (no image is read again at evaluate time):

``copysig`` (160 hex characters): ten 64-bit pHashes (8x8 lowest DCT-II coefficients of a 32x32
luma image, each bit set when its coefficient is above the median of the 64; the text of
``imagehash.phash(hash_size=8)``, first bit most significant), in this order:

- 0: the whole image;
- 1-3: the whole image mirrored left-right, mirrored top-bottom, rotated 180 degrees (mirroring
  only changes the signs of DCT coefficients, so these come from the same coefficients, each
  thresholded at its own median; with the transposes of the four, exact on the stored bits, they
  are the eight rotations and mirrors: see :mod:`imgeda_ci.dupes.orientation`);
- 4-9: the image cropped by ``CROPS``: 2.5% and 5% off every side, 5% off the left, top, right,
  bottom side. A copy cropped by up to 5% per side lies within a few bits of one of these.

``thumb``: the verification thumbnail, made by :func:`imgeda_ci.scan.thumb.thumbnail` from the
same working image.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt
from PIL import Image

from imgeda_ci.scan import thumb

SIDE = 32  # the hash image
KEEP = 8  # 8x8 coefficients: 64 bits
WORK = 128  # every crop is resampled from one box reduction to this side
#: crops of the stored variants 4-9: (left, top, right, bottom) fractions of the side
CROPS: tuple[tuple[float, float, float, float], ...] = (
    (0.025, 0.025, 0.025, 0.025),
    (0.05, 0.05, 0.05, 0.05),
    (0.05, 0.0, 0.0, 0.0),
    (0.0, 0.05, 0.0, 0.0),
    (0.0, 0.0, 0.05, 0.0),
    (0.0, 0.0, 0.0, 0.05),
)
HASHES = 4 + len(CROPS)
SIG_CHARS = HASHES * 16

_PARITY = (np.arange(KEEP) % 2).astype(bool)
#: sign patterns of the mirrors: left-right (-1)**v, top-bottom (-1)**u, 180 degrees (-1)**(u+v)
_SIGNS: tuple[npt.NDArray[np.bool_], ...] = (
    np.broadcast_to(_PARITY[None, :], (KEEP, KEEP)),
    np.broadcast_to(_PARITY[:, None], (KEEP, KEEP)),
    _PARITY[None, :] ^ _PARITY[:, None],
)


@lru_cache(maxsize=1)
def _dct() -> npt.NDArray[np.float64]:
    k = np.arange(KEEP)[:, None]
    i = np.arange(SIDE)[None, :]
    return np.cos(np.pi * k * (2 * i + 1) / (2 * SIDE))


def _bits(coef: npt.NDArray[np.float64]) -> bytes:
    flat = coef.reshape(-1)
    return np.packbits(flat > np.median(flat)).tobytes()


def _coefficients(img: Image.Image) -> npt.NDArray[np.float64]:
    d = _dct()
    out: npt.NDArray[np.float64] = d @ np.asarray(img, dtype=np.float64) @ d.T
    return out


def copy_signature(gray: Image.Image) -> tuple[str, str]:
    """The ``copysig`` and ``thumb`` fields (see the module doc) of an ``L`` image."""
    # in floating point: an integer resize rounds a transposed image differently, by a level
    work = gray.convert("F").resize((WORK, WORK), Image.Resampling.BOX)
    whole = _coefficients(work.resize((SIDE, SIDE), Image.Resampling.BOX))
    parts = [_bits(whole)] + [_bits(np.where(mask, -whole, whole)) for mask in _SIGNS]
    for left, top, right, bottom in CROPS:
        box = (WORK * left, WORK * top, WORK * (1 - right), WORK * (1 - bottom))
        crop = work.resize((SIDE, SIDE), Image.Resampling.BOX, box=box)
        parts.append(_bits(_coefficients(crop)))
    return b"".join(parts).hex(), thumb.thumbnail(work)
