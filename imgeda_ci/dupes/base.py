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

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from imgeda_ci.dupes import graph as near_graph
from imgeda_ci.dupes.groups import Kind, NearOptions, flips_of, quality_key
from imgeda_ci.dupes.leakage import KIND_RANK
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
    by_sha: dict[str, list[int]] = defaultdict(list)
    by_pixels: dict[str, list[int]] = defaultdict(list)
    for b in kept:
        r = base[b]
        if r.get("sha256"):
            by_sha[str(r["sha256"])].append(b)
        if is_ok(r) and r.get("pixel_sha256"):
            by_pixels[str(r["pixel_sha256"])].append(b)

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
    base_by_node: dict[int, list[int]] = defaultdict(list)
    pos_of_head: dict[int, int] = {}
    for p, (is_head, k) in enumerate(items):
        if is_head:
            pos_of_head[k] = p
        else:
            base_by_node[g.node_of[p]].append(k)

    out: list[BaseDuplicate] = []
    for k in new:
        rec = head[k]
        found: dict[int, tuple[int, int]] = {}

        def offer(
            b: int,
            kind: Kind,
            d: int,
            found: dict[int, tuple[int, int]] = found,
            path: str | None = rec.get("path"),
        ) -> None:
            if base[b].get("path") == path:
                return  # the previous version of a modified file
            key = (KIND_RANK[kind], d)
            if b not in found or key < found[b]:
                found[b] = key

        for b in by_sha.get(str(rec.get("sha256") or ""), ()):
            offer(b, "bytes", 0)
        if is_ok(rec):
            for b in by_pixels.get(str(rec.get("pixel_sha256") or ""), ()):
                offer(b, "pixels", 0)
        if k in pos_of_head:
            node = g.node_of[pos_of_head[k]]
            for b in base_by_node[node]:
                offer(b, "near", 0)
            for other, d in g.adj[node].items():
                for b in base_by_node[other]:
                    offer(b, "near", d)
        if found:
            best = min(found, key=lambda b: (found[b], quality_key(base[b])))
            kind = next(kd for kd, r in KIND_RANK.items() if r == found[best][0])
            out.append(BaseDuplicate(k, best, kind, found[best][1], len(found)))
    return out, g.exact


def _hashed(rec: ImageRecord) -> bool:
    return is_ok(rec) and bool(rec.get("phash"))
