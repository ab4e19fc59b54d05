"""Duplicate groups from manifest records: identical bytes, identical pixels, near copies.

Three disjoint kinds, formed in this order (each image is a non-keeper member of at most one
group, and the keeper of a group is the best image of it):

1. ``bytes``: records with the same ``sha256`` (corrupt files included: a copy is a copy);
2. ``pixels``: among the keepers of step 1 and the images without byte copies, records with the
   same ``pixel_sha256`` (same decoded pixels, different files: metadata edited, lossless
   re-save);
3. ``near``: among what remains, images near each other: 256-bit pHashes within ``threshold``
   bits or a cropped, mirrored or rotated copy, verified on thumbnails when the records carry
   them (see :mod:`imgeda_ci.dupes.graph`; optionally confirmed by the dHash, optionally
   orientation-invariant).

The keeper is the best image: most pixels, then largest file, then first path. Near groups are
formed *keeper first*, without chaining. Images are visited best first. An image within the
threshold of a keeper already chosen (all of them are better) becomes a member: of the closest
such keeper's group it fits (within the threshold of every member already there), else of a new
group of that keeper; otherwise the image becomes a keeper itself. Guarantees:

- every two images of a group (keeper included) are near each other: A~B and B~C never pull
  A and C together (a keeper may head several groups for that reason);
- the keeper is the best image of its group, and each image is a non-keeper member of at most
  one group of any kind;
- no two of the images kept (keepers and images in no group) are near each other, so of every
  near pair at least one image is reported, and every image near a better kept image is
  reported: recall 1.0 over the near relation;
- the result does not depend on the order of the records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from imgeda_ci.dupes import copypairs
from imgeda_ci.dupes import graph as near_graph
from imgeda_ci.dupes.content import Content, by_rank, repeated
from imgeda_ci.dupes.copypairs import I8
from imgeda_ci.dupes.hashindex import I64
from imgeda_ci.dupes.orientation import FLIPS_FIELD
from imgeda_ci.dupes.search import DupeSearch
from imgeda_ci.model import ImageRecord

Kind = Literal["bytes", "pixels", "near"]
KINDS: tuple[Kind, ...] = ("bytes", "pixels", "near")


@dataclass(frozen=True)
class Group:
    """One duplicate group: ``keeper`` and ``members`` are indexes into the records given."""

    kind: Kind
    id: str  # stable: the kind and the keeper's content hash
    keeper: int
    members: tuple[tuple[int, int], ...]  # (record index, distance to the keeper), best first


@dataclass(frozen=True)
class NearOptions:
    """How near copies are matched (see :mod:`imgeda_ci.dupes.graph`)."""

    threshold: int
    dhash_threshold: int | None = None
    orientation_invariant: bool = False


def quality_key(rec: ImageRecord) -> tuple[int, int, str]:
    """Sort key, best first: most pixels, largest file, then path."""
    pixels = rec.get("pixels") or (rec.get("width") or 0) * (rec.get("height") or 0)
    return (-int(pixels or 0), -int(rec.get("size") or 0), rec.get("path", ""))


def _group_id(kind: Kind, rec: ImageRecord) -> str:
    ident = rec.get("sha256") or rec.get("pixel_sha256") or rec.get("path", "")
    return f"{kind}:{str(ident)[:16]}"


def _exact_groups(
    records: Sequence[ImageRecord], c: Content, candidates: I64, ids: I64, field: str, kind: Kind
) -> tuple[list[Group], I64]:
    """Groups of ``candidates`` sharing an id (of ``field``); returns them, best keeper first,
    and the non-keeper members (which leave the candidates)."""
    multi = by_rank(candidates[repeated(ids, candidates)], c)
    by_value: dict[int, list[int]] = defaultdict(list)
    for k, v in zip(multi.tolist(), ids[multi].tolist(), strict=True):
        by_value[v].append(k)  # best first
    groups: list[Group] = []
    members: list[int] = []
    for same in by_value.values():  # in the order of their keepers, best first
        gid = f"{kind}:{str(records[same[0]].get(field))[:16]}"
        groups.append(Group(kind, gid, same[0], tuple((k, 0) for k in same[1:])))
        members.extend(same[1:])
    return groups, np.asarray(members, dtype=np.int64)


def near_groups(
    records: Sequence[ImageRecord],
    candidates: Sequence[int] | I64,
    opts: NearOptions,
    content: Content | None = None,
    search: DupeSearch | None = None,
) -> tuple[list[Group], bool]:
    """Keeper-first near groups among ``candidates`` (see the module doc); also whether the
    matching was exact (False only for orientation matching without ``phash_flips``).
    ``search``: the run's near-pair memory and copy pairs (made here when not given)."""
    search = search if search is not None else DupeSearch()
    c = content if content is not None else search.content(records)
    cand = np.asarray(candidates, dtype=np.int64)
    items_arr = by_rank(cand[c.hashed[cand]], c)
    if len(items_arr) < 2:
        return [], True
    items = items_arr.tolist()
    g = near_graph.build(
        c.phash[items_arr],
        opts.threshold,
        dhash=c.dhash[items_arr],
        has_dhash=c.has_dhash[items_arr],
        dhash_radius=opts.dhash_threshold,
        flips=[flips_of(records[k]) for k in items] if opts.orientation_invariant else None,
        orientation_invariant=opts.orientation_invariant,
        memo=search.memo(opts.threshold),
        copy=copy_input(c, items_arr, search),
    )
    groups_of = _keeper_groups(g, items)
    groups: list[Group] = []
    rank = c.rank
    for k in sorted(groups_of):
        gid = _group_id("near", records[items[k]])
        for n, (_, members) in enumerate(groups_of[k]):
            members.sort(key=lambda m: (m[1], int(rank[m[0]])))
            groups.append(
                Group("near", gid if n == 0 else f"{gid}/{n + 1}", items[k], tuple(members))
            )
    return groups, g.exact


