"""Noise: grain from the sensor or from compression, judged on ``stats.noise`` at analysis size.

``stats.noise`` (:mod:`imgeda_ci.scan.noise`) is Immerkaer's fast noise estimate of luma at the
scan's analysis size, per 16 px block, discounted where the residual is texture rather than noise
(white noise responds alike to the mask with its taps 1 and 2 px apart; detail does not), and
its 10th percentile over the blocks: noise covers the whole picture, detail only part of it.
White Gaussian noise of sigma s at the analysis size measures about 0.86 s; a clean smooth
picture under 0.1. The threshold is calibrated for the default analysis size (512 px): the
reduction to it averages noise away, so a manifest scanned at another size needs another one.

Tuned on the 2,026 real photos that ``../shared/bench/get-photos.sh`` gathers (../shared/corpora
plus Debian wallpapers and OpenCV samples) at 512, as they are and with noise planted at full
resolution in the 1,950 of them up to 2,048 px (Gaussian, sigma 5-25 per RGB channel, or salt
and pepper; saved as JPEG quality 90); ``benchmarks/tune_noise.py`` prints the table. Real photos
have a median of 0.08. Texture that fills the frame reads as noise at 512: at 3.0, 24 real
photos (1.2%) were flagged, 10 of them voc-raccoon web photos of fur and grass (5% of that
dataset), and at 2.0, 38; so the default is 6.5, where 6 (0.3%) are flagged: OpenCV's noise test
image (37.7) and random-pattern image (10.2), a sheet of handwritten digits (13.4) and three
128 px yolo-ships thumbnails of sea surface (10.5), and no voc-raccoon photo (their highest is
6.35). A false alarm costs more than a miss. Recall at 6.5 on planted noise in photos up to
1,024 px (reduced little or not at all): sigma 15 0.84, sigma 20 0.94, sigma 25 0.98; sigma 10
(0.02), sigma 5 and salt and pepper (0.21 at 2% of pixels) are mostly missed. In photos over
1,024 px the reduction to 512 averages planted noise away and it is not flagged (it is hardly
visible at that size either). Lower the threshold (3.0: sigma 10 recall 0.82) for datasets
without fine texture.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from imgeda_ci.checks.ramps import ramp_high
from imgeda_ci.checks.registry import Judged, check, shorthand
from imgeda_ci.checks.results import fmt, nowhere, number
from imgeda_ci.columns import Columns


@check(
    "noisy",
    "grainy: estimated noise sigma of luma at analysis size above the threshold",
    kind="image",
    reads=("stats.noise",),
    default_threshold=6.5,
    unit="noise sigma at 512 px (luma 0-255)",
    threshold_range=(0, None),
    policy_keys=(
        shorthand(
            "max_noisy_pct",
            sets="max_pct",
            minimum=0,
            maximum=100,
            description="fail when more than this % of images are noisy",
        ),
    ),
)
def noisy(cols: Columns, threshold: float | None, options: Mapping[str, Any]) -> Judged:
    if threshold is None:
        return nowhere(cols)
    noise = cols.measure("stats.noise")
    score = ramp_high(noise, threshold, fine=threshold / 2, worst=threshold * 4)

    def message(i: int) -> str:
        return f"noise {fmt(noise[i])} > {fmt(threshold)}"

    return Judged(~np.isnan(noise), noise > threshold, score, number(noise), message)
