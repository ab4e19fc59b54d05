"""Leakage: the same picture in two splits (train/val/test), exactly or as a near copy.

Splits come from, in order: globs in the policy (``{split: [glob, ...]}``, given to the checks
as ``ctx.extra["splits"]``), the record's ``split`` (set by the dataset-format readers), or the
first path folder naming a split (train/training, val/valid/validation/validate, test/testing;
see :mod:`imgeda_ci.dupes.splits`). Every cross-split pair with the same bytes, the same pixels,
or near each other (256-bit pHashes within the threshold, default 24 bits, or a cropped, mirrored
or rotated copy; verified on thumbnails: the same scene with objects moved is no leak; see
:mod:`imgeda_ci.checks.duplicates`) is found (:func:`imgeda_ci.dupes.find_leaks`).

One finding per image and earlier split it leaks from, counted against the image in the later
split (test after val after train): ``paths = (image, closest match in the other split)``,
``data`` = ``group``, ``keeper`` (the match), ``distance``, ``kind`` (bytes / pixels / near),
``split``, ``other_split``, ``matches`` (every match there, closest first, at most 20) and
``match_count``. Severity error with the default limit ``max_count: 0``: any leak fails, as
the policy key ``max_leakage_count`` (default 0) says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from imgeda_ci.checks.duplicates import (
    NEAR_OPTIONS,
    NEAR_READS,
    THRESHOLD_RANGE,
    near_options,
    what,
)
from imgeda_ci.checks.registry import (
    DatasetContext,
    Finding,
    check,
    shorthand,
)
from imgeda_ci.dupes import DEFAULT_THRESHOLD, find_leaks, splits_of

SPLITS_KEY = "splits"  # ctx.extra key: {split: [glob, ...]} from the policy


def _globs(ctx: DatasetContext) -> Mapping[str, Sequence[str]] | None:
    value = ctx.extra.get(SPLITS_KEY)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TypeError(f"ctx.extra[{SPLITS_KEY!r}] must map split names to lists of globs")
    return {str(k): [v] if isinstance(v, str) else list(v) for k, v in value.items()}


@check(
    "leakage",
    "image duplicated (exactly or nearly) in an earlier split: train/val/test leakage",
    kind="dataset",
    reads=("split", *NEAR_READS),
    options=NEAR_OPTIONS,
    default_threshold=DEFAULT_THRESHOLD,
    unit="bits",
    severity="error",
    threshold_range=THRESHOLD_RANGE,
    policy_keys=(
        shorthand(
            "max_leakage_count",
            sets="max_count",
            type="integer",
            minimum=0,
            description="fail when more than this many images duplicate an image of an earlier "
            "split (default 0)",
        ),
    ),
)
def leakage(
    ctx: DatasetContext, threshold: float | None, options: Mapping[str, Any]
) -> list[Finding]:
    opts = near_options(threshold, options)
    records = ctx.records
    leaks, _ = find_leaks(
        records, splits_of(records, _globs(ctx), ctx.columns()), opts, ctx.dupe_search()
    )
    out: list[Finding] = []
    for leak in leaks:
        path = records[leak.image]["path"]
        other = records[leak.other]["path"]
        more = f" (and {leak.match_count - 1} more)" if leak.match_count > 1 else ""
        ident = records[leak.other].get("sha256") or other
        out.append(
            Finding(
                "leakage",
                "error",
                (path, other),
                f"{leak.split} image is a {what(leak.kind, leak.distance, opts.threshold)} "
                f"{leak.other_split} image {other}{more}",
                score=0.0,
                value=leak.distance,
                data={
                    "group": f"leak:{str(ident)[:16]}",
                    "keeper": other,
                    "distance": leak.distance,
                    "kind": leak.kind,
                    "split": leak.split,
                    "other_split": leak.other_split,
                    "matches": [records[m]["path"] for m in leak.matches],
                    "match_count": leak.match_count,
                },
            )
        )
    return out
