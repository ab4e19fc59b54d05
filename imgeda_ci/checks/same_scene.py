"""Same scene, other content: one framing with objects moved, added or removed, for information.

Pairs come from the near-copy candidates (256-bit pHashes within the threshold, or a cropped,
mirrored or rotated match of the copy signatures; see :mod:`imgeda_ci.checks.duplicates`) that
the verification on thumbnails (:mod:`imgeda_ci.dupes.verify`) finds changed in a few places
only: an object moved, added or removed, as in the shots of a detection dataset, or a caption or
watermark laid over a copy. They are not near copies (``near_duplicate``, ``leakage`` and
``duplicate_of_base`` leave them out), and this check reports them as information (severity
info, no limit): a detection dataset is made of them; a watermarked copy is one too.

One finding per image with a better image (quality order: most pixels, largest file, path) of
the same scene: ``paths = (image, that better image)``, ``data`` = ``other``, ``distance`` (the
pHash-256 distance), ``partners`` (how many better images show the scene). Records scanned
before algorithm 6 have no thumbnail this verification reads: nothing is reported for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from imgeda_ci.checks.duplicates import NEAR_READS, THRESHOLD_RANGE, near_options
from imgeda_ci.checks.registry import DatasetContext, Finding, check
from imgeda_ci.dupes import DEFAULT_THRESHOLD
from imgeda_ci.dupes.scenes import find_same_scene


@check(
    "same_scene",
    "the same scene as a better image with local changes (objects moved, added or removed, or "
    "an overlay): not a copy, reported for information",
    kind="dataset",
    reads=NEAR_READS,
    default_threshold=DEFAULT_THRESHOLD,
    unit="bits",
    severity="info",
    threshold_range=THRESHOLD_RANGE,
)
def same_scene(
    ctx: DatasetContext, threshold: float | None, options: Mapping[str, Any]
) -> list[Finding]:
    records = ctx.records
    out: list[Finding] = []
    for s in find_same_scene(records, near_options(threshold, {}), ctx.dupe_search()):
        path, other = records[s.image]["path"], records[s.other]["path"]
        more = f" (and {s.partners - 1} more)" if s.partners > 1 else ""
        out.append(
            Finding(
                "same_scene",
                "info",
                (path, other),
                f"same scene as {other}{more}, with local changes: not a copy",
                score=0.0,
                value=s.distance,
                data={"other": other, "distance": s.distance, "partners": s.partners},
            )
        )
    return out
