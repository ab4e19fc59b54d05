"""Images added by a change that duplicate an image already in the dataset (the base).

An image is *added* when its (path, content) pair is not in the base: a new file, or a file
whose content changed. A pure rename is not an addition: a new path whose content the base had
at a path that is gone from the head uses up that removed path (one rename per removed path,
paths in order). An added image duplicates the base when a base image *still present in the
head* (same path in both), at another path, has the same bytes, the same pixels, or a pHash
within the threshold. One :class:`BaseDuplicate` per added image, naming the closest base image
(bytes before pixels before near, then smallest distance, then best image).

This is what the diff and the pre-commit hook call: :func:`find_base_duplicates`. Its cost for a
few added images is one comparison with each base image (vectorised); for many, the exact
multi-index search of :mod:`imgeda_ci.dupes.hashindex` restricted to added-vs-base pairs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from imgeda_ci.dupes import graph as near_graph
from imgeda_ci.dupes.groups import Kind, NearOptions, flips_of, quality_key
from imgeda_ci.dupes.matches import KINDS, MatchIndex
from imgeda_ci.model import ImageRecord, is_ok


@dataclass(frozen=True)
class BaseDuplicate:
    image: int  # index into the head records: the added image
    base: int  # index into the base records: the closest duplicate there
    kind: Kind
    distance: int
    match_count: int  # base images it duplicates


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
    g = near_graph.build(
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
