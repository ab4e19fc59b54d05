"""Images added by a change that duplicate an image already in the dataset (the base).

An image is *added* when its (path, content) pair is not in the base: a new file, or a file
whose content changed. A pure rename is not an addition: a new path whose content the base had
at a path that is gone from the head uses up that removed path (one rename per removed path,
paths in order). An added image duplicates the base when a base image *still present in the
head* (same path in both), at another path, has the same bytes, the same pixels, or a pHash
within the threshold (or is a verified cropped, mirrored or rotated copy: see
:mod:`imgeda_ci.dupes.graph`). One :class:`BaseDuplicate` per added image, naming the closest
base image
(bytes before pixels before near, then smallest distance, then best image).

This is what the diff and the pre-commit hook call: :func:`find_base_duplicates`. Near pairs come
from one sided near graph (:mod:`imgeda_ci.dupes.graph`): its index search compares a few added
images with each base image directly (vectorised), many through the exact multi-index search
restricted to added-vs-base pairs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np

from imgeda_ci.dupes import copypairs
from imgeda_ci.dupes import graph as near_graph
from imgeda_ci.dupes.content import Content, thumb_strings
from imgeda_ci.dupes.groups import Kind, NearOptions, flips_of
from imgeda_ci.dupes.hashindex import I64
from imgeda_ci.dupes.matches import KINDS, MatchIndex
from imgeda_ci.dupes.search import DupeSearch
from imgeda_ci.dupes.verdictmemo import VerdictMemo
from imgeda_ci.model import ImageRecord


@dataclass(frozen=True)
class BaseDuplicate:
    image: int  # index into the head records: the added image
    base: int  # index into the base records: the closest duplicate there
    kind: Kind
    distance: int
    match_count: int  # base images it duplicates


def added_indexes(
    head: Sequence[ImageRecord], base: Sequence[ImageRecord], search: DupeSearch | None = None
) -> list[int]:
    """Indexes of the head records a change added (see the module doc). ``search``: the run's
    shared columns."""
    search = search if search is not None else DupeSearch()
    hc, bc = search.columns(head), search.columns(base)
    hp, hs = hc.raw("path"), hc.raw("sha256")
    bp, bs = bc.raw("path"), bc.raw("sha256")
    base_pairs = set(zip(bp, bs, strict=True))
    out = [k for k, pair in enumerate(zip(hp, hs, strict=True)) if pair not in base_pairs]
    if not out:
        return out
    head_paths, base_paths = set(hp), set(bp)
    renames = Counter(s for p, s in zip(bp, bs, strict=True) if p not in head_paths)
    added = []
    for k in sorted(out, key=lambda k: hp[k] or ""):
        sha = hs[k]
        if hp[k] not in base_paths and sha and renames[sha] > 0:
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
    search: DupeSearch | None = None,
) -> tuple[list[BaseDuplicate], bool]:
    """Added head images that duplicate a base image still present (see the module doc); also
    whether near matching was exact. ``added`` defaults to :func:`added_indexes`; ``search``:
    the run's shared columns and content keys (made here when not given)."""
    search = search if search is not None else DupeSearch()
    new = list(added_indexes(head, base, search) if added is None else added)
    if not new:
        return [], True
    head_paths = set(search.columns(head).raw("path"))
    base_paths = search.columns(base).raw("path")
    kept = np.array([b for b, p in enumerate(base_paths) if p in head_paths], dtype=np.int64)
    if not kept.size:
        return [], True
    hc, bc = search.content(head), search.content(base)
    new_arr = np.asarray(new, dtype=np.int64)
    new_h = new_arr[hc.hashed[new_arr]]
    kept_h = kept[bc.hashed[kept]]
    memo = search.verdict_memo()
    near, exact = _graph_near(head, base, (hc, new_h), (bc, kept_h), opts, memo)
    return _closest(head, base, new, kept, hc, bc, near), exact


