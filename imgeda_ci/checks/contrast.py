"""Contrast and information: flat, faded or nearly blank images.

``low_contrast``: luma standard deviation (RMS contrast) below the threshold. Tuned on the 2,026
real photos of /work/photos (the ../shared/corpora datasets plus Debian wallpapers and OpenCV
samples) at analysis size 512: at std < 6, 33 (1.6%) are flagged: uniform gray/white/black
images and hazy aerial sea shots of yolo-ships where the ship is a few pixels on a flat sea.

``low_information``: Shannon entropy of the luma histogram below the threshold (bits): blank,
nearly solid or two-tone images. Same photos: at < 1.0 bit, 17 (0.8%) are flagged: solid
gray/white/black images, silhouettes and masks, sparse line drawings. Natural photos have 4–7.9
bits (1st percentile of natural photos ≈ 3).
"""

from __future__ import annotations

from imgeda_ci.checks._common import fmt, stat
from imgeda_ci.checks.registry import Outcome, image_check, ramp_low
from imgeda_ci.model import ImageRecord


@image_check(
    "low_contrast",
    "flat or faded: luma standard deviation (RMS contrast) below the threshold",
    reads=("stats.luma_std",),
    default_threshold=6,
    unit="luma std (0-128)",
    threshold_range=(0, 128),
)
def low_contrast(record: ImageRecord, threshold: float | None) -> Outcome | None:
    std = stat(record, "luma_std")
    if std is None or threshold is None:
        return None
    flagged = std < threshold
    score = ramp_low(std, threshold, fine=threshold * 2, worst=0.0)
    return Outcome(
        flagged, score, std, f"luma std {fmt(std)} {'<' if flagged else '>='} {fmt(threshold)}"
    )


@image_check(
    "low_information",
    "nearly blank: entropy of the luma histogram below the threshold (bits)",
    reads=("stats.entropy",),
    default_threshold=1.0,
    unit="bits (0-8)",
    threshold_range=(0, 8),
)
def low_information(record: ImageRecord, threshold: float | None) -> Outcome | None:
    ent = stat(record, "entropy")
    if ent is None or threshold is None:
        return None
    flagged = ent < threshold
    score = ramp_low(ent, threshold, fine=threshold * 3, worst=0.0)
    return Outcome(
        flagged,
        score,
        ent,
        f"luma entropy {fmt(ent)} bits {'<' if flagged else '>='} {fmt(threshold)}",
    )
