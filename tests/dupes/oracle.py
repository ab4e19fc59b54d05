"""The duplicate searches as they were before they were vectorised: per-record Python, slow and
plainly correct. ``test_oracle`` holds the package's vectorised searches to these, result for
result, on random datasets with planted copies."""

# ruff: noqa
# mypy: ignore-errors
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from imgeda_ci.dupes import hashindex, orientation
from imgeda_ci.dupes.of_base import BaseDuplicate
from imgeda_ci.dupes.groups import Group, Kind, NearOptions
from imgeda_ci.dupes.leakage import MAX_LISTED, Leak
from imgeda_ci.dupes.matches import KIND_RANK, KINDS
from imgeda_ci.dupes.orientation import FLIPS_FIELD
from imgeda_ci.dupes.splits import rank
from imgeda_ci.model import ImageRecord, is_ok

Found = dict[int, tuple[int, int]]


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
            rows.extend([var[0], *var])
        entry_node = np.repeat(np.arange(n_nodes, dtype=np.int64), 9)
        tagged = np.tile(np.arange(-1, 8, dtype=np.int64), n_nodes)
        entry_var = np.maximum(tagged, 0)
        entry_side = tagged < 0  # identities against the other images' eight turns
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
        found = hashindex.near_pairs(hashindex.from_hex(rows), radius)
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


def quality_key(rec: ImageRecord) -> tuple[int, int, str]:
    """Sort key, best first: most pixels, largest file, then path."""
    pixels = rec.get("pixels") or (rec.get("width") or 0) * (rec.get("height") or 0)
    return (-int(pixels or 0), -int(rec.get("size") or 0), rec.get("path", ""))


def _group_id(kind: Kind, rec: ImageRecord) -> str:
    ident = rec.get("sha256") or rec.get("pixel_sha256") or rec.get("path", "")
    return f"{kind}:{str(ident)[:16]}"


def _exact_groups(
    records: Sequence[ImageRecord], candidates: list[int], field: str, kind: Kind
) -> tuple[list[Group], list[int]]:
    """Groups of ``candidates`` sharing ``field``; returns them and the remaining representatives
    (keepers and candidates without copies, plus candidates lacking the field)."""
    by_value: dict[str, list[int]] = defaultdict(list)
    reps: list[int] = []
    for k in candidates:
        value = records[k].get(field)
        if isinstance(value, str) and value:
            by_value[value].append(k)
        else:
            reps.append(k)
    groups: list[Group] = []
    for same in by_value.values():
        same.sort(key=lambda k: quality_key(records[k]))
        reps.append(same[0])
        if len(same) > 1:
            gid = f"{kind}:{str(records[same[0]].get(field))[:16]}"
            groups.append(Group(kind, gid, same[0], tuple((k, 0) for k in same[1:])))
    return groups, sorted(reps, key=lambda k: quality_key(records[k]))


def near_groups(
    records: Sequence[ImageRecord], candidates: Sequence[int], opts: NearOptions
) -> tuple[list[Group], bool]:
    """Keeper-first near groups among ``candidates`` (see the module doc); also whether the
    matching was exact (False only for orientation matching without ``phash_flips``)."""
    items = [k for k in candidates if is_ok(records[k]) and records[k].get("phash")]
    items.sort(key=lambda k: quality_key(records[k]))
    if len(items) < 2:
        return [], True
    g = build(
        [str(records[k]["phash"]) for k in items],
        opts.threshold,
        dhashes=[records[k].get("dhash") for k in items],
        dhash_radius=opts.dhash_threshold,
        flips=[flips_of(records[k]) for k in items],
        orientation_invariant=opts.orientation_invariant,
    )
    keepers_of: dict[int, list[int]] = defaultdict(list)  # node -> keeper positions
    # per keeper position: its groups, each (member nodes, members as (record, distance))
    groups_of: dict[int, list[tuple[set[int], list[tuple[int, int]]]]] = defaultdict(list)
    for pos, node in enumerate(g.node_of):  # positions are in quality order, best first
        near = [(0, node), *((d, n) for n, d in g.adj[node].items())]
        keepers = sorted((d, k) for d, n in near for k in keepers_of.get(n, ()))
        if not keepers:
            keepers_of[node].append(pos)
            continue
        for d, k in keepers:  # join the closest keeper's group that it fits
            fits = next(
                (grp for grp in groups_of[k] if all(g.node_near(node, m) for m in grp[0])),
                None,
            )
            if fits is not None:
                fits[0].add(node)
                fits[1].append((items[pos], d))
                break
        else:
            d, k = keepers[0]
            groups_of[k].append(({g.node_of[k], node}, [(items[pos], d)]))
    groups: list[Group] = []
    for k in sorted(groups_of):
        gid = _group_id("near", records[items[k]])
        for n, (_, members) in enumerate(groups_of[k]):
            members.sort(key=lambda m: (m[1], quality_key(records[m[0]])))
            groups.append(
                Group("near", gid if n == 0 else f"{gid}/{n + 1}", items[k], tuple(members))
            )
    return groups, g.exact


def flips_of(rec: Mapping[str, object]) -> str | None:
    value = rec.get(FLIPS_FIELD)  # not in the schema yet: see imgeda_ci.dupes.orientation
    return value if isinstance(value, str) else None


