"""Verdicts remembered by what decides them, so a pull-request run verifies each pair once.

A candidate pair's verdict (:func:`imgeda_ci.dupes.copypairs.classify`, which runs
:func:`imgeda_ci.dupes.verify.classify`) depends on nothing but the two thumbnails (each
record's ``thumb`` string), the rotation/mirror the first is taken under (the *variant*) and
whether the pair matched on the 64-bit copy signature only (*weak*,
:func:`imgeda_ci.dupes.verify.weak_match`). A :class:`VerdictMemo` keeps verdicts under exactly
that: each distinct ``thumb`` string gets an id, by its 128-bit BLAKE2b digest, and a pair's
verdicts are kept under its two ids, one per variant and weakness. Row indices are never a key:
the head's and the base's record lists number the same images differently, and an image changed
at the same path has another thumbnail, so another key.

``imgeda-ci ci`` evaluates the head and the base, which share nearly every candidate pair. The
run's :class:`~imgeda_ci.dupes.search.DupeSearch` holds one memo for both evaluations and the
diff's base-duplicate search; a base evaluated in another process sends its memo
(:meth:`VerdictMemo.state`, :meth:`VerdictMemo.merge`). So a pair of unchanged images is verified
once per run. Every answer is the one verifying from scratch gives (a test holds them equal).

Verdicts also outlive the run: ``imgeda-ci ci`` starts its memo from the verdict file beside
the manifest (:mod:`imgeda_ci.dupes.verdictfile`, :meth:`VerdictMemo.merge` with ``used=False``)
and writes back the verdicts the run *used* (:meth:`VerdictMemo.state` with ``used_only``: every
pair the run asked for or verified), so the next run verifies only the pairs a change made, and
the file holds no pair of images that are gone.

The memo is a few arrays: the digests in id order, the pairs' keys (``id_a << 32 | id_b``)
sorted, per pair one verdict per variant and weakness (``UNKNOWN`` where not asked yet) and
whether the run used it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from imgeda_ci.dupes.hashindex import I64

I8 = npt.NDArray[np.int8]
Bool = npt.NDArray[np.bool_]
U64 = npt.NDArray[np.uint64]
UNKNOWN = -2  # not verified yet (verify.UNCHECKED, -1, is a verdict: a thumbnail is missing)
VARIANTS = 8  # rotations/mirrors: imgeda_ci.dupes.orientation.VARIANT_NAMES
CODES = 2 * VARIANTS  # a verdict per variant and weakness
DIGEST = 16  # bytes of a thumbnail's digest


def digest(thumb: str) -> bytes:
    """What identifies a ``thumb`` string in a memo (128-bit BLAKE2b)."""
    return hashlib.blake2b(thumb.encode("ascii", "replace"), digest_size=DIGEST).digest()


def code(variant: I64, weak: bool) -> I64:
    """The column of a pair's verdict under ``variant`` (and weakness) in the memo."""
    out: I64 = variant.astype(np.int64) * 2 + int(weak)
    return out


def _keys(ta: I64, tb: I64) -> U64:
    """One key per ordered pair of thumbnail ids (ids are below 2**32: each is a string of
    thousands of bytes held in memory)."""
    out: U64 = (ta.astype(np.uint64) << np.uint64(32)) | tb.astype(np.uint64)
    return out


def pair_ids(keys: U64) -> tuple[I64, I64]:
    """The two thumbnail ids of each pair key (the inverse of :func:`_keys`)."""
    ta = (keys >> np.uint64(32)).astype(np.int64)
    tb = (keys & np.uint64(0xFFFFFFFF)).astype(np.int64)
    return ta, tb


@dataclass(frozen=True)
class MemoState:
    """What :meth:`VerdictMemo.merge` takes in (another process's memo): the digests in id
    order (one ``bytes`` of ``DIGEST`` bytes each), the sorted pair keys and their verdicts."""

    digests: bytes
    keys: U64
    kinds: I8


