"""The "within the threshold" relation between images, from their stored hashes.

Two images are *near* when their 256-bit pHashes differ in at most ``radius`` bits (and, when
``dhash_radius`` is given, their 256-bit dHashes in at most that many). With
``orientation_invariant``, the pHash distance is the smallest over the eight rotations/mirrors of
one image (see :mod:`imgeda_ci.dupes.orientation`). The relation is computed exactly (every pair,
through :func:`imgeda_ci.dupes.hashindex.near_pairs`), over *nodes*: images with the same hashes
share a node, so a thousand identical blank frames cost one node.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from imgeda_ci.dupes import hashindex, orientation, pairmemo


@dataclass
class NearGraph:
    """Nodes (distinct hash keys), the node of each input item, and the near relation."""

    node_of: list[int]  # per input item
    #: node -> {other node: distance}; symmetric (a node is at distance 0 from itself)
    adj: list[dict[int, int]] = field(default_factory=list)
    #: False when orientation matching had to approximate (records without ``phash_flips``)
    exact: bool = True

    def distance(self, a: int, b: int) -> int | None:
        """Distance between items ``a`` and ``b``, or None when they are not near."""
        na, nb = self.node_of[a], self.node_of[b]
        return 0 if na == nb else self.adj[na].get(nb)

    def node_near(self, na: int, nb: int) -> bool:
        return na == nb or nb in self.adj[na]


def hamming(a: str, b: str) -> int:
    """Bit distance between two hex hashes."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def build(
    phashes: Sequence[str],
    radius: int,
    *,
    side: Sequence[bool] | None = None,
    dhashes: Sequence[str | None] | None = None,
    dhash_radius: int | None = None,
    flips: Sequence[str | None] | None = None,
    orientation_invariant: bool = False,
) -> NearGraph:
    """The near relation between items given by their pHashes (see the module doc).

    With ``side`` (a bool per item), only nodes holding items of different sides are related
    (e.g. images added by a change against the base's images).
    """
    confirm = dhash_radius is not None and dhashes is not None
    keys: dict[tuple[str, str], int] = {}
    node_of: list[int] = []
    first: list[int] = []  # an item of each node
    sides: list[set[bool]] = []
    for k, ph in enumerate(phashes):
        dh = (dhashes[k] or "") if confirm and dhashes is not None else ""
        node = keys.setdefault((ph, dh), len(keys))
        if node == len(first):
            first.append(k)
            sides.append(set())
        node_of.append(node)
        if side is not None:
            sides[node].add(bool(side[k]))
    n_nodes = len(first)
    graph = NearGraph(node_of, [{} for _ in range(n_nodes)])
    if n_nodes < 2:
        return graph

    # entries: the rows given to the index, each naming its node and variant (0 = identity)
    entry_side: npt.NDArray[np.bool_] | None
    if orientation_invariant:
        rows: list[str] = []
        for k in first:
            var, exact = orientation.variants(phashes[k], flips[k] if flips else None)
            graph.exact &= exact
            rows.extend(var)
        entry_node = np.repeat(np.arange(n_nodes, dtype=np.int64), 8)
        entry_var = np.tile(np.arange(8, dtype=np.int64), n_nodes)
        entry_side = entry_var == 0  # identities against the other images' variants
    elif side is not None:
        # a node with items on both sides enters twice (once per side): the index then pairs
        # its hash with everything near, as it should
        entry_list = [(n, s) for n in range(n_nodes) for s in sorted(sides[n])]
        rows = [phashes[first[n]] for n, _ in entry_list]
        entry_node = np.array([n for n, _ in entry_list], dtype=np.int64)
        entry_var = np.zeros(len(entry_list), dtype=np.int64)
        entry_side = np.array([s for _, s in entry_list], dtype=bool)
    else:
        rows = [phashes[k] for k in first]
        entry_node = np.arange(n_nodes, dtype=np.int64)
        entry_var = np.zeros(n_nodes, dtype=np.int64)
        entry_side = None

    if entry_side is None:  # the plain relation: remembered across calls (head, then base)
        found = pairmemo.memo_for(radius).query(hashindex.from_hex(rows))
    else:
        found = hashindex.near_pairs(hashindex.from_hex(rows), radius, side=entry_side)
    order = np.argsort(found.inverse, kind="stable")
    bounds = np.searchsorted(found.inverse[order], np.arange(len(found.unique) + 1))
    nodes = entry_node[order].tolist()
    vars_ = entry_var[order].tolist()
    bounds_l = bounds.tolist()

    def relate(na: int, va: int, nb: int, vb: int, d: int) -> None:
        if na == nb or (va and vb):  # variant against variant: not a distance of two images
            return
        if side is not None and not (
            (True in sides[na] and False in sides[nb]) or (False in sides[na] and True in sides[nb])
        ):
            return
        if confirm and dhashes is not None:
            da, db = dhashes[first[na]], dhashes[first[nb]]
            if not da or not db or hamming(da, db) > (dhash_radius or 0):
                return
        old = graph.adj[na].get(nb)
        if old is None or d < old:
            graph.adj[na][nb] = d
            graph.adj[nb][na] = d

    for u in np.flatnonzero(np.diff(bounds) > 1).tolist():  # identical hashes: distance 0
        lo, hi = bounds_l[u], bounds_l[u + 1]
        for x in range(lo, hi):
            for y in range(x + 1, hi):
                relate(nodes[x], vars_[x], nodes[y], vars_[y], 0)
    for ui, uj, d in zip(found.i.tolist(), found.j.tolist(), found.dist.tolist(), strict=True):
        for x in range(bounds_l[ui], bounds_l[ui + 1]):
            for y in range(bounds_l[uj], bounds_l[uj + 1]):
                relate(nodes[x], vars_[x], nodes[y], vars_[y], d)
    return graph