def find_groups(records: Sequence[ImageRecord], opts: NearOptions) -> list[Group]:
    """Byte, pixel and near duplicate groups of ``records`` (disjoint; see the module doc)."""
    with_bytes = [k for k, r in enumerate(records) if r.get("sha256")]
    bytes_groups, reps = _exact_groups(records, with_bytes, "sha256", "bytes")
    without = [k for k, r in enumerate(records) if not r.get("sha256")]
    decoded = [k for k in reps + without if is_ok(records[k])]
    pixel_groups, reps = _exact_groups(records, decoded, "pixel_sha256", "pixels")
    near, _ = near_groups(records, reps, opts)
    exact = sorted(bytes_groups, key=lambda g: quality_key(records[g.keeper]))
    exact += sorted(pixel_groups, key=lambda g: quality_key(records[g.keeper]))
    return exact + near


@dataclass
class MatchIndex:
    """Images (by their index in the caller's records) findable by content and pHash node."""

    graph: NearGraph
    by_sha: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_pixels: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_node: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))

    def add_content(self, records: Sequence[ImageRecord], indexes: Iterable[int]) -> None:
        """Index ``records[k]`` for each ``k`` by bytes and decoded pixels."""
        for k in indexes:
            rec = records[k]
            if rec.get("sha256"):
                self.by_sha[str(rec["sha256"])].append(k)
            if is_ok(rec) and rec.get("pixel_sha256"):
                self.by_pixels[str(rec["pixel_sha256"])].append(k)

    def matches(self, rec: ImageRecord, node: int | None, accept: Callable[[int], bool]) -> Found:
        """Every accepted indexed image matching ``rec`` (whose graph node is ``node``, None when
        it has no pHash), each with its best kind and distance."""
        found: Found = {}

        def offer(y: int, kind: Kind, d: int) -> None:
            if not accept(y):
                return
            key = (KIND_RANK[kind], d)
            if y not in found or key < found[y]:
                found[y] = key

        for y in self.by_sha.get(str(rec.get("sha256") or ""), ()):
            offer(y, "bytes", 0)
        if is_ok(rec):
            for y in self.by_pixels.get(str(rec.get("pixel_sha256") or ""), ()):
                offer(y, "pixels", 0)
        if node is not None:
            for y in self.by_node.get(node, ()):
                offer(y, "near", 0)
            for other, d in self.graph.adj[node].items():
                for y in self.by_node.get(other, ()):
                    offer(y, "near", d)
        return found


def find_leaks(
    records: Sequence[ImageRecord], splits: Sequence[str | None], opts: NearOptions
) -> tuple[list[Leak], bool]:
    """Every cross-split duplicate pair, as :class:`Leak` records (see the module doc); also
    whether near matching was exact (see :class:`~imgeda_ci.dupes.graph.NearGraph`)."""
    in_split = [k for k, s in enumerate(splits) if s]
    if len({splits[k] for k in in_split}) < 2:
        return [], True
    hashed = [k for k in in_split if is_ok(records[k]) and records[k].get("phash")]
    g = build(
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


def added_indexes(head: Sequence[ImageRecord], base: Sequence[ImageRecord]) -> list[int]:
    """Indexes of the head records a change added (see the module doc)."""
    base_pairs = {(r.get("path"), r.get("sha256")) for r in base}
    head_paths = {r.get("path") for r in head}
    base_paths = {r.get("path") for r in base}
    renames = Counter(r.get("sha256") for r in base if r.get("path") not in head_paths)
    out = []
    for k in sorted(range(len(head)), key=lambda k: head[k].get("path", "")):
        rec = head[k]
        if (rec.get("path"), rec.get("sha256")) in base_pairs:
            continue
        sha = rec.get("sha256")
        if rec.get("path") not in base_paths and sha and renames[sha] > 0:
            renames[sha] -= 1  # a rename of a removed path, not an addition
            continue
        out.append(k)
    return sorted(out)


def find_base_duplicates(
    head: Sequence[ImageRecord],
    base: Sequence[ImageRecord],
    opts: NearOptions,
    added: Sequence[int] | None = None,
) -> tuple[list[BaseDuplicate], bool]:
    """Added head images that duplicate a base image still present (see the module doc); also
    whether near matching was exact. ``added`` defaults to :func:`added_indexes`."""
    new = list(added_indexes(head, base) if added is None else added)
    head_paths = {r.get("path") for r in head}
    kept = [b for b, r in enumerate(base) if r.get("path") in head_paths]
    if not new or not kept:
        return [], True

    # near: one graph over added (side True) and kept base images (side False)
    items: list[tuple[bool, int]] = [(True, k) for k in new if _hashed(head[k])]
    items += [(False, b) for b in kept if _hashed(base[b])]
    recs = [head[k] if is_head else base[k] for is_head, k in items]
    g = build(
        [str(r["phash"]) for r in recs],
        opts.threshold,
        side=[is_head for is_head, _ in items],
        dhashes=[r.get("dhash") for r in recs],
        dhash_radius=opts.dhash_threshold,
        flips=[flips_of(r) for r in recs],
        orientation_invariant=opts.orientation_invariant,
    )
    index = MatchIndex(g)
    index.add_content(base, kept)
    pos_of_head: dict[int, int] = {}
    for p, (is_head, k) in enumerate(items):
        if is_head:
            pos_of_head[k] = p
        else:
            index.by_node[g.node_of[p]].append(k)

    out: list[BaseDuplicate] = []
    for k in new:
        rec = head[k]

        def other_path(b: int, path: object = rec.get("path")) -> bool:
            return base[b].get("path") != path  # the same path: the file's previous version

        found = index.matches(
            rec, g.node_of[pos_of_head[k]] if k in pos_of_head else None, other_path
        )
        if found:
            best = min(found, key=lambda b: (found[b], quality_key(base[b])))
            kind = KINDS[found[best][0]]
            out.append(BaseDuplicate(k, best, kind, found[best][1], len(found)))
    return out, g.exact


def _hashed(rec: ImageRecord) -> bool:
    return is_ok(rec) and bool(rec.get("phash"))
