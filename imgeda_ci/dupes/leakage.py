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
from imgeda_ci.dupes.splits import rank
from imgeda_ci.model import ImageRecord, is_ok

KIND_RANK: dict[Kind, int] = {"bytes": 0, "pixels": 1, "near": 2}
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
    by_sha: dict[str, list[int]] = defaultdict(list)
    by_pixels: dict[str, list[int]] = defaultdict(list)
    for k in in_split:
        rec = records[k]
        if rec.get("sha256"):
            by_sha[str(rec["sha256"])].append(k)
        if is_ok(rec) and rec.get("pixel_sha256"):
            by_pixels[str(rec["pixel_sha256"])].append(k)
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
    by_node: dict[int, list[int]] = defaultdict(list)
    for p, node in enumerate(g.node_of):
        by_node[node].append(hashed[p])

    leaks: list[Leak] = []
    for x in in_split:
        sx = str(splits[x])
        found: dict[int, tuple[int, int]] = {}  # match -> (kind rank, distance)

        def offer(
            y: int, kind: Kind, d: int, sx: str = sx, found: dict[int, tuple[int, int]] = found
        ) -> None:
            sy = splits[y]
            if not sy or rank(sy) >= rank(sx):
                return
            key = (KIND_RANK[kind], d)
            if y not in found or key < found[y]:
                found[y] = key

        rec = records[x]
        for y in by_sha.get(str(rec.get("sha256") or ""), ()):
            offer(y, "bytes", 0)
        if is_ok(rec):
            for y in by_pixels.get(str(rec.get("pixel_sha256") or ""), ()):
                offer(y, "pixels", 0)
        if x in pos_of:
            node = g.node_of[pos_of[x]]
            for y in by_node[node]:
                offer(y, "near", 0)
            for other, d in g.adj[node].items():
                for y in by_node[other]:
                    offer(y, "near", d)
        per_split: dict[str, list[int]] = defaultdict(list)
        for y in found:
            per_split[str(splits[y])].append(y)
        for sy, ys in sorted(per_split.items(), key=lambda kv: rank(kv[0])):
            ys.sort(key=lambda y: (found[y], quality_key(records[y])))
            best = ys[0]
            kind = next(k for k, r in KIND_RANK.items() if r == found[best][0])
            leaks.append(
                Leak(x, best, kind, found[best][1], sx, sy, tuple(ys[:MAX_LISTED]), len(ys))
            )
    return leaks, g.exact
