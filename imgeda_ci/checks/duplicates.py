"""Duplicates: identical bytes, identical pixels, near copies, and copies of base images.

Computed from the manifest alone (``sha256``, ``pixel_sha256``, ``phash``, ``dhash``,
``copysig``, ``thumb``, sizes); no image is read again. Groups come from
:func:`imgeda_ci.dupes.find_groups`: three disjoint kinds (bytes, then pixels among what is left,
then near among what is left), each group with a keeper (most pixels, then largest file, then
first path) and formed keeper first without chaining, so every two members of a group are near
each other. Each non-keeper member is one finding: ``paths = (member, keeper)``, ``data =
{"group", "keeper", "distance", "kind"}``; counts and percentages are over members, keepers never
count.

Near copies (:mod:`imgeda_ci.dupes.graph`), two ways to be a candidate, one verification:

- 256-bit pHashes (``phash``, imagehash-compatible, hash_size 16) within ``threshold`` bits, every
  such pair found exactly (multi-index hashing, :mod:`imgeda_ci.dupes.hashindex`);
- cropped, mirrored and rotated copies: the whole image's 64-bit sign hash, in its canonical
  orientation, within 5 bits of the whole or of one of ten crops (2.5-5% off every side, one
  side or two sides at a corner) of the other image (``copysig``, :mod:`imgeda_ci.dupes.copies`),
  every such pair found exactly too;
- each candidate pair whose records carry thumbnails (``thumb``, 64x64 band-limited luma, scan
  algorithm 7) is then verified (:mod:`imgeda_ci.dupes.verify`): aligned under its rotation and a
  crop of up to 5% per side, the residual of a fit that absorbs sub-pixel shifts, scale, blur and
  tone judged pixel by pixel. A uniform change (re-encode, resize, tone, blur, crop) is a copy and
  reported here; a change in a few places (an object added, removed or moved: the same scene with
  other content, as in a detection dataset; a watermark) is not a copy, and ``same_scene`` (severity
  info) reports it; another picture is nothing. Records scanned before algorithm 7 are re-analysed
  on the first run.

``distance`` stays the pHash-256 distance, so a verified crop or rotation may be farther than the
threshold (its message says so). Options: ``dhash_threshold`` additionally requires the 256-bit
dHashes within that many bits (fewer matches, never more); ``orientation_invariant`` also
matches pHash-256 pairs under rotations and mirrors (exact with ``phash_flips``); cropped,
mirrored and rotated copies are found without it.

Measured by ``benchmarks/bench_nearcopy.py`` (150 real photos of ``/work/photos``, one copy per
transform, every image analysed by the real scanner; BEFORE = pHash-256 within 24, nothing
verified (scan algorithm 4); AFTER = a candidate verified as a copy; imagededup = its 64-bit
pHash within 10 bits; fastdup, from the issue: finds crops and flips, rotations 2 in 25).
Recall, before -> after (imagededup):

- re-encode q70 / resize 0.5 / brightness +15% / -15% / blur r2: 0.993 / 0.993 / 0.993 / 0.993
  / 0.993 -> 0.993 / 0.993 / 0.973 / 0.993 / 0.993 (0.993 / 0.993 / 0.987 / 0.993 / 0.993)
- crop per side 1% / 3% / 5%: 0.887 / 0.047 / 0.007 -> 0.987 / 0.960 / 0.967 (0.993 / 0.933 /
  0.567)
- crop of one side 1% / 3% / 5%: 0.993 / 0.113 / 0.007 -> 0.993 / 0.960 / 0.980 (0.993 / 0.980 /
  0.907); 5% off two sides at a corner: 0 -> 0.987 (0.560)
- mirror / flip / rotation 90 / 180 / 270: 0 -> 0.980 each (0 each); rotation 90 + crop 3% per
  side: 0 -> 0.953 (0)
- semi-transparent watermark text: 0.813 -> 0.220 as a near copy; 0.673 more are reported by
  ``same_scene`` (0.893 found in all; imagededup 0.973): text laid over a picture is a local
  change, like an object put into it, and the verification cannot tell the two apart.

Issue 18 asks >= 0.95 of every crop up to 5% per side and every turn, with a precision of 0.99
on a same-scene set: every such transform is at 0.953 or more (the lowest, a turn with a 3% crop;
two of the 150 photos are near-flat, so 0.987 is the ceiling there), at 0.993 precision (the
settings and how they were chosen are in :mod:`imgeda_ci.dupes.verify`). imagededup's 64-bit
pHash finds a few more brightened, 1% and one-side 3% crops (0.987 / 0.993 / 0.980 against
0.973 / 0.987 / 0.960) and watermarks, but it does not tell the same scene from a copy: on
the same-scene set below its precision is 0.032 (4,374 pairs of different shots within its 10
bits, against 145 of the 150 planted copies).

Same scene, other content (10 real photos as backgrounds x 30 shots, twelve chess-piece-like
objects of 2-7% of the side, each shaded to stand out from its background, one or two moved, or
one added or removed, between shots, every shot a new picture; 9,750 pairs of different shots,
none a copy, plus 150 planted copies of shots): before, 636 shot pairs were near copies and
precision was 0.147; after, 2,146 shot pairs are candidates, 2,145 of them verified as the same
scene and 1 as a copy (its only change lies in the strip the planted copy's crop cuts off),
against 147 of the 150 planted copies: precision 0.993 (the 32x32 verifier of scan algorithm 5
on a like set: 0.734).

Distinct photos (all 2,026 images of ``/work/photos``; the folder holds real copies too: video
frames, dataset augmentations): 1,352 candidate pairs, 800 verified as copies, 546 as the same
scene, 6 as different pictures. Against scan algorithm 5 (950 copies), the verification of
algorithm 6 took out 135 drone-video frames with people walking (coco-person-detection), 30
OpenCV documentation pictures against the same picture with keypoints, axes or lines drawn on
it, 11 pairs of different boats on open water (all the false copies of algorithm 5), 6 frames of
a boot animation and 4 EXIF orientation samples with another digit drawn on; algorithm 7's
thumbnail and the verifier's tone terms and second look put back 15 (mostly drone frames a few
frames apart, a wallpaper at two aspect ratios). A light object added to a dark picture is now a
change (51 of 150 such pairs were copies, 4 now: :mod:`imgeda_ci.dupes.verify`).

What it costs: the copy signature and thumbnail add ~2.6 KB to a manifest line (124 characters
and, compressed, a median of 2,490 on real photos); the copy search over a million signatures
takes 12 CPU seconds (1.95x the 256-bit search; ``benchmarks/bench_duplicates.py``); the
verification ~1.8 ms of CPU per distinct candidate pair of pictures (``benchmarks/
bench_verify.py``, session 10: 1.3 ms for a copy, 4.2 ms for a pair the first look does not call
a copy, looked at four times; 3.3 ms in session 9). A dataset with as many copies as
/work/photos (0.92 candidate pairs per image in an evaluation) has ~900,000 candidate pairs at
a million images: ~28 CPU minutes for the first evaluation. After it, each pair of pictures is
verified once: ``ci`` shares the verdicts between the head and the base
(:mod:`imgeda_ci.dupes.verdictmemo`) and keeps them for the next run in the verdict file beside
its manifest (:mod:`imgeda_ci.dupes.verdictfile`), as the dataset pre-commit hook does, so a
pull request verifies only the pairs its change made. Images with the same signature (identical
files) are searched once (:func:`imgeda_ci.dupes.copies.candidates`).

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
near-blank graphics. So 24 catches the re-encodes, resizes, tone shifts and blurs people make
and stays ~70 bits below distinct photos; crops move a 256-bit pHash 34-50 bits (its high
frequencies shift), which is why crops come from the 64-bit copy signature instead (the
verification is what keeps its looser candidates precise).

What is promised: every pair within the threshold (pHash-256) or within 5 bits (copy signature,
see :mod:`imgeda_ci.dupes.copies`) is a candidate, exactly; a candidate is reported when it
verifies as a copy. What is not: a change smaller than about a third of a thumbnail pixel (~1%
of the side) or within 5% of the border (a crop explains it) is not seen as local; a watermark
or caption is a local change (most watermarked copies are reported by ``same_scene``, not
here); two near-flat pictures (sky, water) are at most the same scene.
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
from imgeda_ci.dupes import (
    DEFAULT_THRESHOLD,
    NearOptions,
    content,
    find_base_duplicates,
    find_groups,
)
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
#: what the near-copy searches read: the content keys (:mod:`imgeda_ci.dupes.content`) and the
#: thumbnails that verify a candidate
NEAR_READS = (*content.FIELDS, "thumb")
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
    if kind != "near":
        return words
    if d <= threshold:
        return f"{words} (pHash distance {d} <= {threshold})"
    return f"{words} (cropped, mirrored or rotated: verified on thumbnails; pHash distance {d})"


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
    "near-copy of another image: 256-bit pHash within the threshold, or a cropped, mirrored or "
    "rotated copy (every candidate pair found, each verified on thumbnails)",
    kind="dataset",
    reads=NEAR_READS,
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
    reads=NEAR_READS,
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
