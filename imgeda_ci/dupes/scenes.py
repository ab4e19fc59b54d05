"""The same scene with other content: pairs of images verified as one framing with local changes.

A candidate pair (256-bit pHashes within the threshold, or the copy signatures:
:mod:`imgeda_ci.dupes.graph`) whose thumbnails differ in a few places only (an object moved,
added or removed, a caption or watermark laid over it; :mod:`imgeda_ci.dupes.verify`) is not a
copy: it is the same scene. A detection dataset is made of such pictures, so they are reported
apart, for information. Each image with such a partner that ranks better in the quality order
(:func:`imgeda_ci.dupes.groups.quality_key`) is one :class:`Scene`, naming the best-ranked
partner, so every pair is reported once, by the lesser image; an image that is a near copy of a
better image is left out (it is reported as that copy).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from imgeda_ci.dupes import graph as near_graph
from imgeda_ci.dupes.content import by_rank
from imgeda_ci.dupes.groups import NearOptions, copy_input
from imgeda_ci.dupes.search import DupeSearch
from imgeda_ci.model import ImageRecord


@dataclass(frozen=True)
class Scene:
    image: int  # record index: the lesser image of its pairs
    other: int  # record index of its best-ranked partner
    distance: int  # their pHash distance
    partners: int  # how many images better than it show the same scene


def find_same_scene(
    records: Sequence[ImageRecord], opts: NearOptions, search: DupeSearch | None = None
) -> list[Scene]:
    """Every image with a better-ranked partner of the same scene (see the module doc)."""
    search = search if search is not None else DupeSearch()
    c = search.content(records)
    items = by_rank(np.flatnonzero(c.hashed), c)  # quality order: best first
    if len(items) < 2:
        return []
    g = near_graph.build(
        c.phash[items],
        opts.threshold,
        memo=search.memo(opts.threshold),
        copy=copy_input(c, items, search),
    )
    first_pos: dict[int, int] = {}  # node -> its best item's position
    by_node: dict[int, list[int]] = {}
    for pos, node in enumerate(g.node_of):
        first_pos.setdefault(node, pos)
        if g.local[node]:
            by_node.setdefault(node, []).append(pos)
    out: list[Scene] = []
    for node, positions in by_node.items():
        partners = {p: d for other, d in g.local[node].items() for p in by_node[other]}
        # a near copy of a better image is reported as such, not again as its scene
        best_near = min([first_pos[node], *(first_pos[n] for n in g.adj[node])])
        for pos in positions:
            better = sorted((p, d) for p, d in partners.items() if p < pos)
            if better and best_near >= pos:
                first, d = better[0]
                out.append(Scene(int(items[pos]), int(items[first]), d, len(better)))
    return sorted(out, key=lambda s: s.image)
