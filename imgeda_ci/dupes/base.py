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

import numpy as np

from imgeda_ci.dupes import graph as near_graph
from imgeda_ci.dupes.content import Content, content_of
from imgeda_ci.dupes.groups import Kind, NearOptions, flips_of
from imgeda_ci.dupes.matches import KINDS, MatchIndex
from imgeda_ci.model import ImageRecord


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
    out = [
        k for k, rec in enumerate(head) if (rec.get("path"), rec.get("sha256")) not in base_pairs
    ]
    if not out:
        return out
    head_paths = {r.get("path") for r in head}
    base_paths = {r.get("path") for r in base}
    renames = Counter(r.get("sha256") for r in base if r.get("path") not in head_paths)
    added = []
    for k in sorted(out, key=lambda k: head[k].get("path", "")):
        rec = head[k]
        sha = rec.get("sha256")
        if rec.get("path") not in base_paths and sha and renames[sha] > 0:
            renames[sha] -= 1  # a rename of a removed path, not an addition
            continue
        added.append(k)
    return sorted(added)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def find_base_duplicates(
    head: Sequence[ImageRecord],
    base: Sequence[ImageRecord],
    opts: NearOptions,
    added: Sequence[int] | None = None,
    *,
    head_content: Content | None = None,
    base_content: Content | None = None,
) -> tuple[list[BaseDuplicate], bool]:
    """Added head images that duplicate a base image still present (see the module doc); also
    whether near matching was exact. ``added`` defaults to :func:`added_indexes`; the contents
    (:func:`~imgeda_ci.dupes.content.content_of`) are made when not given."""
    new = list(added_indexes(head, base) if added is None else added)
    if not new:
        return [], True
    head_paths = {r.get("path") for r in head}
    kept = np.array([b for b, r in enumerate(base) if r.get("path") in head_paths], dtype=np.int64)
    if not kept.size:
        return [], True
    hc = head_content if head_content is not None else content_of(head)
    bc = base_content if base_content is not None else content_of(base)
    new_arr = np.asarray(new, dtype=np.int64)

    # near: one graph over added (side True) and kept base images (side False)
    new_h = new_arr[hc.hashed[new_arr]]
    kept_h = kept[bc.hashed[kept]]
    flips = None
    if opts.orientation_invariant:
        flips = [flips_of(head[k]) for k in new_h.tolist()]
        flips += [flips_of(base[b]) for b in kept_h.tolist()]
    side = np.zeros(len(new_h) + len(kept_h), dtype=np.bool_)
    side[: len(new_h)] = True
    g = near_graph.build(
        np.concatenate([hc.phash[new_h], bc.phash[kept_h]]),
        opts.threshold,
        side=side,
        dhash=np.concatenate([hc.dhash[new_h], bc.dhash[kept_h]]),
        has_dhash=np.concatenate([hc.has_dhash[new_h], bc.has_dhash[kept_h]]),
        dhash_radius=opts.dhash_threshold,
        flips=flips,
        orientation_invariant=opts.orientation_invariant,
    )
    node_arr = np.asarray(g.node_of, dtype=np.int64)
    head_node = dict(zip(new_h.tolist(), node_arr[: len(new_h)].tolist(), strict=True))
    # the added images' content, as ids among the base's
    sha_of = {k: bc.sha_ids.get(_text(head[k].get("sha256")), -1) for k in new}
    pix_of = {
        k: bc.pix_ids.get(_text(head[k].get("pixel_sha256")), -1) if hc.ok[k] else -1 for k in new
    }
    index = MatchIndex(g)
    index.add_content(
        bc,
        kept[np.isin(bc.sha[kept], [v for v in sha_of.values() if v >= 0])].tolist(),
        kept[np.isin(bc.pix[kept], [v for v in pix_of.values() if v >= 0])].tolist(),
    )
    base_nodes = node_arr[len(new_h) :]
    near = np.flatnonzero(g.involved[base_nodes])
    for b, node in zip(kept_h[near].tolist(), base_nodes[near].tolist(), strict=True):
        index.by_node[node].append(b)

    out: list[BaseDuplicate] = []
    for k in new:

        def other_path(b: int, path: object = head[k].get("path")) -> bool:
            return base[b].get("path") != path  # the same path: the file's previous version

        found = index.matches(sha_of[k], pix_of[k], head_node.get(k), other_path)
        if found:
            best = min(found, key=lambda b: (found[b], int(bc.rank[b])))
            kind = KINDS[found[best][0]]
            out.append(BaseDuplicate(k, best, kind, found[best][1], len(found)))
    return out, g.exact
