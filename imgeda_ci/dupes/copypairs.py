"""The copy-signature pairs of one record list, found and verified once per run.

The copy-signature search (:func:`imgeda_ci.dupes.copies.candidates`) and the verification of
its candidates on the thumbnails (:func:`imgeda_ci.dupes.verify.classify`) depend only on the
records, not on a check's threshold or options. So the duplicate checks of one run (near
copies, leakage, same scene) share one :class:`CopyPairs` per record list, kept by the run's
:class:`~imgeda_ci.dupes.search.DupeSearch`; each search then takes the pairs among its own
items (:func:`restrict`).

Verdicts are kept by what decides them, in the run's
:class:`~imgeda_ci.dupes.verdictmemo.VerdictMemo` (the two thumbnails, the turn, whether the pair
is weak): :func:`classify` verifies only the pairs of pictures the memo does not know yet, so the
head's evaluation, the base's and the diff's base-duplicate search verify each pair once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from imgeda_ci.dupes import copies, verdictmemo, verify
from imgeda_ci.dupes.hashindex import I64, U64, Bool
from imgeda_ci.dupes.verdictmemo import VerdictMemo

I8 = npt.NDArray[np.int8]
UNCHECKED = verify.UNCHECKED  # a pair one of whose records has no thumbnail
#: pairs verified per step: their decoded thumbnails (16 KiB each) stay a few tens of MiB
CHUNK = 2048


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


class Pictures:
    """The thumbnails of ``n`` items: their ``thumb`` strings (``read`` gives those of some
    items), each item's id in ``memo`` (found once) and the decoded pictures, made only for
    the pairs verified."""

    def __init__(self, read: Callable[[I64], list[object]], n: int, memo: VerdictMemo) -> None:
        self.read, self.memo = read, memo
        self._ids = np.full(n, -2, dtype=np.int64)  # -2: not looked up yet

    def ids(self, items: I64) -> I64:
        """Each item's thumbnail id in the memo (-1: no thumbnail); ``items`` may repeat."""
        todo = np.unique(items[self._ids[items] == -2])
        if len(todo):
            self._ids[todo] = self.memo.ids(self.read(todo))
        out: I64 = self._ids[items]
        return out

    def decode(self, items: I64) -> tuple[verify.F32, Bool]:
        """The items' thumbnails as ``(n, T, T)`` float32 and which are valid."""
        return verify.decode(self.read(items))


def classify(pics: Pictures, a: I64, b: I64, variant: I64, weak: bool = False) -> I8:
    """The verdict of each pair (``a`` under ``variant`` against ``b``; :data:`UNCHECKED` when
    either has no valid thumbnail), as its memo keeps it or, for the pairs of pictures it does
    not know yet, verified (each distinct pair once: the same picture at several paths, exact
    copies or a file committed twice, has one thumbnail) and kept there. ``weak``: the pairs
    matched on the 64-bit copy signature only, whose near-flat pictures are at most the same
    scene (:func:`imgeda_ci.dupes.verify.weak_match`)."""
    out = np.full(len(a), UNCHECKED, dtype=np.int8)
    if not len(a):
        return out
    ta, tb = pics.ids(a), pics.ids(b)
    has = np.flatnonzero((ta >= 0) & (tb >= 0))
    codes = verdictmemo.code(variant[has], weak)
    # one key per pair of pictures and code (thumbnail ids stay far below 2**29)
    key = (ta[has] << 34) | (tb[has] << 4) | codes
    _, first, inv = np.unique(key, return_index=True, return_inverse=True)
    ua, ub, uc = ta[has][first], tb[has][first], codes[first]
    kind = pics.memo.get(ua, ub, uc)
    todo = np.flatnonzero(kind == verdictmemo.UNKNOWN)
    if len(todo):  # one pair of items per pair of pictures
        at = has[first[todo]]
        kind[todo] = _verified(pics, a[at], b[at], uc[todo] // 2, weak)
        pics.memo.put(ua[todo], ub[todo], uc[todo], kind[todo])
    out[has] = kind[inv.reshape(-1)]
    return out


def _verified(pics: Pictures, ia: I64, ib: I64, variant: I64, weak: bool) -> I8:
    """The verdicts of the pairs (item ``ia`` under ``variant`` against ``ib``), verified
    :data:`CHUNK` pairs at a time, decoding only their thumbnails."""
    got = np.full(len(ia), UNCHECKED, dtype=np.int8)
    for lo in range(0, len(ia), CHUNK):
        ca, cb = ia[lo : lo + CHUNK], ib[lo : lo + CHUNK]
        need, inv = np.unique(np.concatenate([ca, cb]), return_inverse=True)
        pix, valid = pics.decode(need)
        pa, pb = inv[: len(ca)], inv[len(ca) :]
        ok = valid[pa] & valid[pb]
        if ok.any():
            one = verify.orient(pix[pa[ok]], variant[lo : lo + CHUNK][ok])
            two = pix[pb[ok]]
            kind = verify.classify(one, two)
            got[lo : lo + CHUNK][ok] = verify.weak_match(kind, one, two) if weak else kind
    return got


def find(sig: U64, has_sig: Bool, pics: Pictures, side: Bool | None = None) -> CopyPairs:
    """Every candidate pair of the items' copy signatures (across ``side`` only, when given),
    verified."""
    cand = copies.candidates(sig, has_sig, side)
    kind = classify(pics, cand.query, cand.index, cand.variant, weak=True)
    return CopyPairs(cand.query, cand.index, cand.variant, kind)


def restrict(pairs: CopyPairs, rows: I64, n: int) -> CopyPairs:
    """The pairs between ``rows`` (indices into the ``n`` items ``pairs`` is over), renumbered
    as positions in ``rows``."""
    pos = np.full(n, -1, dtype=np.int64)
    pos[rows] = np.arange(len(rows), dtype=np.int64)
    pa, pb = pos[pairs.a], pos[pairs.b]
    keep = (pa >= 0) & (pb >= 0)
    return CopyPairs(pa[keep], pb[keep], pairs.variant[keep], pairs.kind[keep])