class VerdictMemo:
    """Verdicts of pairs of thumbnails (see the module doc)."""

    def __init__(self) -> None:
        self._ids: dict[bytes, int] = {}
        self._keys: U64 = np.zeros(0, dtype=np.uint64)
        self._kinds: I8 = np.zeros((0, CODES), dtype=np.int8)
        self._used: Bool = np.zeros(0, dtype=np.bool_)
        self.verified = 0  # pairs verified and stored (for tests and benchmarks)
        self.asked = 0  # pairs asked for (:meth:`get`)

    def ids(self, thumbs: Sequence[object]) -> I64:
        """The id of each ``thumb`` string (equal strings, equal ids; -1 for what is not a
        string: no thumbnail)."""
        known = self._ids
        out = np.full(len(thumbs), -1, dtype=np.int64)
        for k, t in enumerate(thumbs):
            if t.__class__ is str:
                out[k] = known.setdefault(digest(t), len(known))
        return out

    def get(self, ta: I64, tb: I64, codes: I64) -> I8:
        """The verdict of each pair (thumbnail ``ta`` under code ``codes`` against ``tb``),
        :data:`UNKNOWN` where none is kept."""
        out = np.full(len(ta), UNKNOWN, dtype=np.int8)
        self.asked += len(ta)
        if not len(self._keys) or not len(ta):
            return out
        keys = _keys(ta, tb)
        at = np.minimum(np.searchsorted(self._keys, keys), len(self._keys) - 1)
        hit = self._keys[at] == keys
        out[hit] = self._kinds[at[hit], codes[hit]]
        self._used[at[hit]] = True
        return out

    def put(self, ta: I64, tb: I64, codes: I64, kinds: I8) -> None:
        """Keep the verdicts ``kinds`` of the pairs (see :meth:`get`)."""
        keys, inv = np.unique(_keys(ta, tb), return_inverse=True)
        rows = np.full((len(keys), CODES), UNKNOWN, dtype=np.int8)
        rows[inv.reshape(-1), codes] = kinds
        self._store(keys, rows, used=True)
        self.verified += len(kinds)

    def _store(self, keys: U64, rows: I8, used: bool) -> None:
        """Add verdict rows of the (distinct, sorted) pair ``keys``: known entries are kept;
        all of them count as used by the run when ``used``."""
        at = np.minimum(np.searchsorted(self._keys, keys), max(len(self._keys) - 1, 0))
        old = self._keys[at] == keys if len(self._keys) else np.zeros(len(keys), np.bool_)
        if old.any():
            mine = self._kinds[at[old]]
            self._kinds[at[old]] = np.where(mine == UNKNOWN, rows[old], mine)
            self._used[at[old]] |= used
        if not old.all():
            allk = np.concatenate([self._keys, keys[~old]])
            order = np.argsort(allk, kind="stable")
            self._keys = allk[order]
            self._kinds = np.concatenate([self._kinds, rows[~old]])[order]
            fresh = np.full(int((~old).sum()), used, dtype=np.bool_)
            self._used = np.concatenate([self._used, fresh])[order]

    def state(self, used_only: bool = False) -> MemoState:
        """What :meth:`merge` needs to take this memo's verdicts into another one; with
        ``used_only``, only those of the pairs the run used (asked for, verified, or merged in
        as used), and only the digests they name."""
        if not used_only:
            return MemoState(b"".join(self._ids), self._keys, self._kinds)
        keys, kinds = self._keys[self._used], self._kinds[self._used]
        named, inv = np.unique(np.concatenate(pair_ids(keys)), return_inverse=True)
        digests = list(self._ids)  # in id order
        ta, tb = inv[: len(keys)], inv[len(keys) :]
        renamed = _keys(ta, tb)
        order = np.argsort(renamed, kind="stable")
        joined = b"".join(digests[k] for k in named.tolist())
        return MemoState(joined, renamed[order], kinds[order])

    def merge(self, state: MemoState, used: bool = True) -> None:
        """Take in the verdicts of another memo (:meth:`state`), under this memo's ids; as
        used by this run unless not ``used`` (a verdict file's, until the run asks for them)."""
        got = state.digests
        if len(got) % DIGEST or len(state.keys) != len(state.kinds):
            raise ValueError("a verdict memo's state is malformed")
        known = self._ids
        theirs = np.fromiter(
            (known.setdefault(got[k : k + DIGEST], len(known)) for k in range(0, len(got), DIGEST)),
            dtype=np.int64,
            count=len(got) // DIGEST,
        )
        if not len(state.keys):
            return
        ta, tb = pair_ids(state.keys)
        keys = _keys(theirs[ta], theirs[tb])
        order = np.argsort(keys, kind="stable")
        self._store(keys[order], np.asarray(state.kinds, dtype=np.int8)[order], used)
