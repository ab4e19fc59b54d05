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

from imgeda_ci.dupes import graph as near_graph
from imgeda_ci.dupes.groups import Kind, NearOptions, flips_of, quality_key
from imgeda_ci.dupes.matches import KINDS, MatchIndex
from imgeda_ci.dupes.splits import rank
from imgeda_ci.model import ImageRecord, is_ok

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
    records: Sequence[ImageRecord], splits: Sequence[str | None], opts: NearOptions
) -> tuple[list[Leak], bool]:
    """Every cross-split duplicate pair, as :class:`Leak` records (see the module doc); also
    whether near matching was exact (see :class:`~imgeda_ci.dupes.graph.NearGraph`)."""
    in_split = [k for k, s in enumerate(splits) if s]
    if len({splits[k] for k in in_split}) < 2:
        return [], True
    hashed = [k for k in in_split if is_ok(records[k]) and records[k].get("phash")]
    g = near_graph.build(
        [str(records[k]["phash"]) for k in hashed],
        opts.threshold,
        dhashes=[records[k].get("dhash") for k in hashed],
        dhash_radius=opts.dhash_threshold,
        flips=[flips_of(records[k]) for k in hashed],
        orientation_invariant=opts.orientation_invariant,
    )
    pos_of = {k: p for p, k in enumerate(hashed)}
    index = MatchIndex(g)
    index.add_content(records, in_split)
    for p, node in enumerate(g.node_of):
        index.by_node[node].append(hashed[p])

    leaks: list[Leak] = []
    for x in in_split:
        sx = str(splits[x])

        def earlier(y: int, sx: str = sx) -> bool:
            return bool(splits[y]) and rank(str(splits[y])) < rank(sx)

        found = index.matches(records[x], g.node_of[pos_of[x]] if x in pos_of else None, earlier)
        per_split: dict[str, list[int]] = defaultdict(list)
        for y in found:
            per_split[str(splits[y])].append(y)
        for sy, ys in sorted(per_split.items(), key=lambda kv: rank(kv[0])):
            ys.sort(key=lambda y: (found[y], quality_key(records[y])))
            best = ys[0]
            kind = KINDS[found[best][0]]
            leaks.append(
                Leak(x, best, kind, found[best][1], sx, sy, tuple(ys[:MAX_LISTED]), len(ys))
            )
    return leaks, g.exact
