"""Perceptual hashes, computed with numpy only (no scipy in the workers).

Both hashes start from one 64x64 luma image (a Lanczos resize of the analysis image, after a
box pre-reduction: Pillow's ``reducing_gap=2``, five times cheaper than plain Lanczos).
``phash`` is imagehash.phash(image, hash_size=16) of it, bit for bit: a 2-D DCT-II (here a
matrix product; scipy's unnormalised DCT differs only by a positive scale, which does not move
the median comparison), the 16x16 lowest frequencies compared with their median. ``dhash`` is
imagehash.dhash(hash_size=16) of it (a 17x16 Lanczos resize and horizontal gradient signs).
Both return 64 hex characters (256 bits, row-major, first bit most significant), the same text
as ``str(imagehash_result)``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt
from PIL import Image

HASH_SIZE = 16  # 16x16 = 256 bits
_PHASH_SIDE = HASH_SIZE * 4


@lru_cache(maxsize=4)
def dct_matrix(n: int) -> npt.NDArray[np.float64]:
    """The ``(n, n)`` DCT-II basis (unnormalised): row ``k`` is ``cos(pi k (2i + 1) / 2n)``."""
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    return np.cos(np.pi * k * (2 * i + 1) / (2 * n))


def bits_to_hex(bits: npt.NDArray[np.bool_]) -> str:
    return np.packbits(bits.reshape(-1)).tobytes().hex()


def hash_base(gray: Image.Image) -> Image.Image:
    """The 64x64 Lanczos-resized luma image both hashes are computed from."""
    return gray.resize((_PHASH_SIDE, _PHASH_SIDE), Image.Resampling.LANCZOS, reducing_gap=2.0)


def _low(small: Image.Image) -> npt.NDArray[np.float64]:
    px = np.asarray(small, dtype=np.float64)
    d = dct_matrix(_PHASH_SIDE)[:HASH_SIZE]
    return d @ px @ d.T  # only the 16 lowest frequencies of each axis


def phash(small: Image.Image) -> str:
    """256-bit DCT perceptual hash of a 64x64 ``L`` image from :func:`hash_base`."""
    low = _low(small)
    return bits_to_hex(low > np.median(low))


_PARITY = (np.arange(HASH_SIZE) % 2).astype(bool)
#: Where a mirror changes a DCT coefficient's sign: left-right (-1)**v, top-bottom (-1)**u,
#: both (rotation by 180 degrees) (-1)**(u+v).
FLIP_SIGNS: tuple[npt.NDArray[np.bool_], ...] = (
    np.broadcast_to(_PARITY[None, :], (HASH_SIZE, HASH_SIZE)),
    np.broadcast_to(_PARITY[:, None], (HASH_SIZE, HASH_SIZE)),
    _PARITY[None, :] ^ _PARITY[:, None],
)


#: The sign patterns of the image itself and its three mirrors, stacked: ``low`` where False,
#: ``-low`` where True.
_ALL_SIGNS = np.stack([np.zeros((HASH_SIZE, HASH_SIZE), bool), *FLIP_SIGNS])
_MID = HASH_SIZE * HASH_SIZE // 2


def phash_and_flips(small: Image.Image) -> tuple[str, str]:
    """The pHash and the ``phash_flips`` field: the pHashes of the left-right mirrored, the
    top-bottom mirrored and the 180-degree rotated image (192 hex characters). Mirroring only
    changes signs of DCT coefficients, so these come from the same coefficients; with them the
    eight rotations and mirrors of an image can be matched exactly (imgeda_ci.dupes).

    The four are computed together: each row's median is ``np.median``'s, the mean of the two
    middle values of the sorted row."""
    low = _low(small)
    signed = np.where(_ALL_SIGNS, -low, low).reshape(4, -1)
    ordered = np.sort(signed, axis=1)
    median = (ordered[:, _MID - 1] + ordered[:, _MID]) / 2
    text = bits_to_hex(signed > median[:, None])
    return text[:64], text[64:]


def dhash(base: Image.Image) -> str:
    """256-bit horizontal difference hash of a 64x64 ``L`` image from :func:`hash_base`."""
    small = base.resize((HASH_SIZE + 1, HASH_SIZE), Image.Resampling.LANCZOS)
    px = np.asarray(small, dtype=np.int16)
    return bits_to_hex(px[:, 1:] > px[:, :-1])


def hamming(a: str, b: str) -> int:
    """Bit distance between two hex hashes of the same length."""
    return (int(a, 16) ^ int(b, 16)).bit_count()
