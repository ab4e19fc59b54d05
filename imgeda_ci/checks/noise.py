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
have a median of 0.08. The default, noise > 3.0, flags 1.2% of the real photos (24 of 2,026);
they are a subset of the 38 (1.9%) flagged at 2.0, which were a noise test image and a
random-pattern image from opencv-doc, grainy shots (a dark forest wallpaper, an old Fujifilm
sample), a painted-grain wallpaper in three sizes, and, for the most part (31), pictures covered
edge to edge with fine detail that reads as noise at 512: small voc-raccoon web photos of fur and
grass, sea surface in yolo-ships thumbnails, foliage, a sheet of handwritten digits. Since most
flags at 2.0 were such detail, the default is the stricter 3.0: a false alarm costs more than a
miss. Recall at 3.0 on the planted noise (all sizes): sigma 10 0.82, sigma 15 0.95, sigma 20
0.98, sigma 25 0.99, salt and pepper on 2% of pixels 0.996; sigma 5 (mostly removed by the JPEG
quantisation) 0.02 and sparse salt and pepper (0.5%) 0.03. On photos over 1,024 px, reduced 2-4
times to 512, planted noise of sigma 10 is mostly averaged away and rarely flagged, as it is
hardly visible at that size.
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
    default_threshold=3.0,
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