def _closest(
    head: Sequence[ImageRecord],
    base: Sequence[ImageRecord],
    new: list[int],
    kept: I64,
    hc: Content,
    bc: Content,
    near: Near,
) -> list[BaseDuplicate]:
    """One :class:`BaseDuplicate` per added image with a match among the ``kept`` base
    images: by bytes, pixels (ids among the base's) or ``near``, naming the closest."""
    sha_of = {k: bc.sha_ids.get(_text(head[k].get("sha256")), -1) for k in new}
    pix_of = {
        k: bc.pix_ids.get(_text(head[k].get("pixel_sha256")), -1) if hc.ok[k] else -1 for k in new
    }
    index = MatchIndex()  # near matches come from the search above
    index.add_content(
        bc,
        kept[np.isin(bc.sha[kept], [v for v in sha_of.values() if v >= 0])].tolist(),
        kept[np.isin(bc.pix[kept], [v for v in pix_of.values() if v >= 0])].tolist(),
    )
    out: list[BaseDuplicate] = []
    for k in new:

        def other_path(b: int, path: object = head[k].get("path")) -> bool:
            return base[b].get("path") != path  # the same path: the file's previous version

        found = index.matches(sha_of[k], pix_of[k], None, other_path, near.get(k, ()))
        if found:
            best = min(found, key=lambda b: (found[b], int(bc.rank[b])))
            kind = KINDS[found[best][0]]
            out.append(BaseDuplicate(k, best, kind, found[best][1], len(found)))
    return out


Near = dict[int, list[tuple[int, int]]]  # added head row -> [(base row, pHash distance)]


def _graph_near(
    head: Sequence[ImageRecord],
    base: Sequence[ImageRecord],
    added: tuple[Content, I64],
    kept: tuple[Content, I64],
    opts: NearOptions,
    memo: VerdictMemo,
) -> tuple[Near, bool]:
    """Every (added, kept) pair near each other, through one near graph over added (side True)
    and kept base images (side False; the index search compares a few added images with every
    base image directly); with the copy signatures, verified and extended by cropped, mirrored
    and rotated copies (:func:`imgeda_ci.dupes.graph.refine`). Also whether the matching was
    exact. ``added``, ``kept``: the head's and the base's content keys and the rows taken;
    ``memo``: the run's verdicts."""
    (hc, new_h), (bc, kept_h) = added, kept
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
        copy=_copy_input(hc, new_h, bc, kept_h, memo),
    )
    node_arr = np.asarray(g.node_of, dtype=np.int64)
    base_nodes = node_arr[len(new_h) :]
    by_node: dict[int, list[int]] = {}
    for i in np.flatnonzero(g.involved[base_nodes]).tolist():
        by_node.setdefault(int(base_nodes[i]), []).append(int(kept_h[i]))
    near: Near = {}
    for k, node in zip(new_h.tolist(), node_arr[: len(new_h)].tolist(), strict=True):
        pairs = [(b, 0) for b in by_node.get(node, ())]
        for other, d in g.adj[node].items():
            pairs.extend((b, d) for b in by_node.get(other, ()))
        if pairs:
            near[k] = pairs
    return near, g.exact


def _copy_input(
    hc: Content, new_h: I64, bc: Content, kept_h: I64, memo: VerdictMemo
) -> near_graph.CopyInput:
    """The verified copy pairs across added and kept base images (a sided search: never two
    base images against each other) and the verdicts of pairs of the graph's items (added,
    then kept base images), from the run's ``memo``: the head's evaluation has verified most
    of them already."""

    def read(items: I64) -> list[object]:
        head = items < len(new_h)
        one = iter(thumb_strings(hc, new_h[items[head]]))
        two = iter(thumb_strings(bc, kept_h[items[~head] - len(new_h)]))
        return [next(one) if h else next(two) for h in head.tolist()]

    pics = copypairs.Pictures(read, len(new_h) + len(kept_h), memo)
    side = np.zeros(len(new_h) + len(kept_h), dtype=np.bool_)
    side[: len(new_h)] = True
    sig = np.concatenate([hc.sig[new_h], bc.sig[kept_h]])
    has_sig = np.concatenate([hc.has_sig[new_h], bc.has_sig[kept_h]])
    found = copypairs.find(sig, has_sig, pics, side)
    return near_graph.CopyInput(found, partial(copypairs.classify, pics))
