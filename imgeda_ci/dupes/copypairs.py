"""The copy-signature pairs of one record list, found and verified once per run.

The copy-signature search (:func:`imgeda_ci.dupes.copies.candidates`) and the verification of
its candidates on the thumbnails (:func:`imgeda_ci.dupes.verify.classify`) depend only on the
records, not on a check's threshold or options. So the duplicate checks of one run (near
copies, leakage, same scene) share one :class:`CopyPairs` per record list, kept by the run's
:class:`~imgeda_ci.dupes.search.DupeSearch`; each search then takes the pairs among its own
items (:func:`restrict`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from imgeda_ci.dupes import copies, verify
from imgeda_ci.dupes.hashindex import I64, U64, Bool

I8 = npt.NDArray[np.int8]
#: thumbnails of some items (indices), decoded on demand, and which of them are valid
Thumbs = Callable[[I64], tuple[verify.F32, Bool]]
UNCHECKED = verify.UNCHECKED  # a pair one of whose records has no thumbnail


@dataclass(frozen=True)
class CopyPairs:
    """Candidate pairs of items ``a``, ``b`` (``a`` under rotation/mirror ``variant`` against
    ``b``) and what the verification made of each: ``kind``, a :mod:`~imgeda_ci.dupes.verify`
    verdict (``COPY``, ``LOCAL``, ``DIFFERENT``) or :data:`UNCHECKED`."""

    a: I64
    b: I64
    variant: I64
    kind: I8

    def __len__(self) -> int:
        return len(self.a)


def classify(thumbs: Thumbs, a: I64, b: I64, variant: I64, weak: bool = False) -> I8:
    """The verdict of each pair (``a`` under ``variant`` against ``b``; :data:`UNCHECKED` when
    either has no thumbnail), decoding each thumbnail once and verifying each distinct pair of
    pictures once: the same picture at several paths (exact copies, a file committed twice)
    has one thumbnail, so its pairs have one verdict. ``weak``: the pairs matched on the
    64-bit copy signature only, whose near-flat pictures are at most the same scene
    (:func:`imgeda_ci.dupes.verify.weak_match`)."""
    out = np.full(len(a), UNCHECKED, dtype=np.int8)
    if not len(a):
        return out
    items, inv = np.unique(np.concatenate([a, b]), return_inverse=True)
    pics, valid = thumbs(items)
    key = np.concatenate([pics.reshape(len(items), -1).astype(np.uint8), valid[:, None]], axis=1)
    _, first, picture = np.unique(key, axis=0, return_index=True, return_inverse=True)
    pairs = np.stack([picture[inv[: len(a)]], picture[inv[len(a) :]], variant], axis=1)
    distinct, which = np.unique(pairs, axis=0, return_inverse=True)
    ia, ib = first[distinct[:, 0]], first[distinct[:, 1]]
    checked = valid[ia] & valid[ib]
    kind = np.full(len(distinct), UNCHECKED, dtype=np.int8)
    if checked.any():
        one = verify.orient(pics[ia[checked]], distinct[checked, 2])
        two = pics[ib[checked]]
        got = verify.classify(one, two)
        kind[checked] = verify.weak_match(got, one, two) if weak else got
    out[:] = kind[which.reshape(-1)]
    return out


class Verdicts:
    """The verdicts (:func:`classify`) of pairs of the items of one record list, each pair and
    turn classified once: the searches of one run (near copies, leakage, the same scene) verify
    the same pHash pairs, so the run's :class:`~imgeda_ci.dupes.search.DupeSearch` keeps one
    per record list."""

    def __init__(self, thumbs: Thumbs) -> None:
        self.thumbs = thumbs
        self._known: dict[tuple[int, int, int], int] = {}

    def of(self, a: I64, b: I64, variant: I64) -> I8:
        """:func:`classify` of the pairs (``a`` under ``variant`` against ``b``), computing only
        those not asked for before."""
        keys = list(zip(a.tolist(), b.tolist(), variant.tolist(), strict=True))
        todo = np.array([k for k, key in enumerate(keys) if key not in self._known], np.int64)
        if len(todo):
            got = classify(self.thumbs, a[todo], b[todo], variant[todo])
            self._known.update(zip((keys[k] for k in todo.tolist()), got.tolist(), strict=True))
        return np.fromiter((self._known[key] for key in keys), dtype=np.int8, count=len(keys))


def find(sig: U64, has_sig: Bool, thumbs: Thumbs, side: Bool | None = None) -> CopyPairs:
    """Every candidate pair of the items' copy signatures (across ``side`` only, when given),
    verified."""
    cand = copies.candidates(sig, has_sig, side)
    kind = classify(thumbs, cand.query, cand.index, cand.variant, weak=True)
    return CopyPairs(cand.query, cand.index, cand.variant, kind)


def restrict(pairs: CopyPairs, rows: I64, n: int) -> CopyPairs:
    """The pairs between ``rows`` (indices into the ``n`` items ``pairs`` is over), renumbered
    as positions in ``rows``."""
    pos = np.full(n, -1, dtype=np.int64)
    pos[rows] = np.arange(len(rows), dtype=np.int64)
    pa, pb = pos[pairs.a], pos[pairs.b]
    keep = (pa >= 0) & (pb >= 0)
    return CopyPairs(pa[keep], pb[keep], pairs.variant[keep], pairs.kind[keep])