#: per keeper position: its groups, each (member nodes, members as (record, distance))
_KeeperGroups = dict[int, list[tuple[set[int], list[tuple[int, int]]]]]


def _keeper_groups(g: near_graph.NearGraph, items: list[int]) -> _KeeperGroups:
    """Each item (in quality order, best first) joins the closest keeper's group it fits
    (near every member), else starts a group of that keeper, else becomes a keeper."""
    keepers_of: dict[int, list[int]] = defaultdict(list)  # node -> keeper positions
    groups_of: _KeeperGroups = defaultdict(list)
    node_arr = np.asarray(g.node_of, dtype=np.int64)
    # an item whose node is near nothing and holds nothing else is a keeper of no group: only
    # the others are visited (positions are in quality order, best first)
    for pos in np.flatnonzero(g.involved[node_arr]).tolist():
        node = g.node_of[pos]
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
    return groups_of


def copy_input(c: Content, rows: I64, search: DupeSearch) -> near_graph.CopyInput:
    """The verified copy pairs and the verdicts of ``c``'s records (kept by ``search``, over all
    of them), for ``rows`` of ``c`` as graph items 0, 1, ..."""
    pics = search.pictures(c)

    def of(a: I64, b: I64, variant: I64) -> I8:
        return copypairs.classify(pics, rows[a], rows[b], variant)

    return near_graph.CopyInput(copypairs.restrict(search.copy_pairs(c), rows, c.n), of)


def flips_of(rec: Mapping[str, object]) -> str | None:
    value = rec.get(FLIPS_FIELD)  # not in the schema yet: see imgeda_ci.dupes.orientation
    return value if isinstance(value, str) else None


def find_groups(
    records: Sequence[ImageRecord], opts: NearOptions, search: DupeSearch | None = None
) -> list[Group]:
    """Byte, pixel and near duplicate groups of ``records`` (disjoint; see the module doc).
    ``search``: the run's shared content keys and near-pair memory (made here when not
    given)."""
    search = search if search is not None else DupeSearch()
    c = search.content(records)
    everyone = np.arange(c.n, dtype=np.int64)
    bytes_groups, taken = _exact_groups(records, c, everyone, c.sha, "sha256", "bytes")
    left = np.ones(c.n, dtype=np.bool_)
    left[taken] = False
    decoded = np.flatnonzero(left & c.ok)
    pixel_groups, taken = _exact_groups(records, c, decoded, c.pix, "pixel_sha256", "pixels")
    left[taken] = False
    near, _ = near_groups(records, np.flatnonzero(left), opts, c, search)
    return bytes_groups + pixel_groups + near
