"""Duplicates: identical bytes, identical pixels, near copies, and copies of base images.

Computed from the manifest alone (``sha256``, ``pixel_sha256``, ``phash``, ``dhash``, sizes);
no image is read again. Groups come from :func:`imgeda_ci.dupes.find_groups`: three disjoint
kinds (bytes, then pixels among what is left, then near among what is left), each group with a
keeper (most pixels, then largest file, then first path) and formed keeper first without
chaining, so no two members of a group are farther apart than the threshold. Each non-keeper
member is one finding: ``paths = (member, keeper)``, ``data = {"group", "keeper", "distance",
"kind"}``; counts and percentages are over members, keepers never count.

Near copies: every pair of images whose 256-bit pHashes (``phash``, imagehash-compatible,
hash_size 16) differ in at most ``threshold`` bits is found, exactly (multi-index hashing,
:mod:`imgeda_ci.dupes.hashindex`; no approximate neighbours). Options: ``dhash_threshold``
additionally requires the 256-bit dHashes within that many bits (fewer matches, never more);
``orientation_invariant`` also matches rotations by 90 degrees and mirror images (exact with the
scanner's ``phash_flips`` field, approximate without: see :mod:`imgeda_ci.dupes.orientation`).

Default threshold 24 bits, chosen on real photos (``benchmarks/calibrate_near_duplicates.py``:
2,025 photos of 0.3-24 MP analysed by the real scanner; 300 of them turned into copies). Share
of copies within 24 bits of their original (pHash distance p50 / p99 / max):

- JPEG re-encode q95 / q80 / q65 / q50: 100% / 100% / 99.7% / 99.3% (2 / 18 / 26 at q50)
- resize 0.9 / 0.7 / 0.5: 100% (p99 <= 16, max 18)
- brightness +-10%: 100%; +-15%: 99.7-100% (max 26); Gaussian blur r1 / r2: 100%
- resize 0.7 + JPEG q70: 99.3%; a semi-transparent watermark text: 83% (p50 10, max 98)
- crop 1% per side: 91% (p50 16, max 40); 2% per side: 12% (p50 34); 3% one side: 8%

Different files of that corpus: median distance 128, 1st percentile 108, 0.1th percentile 92.
The 666 of 2,049,300 pairs within 24 were, in every sample looked at, copies: dataset
augmentations of one picture, a photo and its annotated version, consecutive video frames,
near-blank graphics. So 24 catches the re-encodes, resizes, tone shifts and blurs people make,
most watermarks and 1% crops, and stays ~70 bits below distinct photos. Crops of 2% per side
and more move a 256-bit pHash as much as 34-50 bits (its high frequencies shift): matching them
would need a radius where exact search over a million hashes no longer fits in 30 s on one core
(24 takes ~12 s, ``benchmarks/bench_duplicates.py``), so imgeda-ci does not promise them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from imgeda_ci.checks.registry import (
    DatasetContext,
    Finding,
    Option,
    Severity,
    check,
    shorthand,
)
from imgeda_ci.dupes import DEFAULT_THRESHOLD, NearOptions, find_base_duplicates, find_groups
from imgeda_ci.dupes.groups import Group
from imgeda_ci.model import ImageRecord

NEAR_OPTIONS: tuple[Option, ...] = (
    Option(
        "dhash_threshold",
        "integer",
        None,
        "also require the 256-bit dHashes within this many bits (unset: pHash only)",
        minimum=0,
        maximum=256,
    ),
    Option(
        "orientation_invariant",
        "boolean",
        False,
        "also match copies rotated by 90/180/270 degrees or mirrored",
    ),
)
THRESHOLD_RANGE = (0, 64)
KIND_WORDS = {
    "bytes": "byte-identical copy of",
    "pixels": "pixel-identical copy of",
    "near": "near-copy of",
}


def near_options(threshold: float | None, options: Mapping[str, Any]) -> NearOptions:
    """The matching settings of a duplicate check from its threshold and options."""
    dh = options.get("dhash_threshold")
    return NearOptions(
        threshold=int(DEFAULT_THRESHOLD if threshold is None else threshold),
        dhash_threshold=None if dh is None else int(dh),
        orientation_invariant=bool(options.get("orientation_invariant", False)),
    )


def groups_of(ctx: DatasetContext, opts: NearOptions) -> list[Group]:
    """:func:`find_groups` of the context's records, computed once per settings."""
    key = ("duplicates.groups", opts)
    cached = ctx.extra.get("duplicates.groups")
    if cached is not None and cached[0] == key and cached[1] is ctx.records:
        groups: list[Group] = cached[2]
        return groups
    groups = find_groups(ctx.records, opts, ctx.dupe_search())
    ctx.extra["duplicates.groups"] = (key, ctx.records, groups)
    return groups


