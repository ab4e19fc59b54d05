"""Leakage: the same picture in two splits (train/val/test), exactly or nearly.

A pair of images in different splits leaks when the two have the same bytes, the same pixels,
or pHashes within the threshold (see :mod:`imgeda_ci.dupes.graph`). Every such pair is found.
It is reported from the image in the *later* split (test after val after train, other split
names after those, alphabetically), which is the one a finding counts against: one
:class:`Leak` per (image, earlier split it leaks from), naming the closest match there (bytes
before pixels before near, then smallest distance, then best image) and listing the others.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from imgeda_ci.dupes import graph as near_graph
from imgeda_ci.dupes.content import Content, repeated
from imgeda_ci.dupes.groups import Kind, NearOptions, copy_input, flips_of
from imgeda_ci.dupes.matches import KINDS, Found, MatchIndex
from imgeda_ci.dupes.search import DupeSearch
from imgeda_ci.dupes.splits import rank
from imgeda_ci.model import ImageRecord

#: matches listed per leak (all are counted in ``match_count``)
MAX_LISTED = 20


@dataclass(frozen=True)
class Leak:
    image: int  # record index, in the later split: the image the finding counts against
    other: int  # record index of the closest match in ``other_split``
    kind: Kind
    distance: int
    split: str
    other_split: str
    matches: tuple[int, ...]  # every match in other_split, closest first (at most MAX_LISTED)
    match_count: int


def find_leaks(
    records: Sequence[ImageRecord],
    splits: Sequence[str | None],
    opts: NearOptions,
    search: DupeSearch | None = None,
) -> tuple[list[Leak], bool]:
    """Every cross-split duplicate pair, as :class:`Leak` records (see the module doc); also
    whether near matching was exact (see :class:`~imgeda_ci.dupes.graph.NearGraph`).
    ``search``: the run's shared content keys and near-pair memory (made here when not
    given)."""
    in_split = np.flatnonzero(np.fromiter(map(bool, splits), dtype=np.bool_, count=len(splits)))
    if len({splits[k] for k in in_split.tolist()}) < 2:
        return [], True
    search = search if search is not None else DupeSearch()
    c = search.content(records)
    hashed = in_split[c.hashed[in_split]]
    g = near_graph.build(
        c.phash[hashed],
        opts.threshold,
        dhash=c.dhash[hashed],
        has_dhash=c.has_dhash[hashed],
        dhash_radius=opts.dhash_threshold,
        flips=[flips_of(records[k]) for k in hashed.tolist()]
        if opts.orientation_invariant
        else None,
        orientation_invariant=opts.orientation_invariant,
        memo=search.memo(opts.threshold),
        copy=copy_input(c, hashed, search),
    )
    node_of = np.full(c.n, -1, dtype=np.int64)
    node_of[hashed] = g.node_of
    # only images sharing bytes, pixels or a near node with another image can leak
    same_sha = in_split[repeated(c.sha, in_split)]
    same_pix = in_split[repeated(c.pix, in_split)]
    near = hashed[g.involved[node_of[hashed]]]
    index = MatchIndex(g)
    index.add_content(c, same_sha.tolist(), same_pix.tolist())
    for k in near.tolist():
        index.by_node[int(node_of[k])].append(k)
    # each split's place in the order, as a small integer (no split: after every split)
    names = sorted({str(s) for s in splits if s}, key=rank)
    place = {name: k for k, name in enumerate(names)}
    order = [place[str(s)] if s else len(names) for s in splits]
    leaks: list[Leak] = []
    for x in np.union1d(np.union1d(same_sha, same_pix), near).tolist():

        def earlier(y: int, ox: int = order[x]) -> bool:
            return order[y] < ox

        nx = int(node_of[x])
        found = index.matches(int(c.sha[x]), int(c.pix[x]), nx if nx >= 0 else None, earlier)
        leaks.extend(_leaks_of(x, found, splits, c))
    return leaks, g.exact


def _leaks_of(x: int, found: Found, splits: Sequence[str | None], c: Content) -> list[Leak]:
    """The leaks of image ``x``, one per earlier split holding matches (``found``: match ->
    (kind index, distance), as :meth:`MatchIndex.matches` gives)."""
    per_split: dict[str, list[int]] = defaultdict(list)
    for y in found:
        per_split[str(splits[y])].append(y)
    out: list[Leak] = []
    for sy, ys in sorted(per_split.items(), key=lambda kv: rank(kv[0])):
        ys.sort(key=lambda y: (found[y], int(c.rank[y])))
        best = ys[0]
        kind = KINDS[found[best][0]]
        sx = str(splits[x])
        out.append(Leak(x, best, kind, found[best][1], sx, sy, tuple(ys[:MAX_LISTED]), len(ys)))
    return out
