"""pHash of the rotated and mirrored image: the eight dihedral variants of a 256-bit pHash.

The pHash keeps the 16x16 lowest DCT-II coefficients ``C[u, v]`` of the 64x64 hash image
(``u`` vertical, ``v`` horizontal frequency) and sets bit ``(u, v)`` when ``C[u, v]`` is above
the median of the 256. Mirroring the hash image left-right multiplies ``C[u, v]`` by
``(-1)**v`` (``cos(pi k (2(N-1-i)+1) / 2N) = (-1)**k cos(pi k (2i+1) / 2N)``), mirroring it
top-bottom by ``(-1)**u``, and transposing it transposes ``C``. Every rotation by 90 degrees and
every flip is one of the four sign patterns, optionally followed by a transpose.

A transpose moves bits and keeps the median, so it is exact on the stored bits. A sign pattern
is not: the sign-flipped coefficients have another median, and a coefficient lying between the
two medians changes its bit in a way the stored bits cannot tell. Measured on 200 real photos,
negating the bits of the sign-flipped coefficients ("approximate" below) was exact for 2-4% of
images and wrong by a median 6 bits (99th percentile 22, near-blank images up to 128).

So exact orientation-invariant matching needs the record field ``phash_flips``: 192 hex
characters, the pHash bits of the same 16x16 coefficient block under the sign patterns
``(-1)**v`` (mirrored left-right), ``(-1)**u`` (mirrored top-bottom) and ``(-1)**(u+v)`` (rotated
180 degrees), each thresholded at its own median and written like ``phash`` (row-major, first
bit most significant); :func:`phash_flips` computes it from the 64x64 hash image. With it the
eight variants are exact (equal to the pHash of the transformed hash image); without it
:func:`variants` falls back to the approximate sign patterns and says so.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image

SIDE = 64
KEEP = 16
FLIPS_FIELD = "phash_flips"

#: Names of the variants returned by :func:`variants`, in order. "transpose" mirrors about the
#: main diagonal; "rot90"/"rot270" are counter-clockwise rotations.
VARIANT_NAMES: tuple[str, ...] = (
    "identity",
    "mirror",  # left-right
    "flip",  # top-bottom
    "rot180",
    "transpose",
    "rot90",
    "rot270",
    "transverse",
)

_PARITY = (np.arange(KEEP) % 2).astype(bool)
# sign patterns as boolean masks: True where the coefficient changes sign
_SIGNS: tuple[npt.NDArray[np.bool_], ...] = (
    np.broadcast_to(_PARITY[None, :], (KEEP, KEEP)),  # mirror: (-1)**v
    np.broadcast_to(_PARITY[:, None], (KEEP, KEEP)),  # flip: (-1)**u
    _PARITY[None, :] ^ _PARITY[:, None],  # rot180: (-1)**(u+v)
)


def _hex(bits: npt.NDArray[np.bool_]) -> str:
    return np.packbits(bits.reshape(-1)).tobytes().hex()


def _bits(hex_hash: str) -> npt.NDArray[np.bool_]:
    raw = np.frombuffer(bytes.fromhex(hex_hash), dtype=np.uint8)
    return np.unpackbits(raw).astype(bool).reshape(KEEP, KEEP)


def phash_flips(small: Image.Image) -> str:
    """The ``phash_flips`` field (see the module doc) of a 64x64 ``L`` hash image: the scanner's
    own computation (imgeda_ci.scan.hashes), so the tests here hold it to the transforms."""
    from imgeda_ci.scan.hashes import phash_and_flips

    return phash_and_flips(small)[1]


def variants(phash: str, flips: str | None) -> tuple[list[str], bool]:
    """The eight dihedral variants of a pHash (order of :data:`VARIANT_NAMES`) and whether
    they are exact (``flips`` given) or approximate (derived from the stored bits alone)."""
    base = _bits(phash)
    if flips is not None and len(flips) == 3 * KEEP * KEEP // 4:
        signed = [_bits(flips[k * 64 : (k + 1) * 64]) for k in range(3)]
        exact = True
    else:
        signed = [base ^ mask for mask in _SIGNS]
        exact = False
    mirror, flip, rot180 = signed
    # transpose(C) of each sign pattern: T, T∘mirror = rot90 (ccw), T∘flip = rot270, T∘rot180
    plain = [base, mirror, flip, rot180]
    return [_hex(b) for b in plain] + [_hex(b.T) for b in plain], exact