def what(kind: str, d: int, threshold: int) -> str:
    """How a match is described in a message."""
    words = KIND_WORDS[kind]
    return f"{words}" if kind != "near" else f"{words} (pHash distance {d} <= {threshold})"


def _group_findings(
    check: str, severity: Severity, records: Sequence[ImageRecord], groups: list[Group], t: int
) -> list[Finding]:
    out: list[Finding] = []
    for g in groups:
        keeper = records[g.keeper]["path"]
        for member, d in g.members:
            out.append(
                Finding(
                    check,
                    severity,
                    (records[member]["path"], keeper),
                    f"{what(g.kind, d, t)} {keeper}",
                    score=0.0,
                    value=d,
                    data={
                        "group": g.id,
                        "keeper": keeper,
                        "distance": d,
                        "kind": g.kind,
                        "group_size": len(g.members) + 1,
                    },
                )
            )
    return out


@check(
    "duplicate_exact",
    "byte-identical copy of another image (same SHA-256); the keeper does not count",
    kind="dataset",
    reads=("sha256", "path", "pixels", "size"),
    options=(),
    severity="warning",
    policy_keys=(
        shorthand(
            "max_duplicate_pct",
            checks=("duplicate_exact", "duplicate_pixels"),
            sets="max_pct",
            minimum=0,
            maximum=100,
            description="fail when more than this % of images duplicate another one (imgeda)",
        ),
    ),
)
def duplicate_exact(
    ctx: DatasetContext, threshold: float | None, options: Mapping[str, Any]
) -> list[Finding]:
    groups = [g for g in groups_of(ctx, near_options(None, {})) if g.kind == "bytes"]
    return _group_findings("duplicate_exact", "warning", ctx.records, groups, 0)


@check(
    "duplicate_pixels",
    "same decoded pixels as another image but different bytes; the keeper does not count",
    kind="dataset",
    reads=("pixel_sha256", "sha256", "path", "pixels", "size"),
    options=(),
    severity="warning",
)
def duplicate_pixels(
    ctx: DatasetContext, threshold: float | None, options: Mapping[str, Any]
) -> list[Finding]:
    groups = [g for g in groups_of(ctx, near_options(None, {})) if g.kind == "pixels"]
    return _group_findings("duplicate_pixels", "warning", ctx.records, groups, 0)


@check(
    "near_duplicate",
    "near-copy of another image: 256-bit pHash within the threshold (every pair found)",
    kind="dataset",
    reads=("phash", "dhash", "sha256", "pixel_sha256", "path", "pixels", "size"),
    options=NEAR_OPTIONS,
    default_threshold=DEFAULT_THRESHOLD,
    unit="bits",
    severity="warning",
    threshold_range=THRESHOLD_RANGE,
    policy_keys=(
        shorthand(
            "max_near_duplicate_pct",
            sets="max_pct",
            minimum=0,
            maximum=100,
            description="fail when more than this % of images are near-copies of another (keepers "
            "excluded)",
        ),
    ),
)
def near_duplicate(
    ctx: DatasetContext, threshold: float | None, options: Mapping[str, Any]
) -> list[Finding]:
    opts = near_options(threshold, options)
    groups = [g for g in groups_of(ctx, opts) if g.kind == "near"]
    return _group_findings("near_duplicate", "warning", ctx.records, groups, opts.threshold)


@check(
    "duplicate_of_base",
    "image added by the change duplicates (exactly or nearly) an image already in the base",
    kind="dataset",
    reads=("sha256", "pixel_sha256", "phash", "dhash", "path", "pixels", "size"),
    options=NEAR_OPTIONS,
    default_threshold=DEFAULT_THRESHOLD,
    unit="bits",
    severity="warning",
    threshold_range=THRESHOLD_RANGE,
)
def duplicate_of_base(
    ctx: DatasetContext, threshold: float | None, options: Mapping[str, Any]
) -> list[Finding]:
    if ctx.base is None:
        return []
    opts = near_options(threshold, options)
    dupes, _ = find_base_duplicates(
        ctx.records,
        ctx.base,
        opts,
        search=ctx.dupe_search(),
    )
    out: list[Finding] = []
    for dup in dupes:
        path = ctx.records[dup.image]["path"]
        other = ctx.base[dup.base]["path"]
        more = f" (and {dup.match_count - 1} more)" if dup.match_count > 1 else ""
        out.append(
            Finding(
                "duplicate_of_base",
                "warning",
                (path, other),
                f"added image is a {what(dup.kind, dup.distance, opts.threshold)} {other}, "
                f"already in the dataset{more}",
                score=0.0,
                value=dup.distance,
                data={
                    "group": f"base:{ctx.base[dup.base].get('sha256') or other}"[:21],
                    "keeper": other,
                    "distance": dup.distance,
                    "kind": dup.kind,
                    "match_count": dup.match_count,
                },
            )
        )
    return out
