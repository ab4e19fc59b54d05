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
from imgeda_ci.dupes.hashindex import I64, U64, Bool


@dataclass
class NearGraph:
    """Nodes (distinct hash keys), the node of each input item, and the near relation."""

    node_of: list[int]  # per input item
    #: node -> {other node: distance}; symmetric (a node is at distance 0 from itself)
    adj: list[dict[int, int]] = field(default_factory=list)
    #: False when orientation matching had to approximate (records without ``phash_flips``)
    exact: bool = True
    #: per node: it has a near node or holds several items (only those can form a match)
    involved: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=np.bool_))

    def distance(self, a: int, b: int) -> int | None:
        """Distance between items ``a`` and ``b``, or None when they are not near."""
        na, nb = self.node_of[a], self.node_of[b]
        return 0 if na == nb else self.adj[na].get(nb)

    def node_near(self, na: int, nb: int) -> bool:
        return na == nb or nb in self.adj[na]


def hamming(a: str, b: str) -> int:
    """Bit distance between two hex hashes."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _nodes(keys: U64) -> tuple[I64, I64]:
    """(node of each row, first row of each node): rows with equal keys share a node."""
    if keys.shape[1] == hashindex.WORDS:
        _, inverse = hashindex.dedupe(keys)
    else:
        _, inverse = np.unique(keys, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1).astype(np.int64)
    first = np.full(int(inverse.max()) + 1 if len(inverse) else 0, len(inverse), dtype=np.int64)
    np.minimum.at(first, inverse, np.arange(len(inverse), dtype=np.int64))
    return inverse, first


def build(
    phash: U64,
    radius: int,
    *,
    side: Bool | None = None,
    dhash: U64 | None = None,
    has_dhash: Bool | None = None,
    dhash_radius: int | None = None,
    flips: Sequence[str | None] | None = None,
    orientation_invariant: bool = False,
) -> NearGraph:
    """The near relation between items given by their pHashes, ``(n, 4)`` uint64 rows (see the
    module doc and :func:`imgeda_ci.dupes.content.hashes_of`).

    ``dhash`` / ``has_dhash``: the items' dHashes, for ``dhash_radius`` (an item without one
    matches nothing then). With ``side`` (a bool per item), only nodes holding items of
    different sides are related (e.g. images added by a change against the base's images).
    ``flips``: the items' ``phash_flips`` (for ``orientation_invariant``).
    """
    n = len(phash)
    confirm = dhash_radius is not None and dhash is not None
    if confirm and dhash is not None:
        has = np.ones(n, dtype=np.bool_) if has_dhash is None else has_dhash
        dh = np.where(has[:, None], dhash, np.uint64(0)).astype(np.uint64)
        keys = np.concatenate([phash, dh, has.astype(np.uint64)[:, None]], axis=1)
    else:
        keys = np.ascontiguousarray(phash, dtype=np.uint64)
    node_arr, first = _nodes(keys)
    n_nodes = len(first)
    graph = NearGraph(node_arr.tolist(), [{} for _ in range(n_nodes)])
    items_per_node = np.bincount(node_arr, minlength=n_nodes)
    graph.involved = items_per_node > 1
    if n_nodes < 2:
        return graph
    node_dh = dh[first] if confirm else None
    node_has = has[first] if confirm else None
    on_true = on_false = np.zeros(0, dtype=np.bool_)
    if side is not None:
        on_true = np.zeros(n_nodes, dtype=np.bool_)
        on_false = np.zeros(n_nodes, dtype=np.bool_)
        on_true[node_arr[side]] = True
        on_false[node_arr[~side]] = True
        graph.involved = on_true & on_false  # within a node, items of both sides match

    # entries: the rows given to the index, each naming its node and variant (0 = identity)
    entry_side: Bool | None
    if orientation_invariant:
        hexes = hashindex.to_hex(phash[first])
        rows_hex: list[str] = []
        for node, k in enumerate(first.tolist()):
            var, exact = orientation.variants(hexes[node], flips[k] if flips else None)
            graph.exact &= exact
            rows_hex.extend(var)
        rows = hashindex.from_hex(rows_hex)
        entry_node = np.repeat(np.arange(n_nodes, dtype=np.int64), 8)
        entry_var = np.tile(np.arange(8, dtype=np.int64), n_nodes)
        entry_side = entry_var == 0  # identities against the other images' variants
    elif side is not None:
        # a node with items on both sides enters twice (once per side): the index then pairs
        # its hash with everything near, as it should
        false_nodes, true_nodes = np.flatnonzero(on_false), np.flatnonzero(on_true)
        entry_node = np.concatenate([false_nodes, true_nodes]).astype(np.int64)
        rows = phash[first[entry_node]]
        entry_var = np.zeros(len(entry_node), dtype=np.int64)
        entry_side = np.zeros(len(entry_node), dtype=np.bool_)
        entry_side[len(false_nodes) :] = True
    else:
        rows = phash[first]
        entry_node = np.arange(n_nodes, dtype=np.int64)
        entry_var = np.zeros(n_nodes, dtype=np.int64)
        entry_side = None

    if entry_side is None:  # the plain relation: remembered across calls (head, then base)
        found = pairmemo.memo_for(radius).query(rows)
    else:
        found = hashindex.near_pairs(rows, radius, side=entry_side)
    order = np.argsort(found.inverse, kind="stable")
    bounds = np.searchsorted(found.inverse[order], np.arange(len(found.unique) + 1))
    sizes = np.diff(bounds)
    # only entries sharing a value with another entry, or in a near pair, are looked at
    wanted = np.zeros(len(found.unique), dtype=np.bool_)
    wanted[sizes > 1] = True
    wanted[found.i] = True
    wanted[found.j] = True
    if not wanted.any():
        return graph
    nodes = entry_node[order]
    vars_ = entry_var[order]

    def relate(na: int, va: int, nb: int, vb: int, d: int) -> None:
        if na == nb or (va and vb):  # variant against variant: not a distance of two images
            return
        if side is not None and not (
            (on_true[na] and on_false[nb]) or (on_false[na] and on_true[nb])
        ):
            return
        if node_dh is not None and node_has is not None:
            if not (node_has[na] and node_has[nb]):
                return
            dd = int(np.bitwise_count(node_dh[na] ^ node_dh[nb]).sum())
            if dd > (dhash_radius or 0):
                return
        old = graph.adj[na].get(nb)
        if old is None or d < old:
            graph.adj[na][nb] = d
            graph.adj[nb][na] = d

    bounds_l = bounds.tolist()

    def entries(u: int) -> list[tuple[int, int]]:
        lo, hi = bounds_l[u], bounds_l[u + 1]
        return list(zip(nodes[lo:hi].tolist(), vars_[lo:hi].tolist(), strict=True))

    for u in np.flatnonzero(sizes > 1).tolist():  # identical hashes: distance 0
        same = entries(u)
        for x in range(len(same)):
            for y in range(x + 1, len(same)):
                relate(*same[x], *same[y], 0)
    for ui, uj, d in zip(found.i.tolist(), found.j.tolist(), found.dist.tolist(), strict=True):
        for na, va in entries(ui):
            for nb, vb in entries(uj):
                relate(na, va, nb, vb, d)
    linked = np.fromiter((bool(a) for a in graph.adj), dtype=np.bool_, count=n_nodes)
    graph.involved = graph.involved | linked
    return graph
