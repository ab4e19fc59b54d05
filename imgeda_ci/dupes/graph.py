"""The "within the threshold" relation between images, from their stored hashes.

Two images are *near* when their 256-bit pHashes differ in at most ``radius`` bits (and, when
``dhash_radius`` is given, their 256-bit dHashes in at most that many). With
``orientation_invariant``, the pHash distance is the smallest over the eight rotations/mirrors of
one image (see :mod:`imgeda_ci.dupes.orientation`). The relation is computed exactly (every pair,
through :func:`imgeda_ci.dupes.hashindex.near_pairs`), over *nodes*: images with the same hashes
share a node, so a thousand identical blank frames cost one node.

With the items' copy signatures (:class:`CopyInput`), the relation is refined (:func:`refine`):
every pHash pair of items with thumbnails is verified (:mod:`imgeda_ci.dupes.verify`), and
dropped when the two differ by a local change (the same scene with other content); and every
candidate pair of the copy signatures (cropped, mirrored or rotated copies,
:mod:`imgeda_ci.dupes.copies`) that verifies as a copy is added, at its pHash distance (which may
exceed ``radius``: the pair is near as a verified copy).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from imgeda_ci.dupes import hashindex, orientation, verify
from imgeda_ci.dupes.copypairs import I8, CopyPairs
from imgeda_ci.dupes.hashindex import I64, U64, Bool
from imgeda_ci.dupes.pairmemo import PairMemo


@dataclass
class NearGraph:
    """Nodes (distinct hash keys), the node of each input item, and the near relation."""

    node_of: list[int]  # per input item
    #: node -> {other node: distance}; symmetric (a node is at distance 0 from itself)
    adj: list[dict[int, int]] = field(default_factory=list)
    #: False when orientation matching had to approximate (records without ``phash_flips``)
    exact: bool = True
    #: node -> {other node: distance}: the same scene with local changes, verified on the
    #: thumbnails (not near; filled only when the graph is built with copy signatures)
    local: list[dict[int, int]] = field(default_factory=list)
    #: per node: it has a near node or holds several items (only those can form a match)
    involved: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=np.bool_))

    def distance(self, a: int, b: int) -> int | None:
        """Distance between items ``a`` and ``b``, or None when they are not near."""
        na, nb = self.node_of[a], self.node_of[b]
        return 0 if na == nb else self.adj[na].get(nb)

    def node_near(self, na: int, nb: int) -> bool:
        return na == nb or nb in self.adj[na]


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


@dataclass
class _Limits:
    """Which node pairs may be related: across sides (when sides are given) and within the
    dHash radius (when one is given)."""

    on_true: Bool | None = None  # per node: it holds an item of side True (None: no sides)
    on_false: Bool | None = None
    dhash: U64 | None = None  # per node, when a dHash radius applies
    has_dhash: Bool | None = None
    dhash_radius: int = 0

    def allow(self, na: int, nb: int) -> bool:
        if self.on_true is not None and self.on_false is not None:
            t, f = self.on_true, self.on_false
            if not ((t[na] and f[nb]) or (f[na] and t[nb])):
                return False
        if self.dhash is not None and self.has_dhash is not None:
            if not (self.has_dhash[na] and self.has_dhash[nb]):
                return False
            dd = int(np.bitwise_count(self.dhash[na] ^ self.dhash[nb]).sum())
            if dd > self.dhash_radius:
                return False
        return True


def _relate(
    graph: NearGraph, limits: _Limits, a: tuple[int, int], b: tuple[int, int], d: int
) -> None:
    """Relate two entries (node, variant) at distance ``d`` when they may be related."""
    (na, va), (nb, vb) = a, b
    if na == nb or (va and vb):  # variant against variant: not a distance of two images
        return
    if not limits.allow(na, nb):
        return
    old = graph.adj[na].get(nb)
    if old is None or d < old:
        graph.adj[na][nb] = d
        graph.adj[nb][na] = d


@dataclass
class _Entries:
    """The rows given to the index, each naming its node and variant (0 = identity), and
    the side of each entry (None: every entry against every other)."""

    rows: U64
    node: I64
    var: I64
    side: Bool | None


def _oriented_entries(
    graph: NearGraph, phash: U64, first: I64, flips: Sequence[str | None] | None
) -> _Entries:
    """Each node's identity (side True) against the other images' eight rotations/mirrors, the
    identity among them (side False): plain near pairs are pairs under the identity."""
    n_nodes = len(first)
    hexes = hashindex.to_hex(phash[first])
    rows_hex: list[str] = []
    for node, k in enumerate(first.tolist()):
        var, exact = orientation.variants(hexes[node], flips[k] if flips else None)
        graph.exact &= exact
        rows_hex.extend([var[0], *var])
    entry_var = np.tile(np.arange(-1, 8, dtype=np.int64), n_nodes)
    return _Entries(
        hashindex.from_hex(rows_hex),
        np.repeat(np.arange(n_nodes, dtype=np.int64), 9),
        np.maximum(entry_var, 0),
        entry_var < 0,
    )


def _sided_entries(phash: U64, first: I64, on_true: Bool, on_false: Bool) -> _Entries:
    """A node with items on both sides enters twice (once per side): the index then pairs its
    hash with everything near, as it should."""
    false_nodes, true_nodes = np.flatnonzero(on_false), np.flatnonzero(on_true)
    entry_node = np.concatenate([false_nodes, true_nodes]).astype(np.int64)
    entry_side = np.zeros(len(entry_node), dtype=np.bool_)
    entry_side[len(false_nodes) :] = True
    zeros = np.zeros(len(entry_node), dtype=np.int64)
    return _Entries(phash[first[entry_node]], entry_node, zeros, entry_side)


def _link(graph: NearGraph, entries: _Entries, found: hashindex.NearPairs, limits: _Limits) -> None:
    """Relate the nodes of entries sharing a value (distance 0) or in a near pair."""
    order = np.argsort(found.inverse, kind="stable")
    bounds = np.searchsorted(found.inverse[order], np.arange(len(found.unique) + 1))
    sizes = np.diff(bounds)
    # only entries sharing a value with another entry, or in a near pair, are looked at
    wanted = np.zeros(len(found.unique), dtype=np.bool_)
    wanted[sizes > 1] = True
    wanted[found.i] = True
    wanted[found.j] = True
    if not wanted.any():
        return
    nodes = entries.node[order]
    vars_ = entries.var[order]
    bounds_l = bounds.tolist()

    def at(u: int) -> list[tuple[int, int]]:
        lo, hi = bounds_l[u], bounds_l[u + 1]
        return list(zip(nodes[lo:hi].tolist(), vars_[lo:hi].tolist(), strict=True))

    for u in np.flatnonzero(sizes > 1).tolist():  # identical hashes: distance 0
        same = at(u)
        for x in range(len(same)):
            for y in range(x + 1, len(same)):
                _relate(graph, limits, same[x], same[y], 0)
    for ui, uj, d in zip(found.i.tolist(), found.j.tolist(), found.dist.tolist(), strict=True):
        for a in at(ui):
            for b in at(uj):
                _relate(graph, limits, a, b, d)


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
    memo: PairMemo | None = None,
    copy: CopyInput | None = None,
) -> NearGraph:
    """The near relation between items given by their pHashes, ``(n, 4)`` uint64 rows (see the
    module doc and :func:`imgeda_ci.dupes.content.hashes_of`).

    ``dhash`` / ``has_dhash``: the items' dHashes, for ``dhash_radius`` (an item without one
    matches nothing then). With ``side`` (a bool per item), only nodes holding items of
    different sides are related (e.g. images added by a change against the base's images).
    ``flips``: the items' ``phash_flips`` (for ``orientation_invariant``). ``memo``: the
    near-pair memory at ``radius`` that answers the plain relation (no sides, no orientation)
    and remembers it for the next search (head, then base); without one it is computed here.
    ``copy``: the items' copy signatures and thumbnails, to verify and extend the relation (see
    the module doc).
    """
    n = len(phash)
    limits = _Limits()
    if dhash_radius is not None and dhash is not None:
        has = np.ones(n, dtype=np.bool_) if has_dhash is None else has_dhash
        dh = np.where(has[:, None], dhash, np.uint64(0)).astype(np.uint64)
        keys = np.concatenate([phash, dh, has.astype(np.uint64)[:, None]], axis=1)
    else:
        keys = np.ascontiguousarray(phash, dtype=np.uint64)
    node_arr, first = _nodes(keys)
    n_nodes = len(first)
    graph = NearGraph(node_arr.tolist(), [{} for _ in range(n_nodes)])
    graph.local = [{} for _ in range(n_nodes)]
    graph.involved = np.bincount(node_arr, minlength=n_nodes) > 1
    if n_nodes < 2:
        return graph
    if dhash_radius is not None and dhash is not None:
        limits.dhash, limits.has_dhash = dh[first], has[first]
        limits.dhash_radius = dhash_radius
    if side is not None:
        limits.on_true = np.zeros(n_nodes, dtype=np.bool_)
        limits.on_false = np.zeros(n_nodes, dtype=np.bool_)
        limits.on_true[node_arr[side]] = True
        limits.on_false[node_arr[~side]] = True
        graph.involved = limits.on_true & limits.on_false  # within a node, both sides match
    if orientation_invariant:
        entries = _oriented_entries(graph, phash, first, flips)
    elif limits.on_true is not None and limits.on_false is not None:
        entries = _sided_entries(phash, first, limits.on_true, limits.on_false)
    else:
        ids = np.arange(n_nodes, dtype=np.int64)
        entries = _Entries(phash[first], ids, np.zeros(n_nodes, dtype=np.int64), None)
    if entries.side is not None:
        found = hashindex.near_pairs(entries.rows, radius, side=entries.side)
    elif memo is not None:  # the plain relation: remembered across calls (head, then base)
        found = memo.query(entries.rows)
    else:
        found = hashindex.near_pairs(entries.rows, radius)
    _link(graph, entries, found, limits)
    if copy is not None:
        refine(graph, phash, copy, limits, orientation_invariant)
    linked = np.fromiter((bool(a) for a in graph.adj), dtype=np.bool_, count=n_nodes)
    graph.involved = graph.involved | linked
    return graph


@dataclass(frozen=True)
class CopyInput:
    """The items' verified copy-signature pairs (:mod:`imgeda_ci.dupes.copypairs`, over the
    items 0, 1, ...) and the verdicts of other pairs of items (``a`` under ``variant`` against
    ``b``: :func:`imgeda_ci.dupes.copypairs.classify` of the run's pictures), to verify the pHash
    pairs."""

    pairs: CopyPairs
    verdicts: Callable[[I64, I64, I64], I8]


def _verdicts(copy: CopyInput, a: I64, b: I64, every: bool) -> I8:
    """The verdict of pHash pairs of items: under the identity, or (``every``: matched under
    some rotation/mirror) the best under any of the eight."""
    zero = np.zeros(len(a), dtype=np.int64)
    if not every:
        return copy.verdicts(a, b, zero)
    # a copy under some turn, else a local change, else different
    return verify.best([copy.verdicts(a, b, zero + v) for v in range(8)])


def _relink(graph: NearGraph, x: int, y: int, d: int, kind: int) -> None:
    """Put nodes ``x``, ``y`` at distance ``d`` in the relation of ``kind``: a copy is near,
    a local change is the same scene (and no longer near)."""
    if kind == verify.LOCAL:
        graph.adj[x].pop(y, None)
        graph.adj[y].pop(x, None)
        target = graph.local
    else:
        target = graph.adj
    old = target[x].get(y)
    if old is None or d < old:
        target[x][y] = target[y][x] = d


def refine(
    graph: NearGraph, phash: U64, copy: CopyInput, limits: _Limits, every: bool = False
) -> None:
    """Verify the graph's pairs and add the verified copy-signature pairs (see the module doc).
    ``every``: pHash pairs were matched under any rotation/mirror, so verify under each."""
    node_of = np.asarray(graph.node_of, dtype=np.int64)
    rep = np.zeros(len(graph.adj), dtype=np.int64)  # the first item of each node
    rep[node_of[::-1]] = np.arange(len(node_of) - 1, -1, -1)
    pairs = [(na, nb, d) for na, near in enumerate(graph.adj) for nb, d in near.items() if na < nb]
    if pairs:
        na, nb, dist = np.array(pairs, dtype=np.int64).T
        kind = _verdicts(copy, rep[na], rep[nb], every)
        # within the pHash radius under the identity, only a local change is not a copy; under
        # a guessed turn, a pair different under every turn is another picture
        drop = (kind == verify.LOCAL) | (every & (kind == verify.DIFFERENT))
        for x, y, d, k in zip(*(v[drop].tolist() for v in (na, nb, dist, kind)), strict=True):
            if k == verify.LOCAL:
                _relink(graph, x, y, d, k)
            else:
                del graph.adj[x][y], graph.adj[y][x]
    found = copy.pairs
    # pairs of items of one node (the same pHash: identical files, one picture at two paths)
    # are in it already
    wanted = ((found.kind == verify.COPY) | (found.kind == verify.LOCAL)) & (
        node_of[found.a] != node_of[found.b]
    )
    a, b, kinds = found.a[wanted], found.b[wanted], found.kind[wanted]
    dist = hashindex.distances(phash[a], phash[b])
    for x, y, d, k in zip(
        node_of[a].tolist(), node_of[b].tolist(), dist.tolist(), kinds.tolist(), strict=True
    ):
        if not limits.allow(x, y):
            continue
        if k == verify.LOCAL and y in graph.adj[x]:
            continue  # near by another pair of items of these nodes
        _relink(graph, x, y, d, k)
