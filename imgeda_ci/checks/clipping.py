"""Clipped highlights: images with a large share of the picture blown to white.

``overexposed`` (:mod:`imgeda_ci.checks.exposure`) flags a washed-out picture, one whose darkest
5% are bright; a blown-out picture (a gain or exposure error that saturates the highlights,
``v * 2.5 + 40`` clipped at 255) keeps its shadows and is missed there. This check reads
``stats.clip.high[3]`` (:mod:`imgeda_ci.scan.clipping`): the share of luma pixels at the
analysis size within 4 levels of white (251-255), and flags it above the threshold.

Tuned with benchmarks/bench_quality.py: 300 photos of /work/photos (seed 0) blown out at full
resolution (``v * gain + offset`` clipped at 255 for 2.5x+40, 2x+50, 3x and 1.5x+90; JPEG quality
90) and the 2,025 readable real photos of /work/photos as they are (1,339 from the corpora, the
rest wallpapers and documentation images), all scanned at 512. Where the transform took at least
half of the picture to white (the source's median luma maps to 251 or more: 160-203 of the 300 per
transform), recall at > 0.3 is 0.935, 0.958, 0.931 and 0.969 (0.955-0.975 with ``overexposed``).
Over all 300 it is 0.61-0.69: a dim photo (yolo-ships' sea at luma 30-60) under ``v * 2.5 + 40``
becomes a normal grey one, blown nowhere but its highlights. The rule before this check
(``overexposed``, p5 > 190) caught 0.29-0.34 of them (0.47-0.53 of the half-blown ones).

Real images flagged at 0.3: 126 (6.22%): 5 of the 1,339 photos of the corpora (0.37%: a raccoon cut
out on white, an advertising banner and a blue square on white, a warship and a patrol boat under a
white, partly blown sky) and 121 Debian images, 113 of them screenshots, charts, diagrams and
documents on a white ground from opencv-doc, 8 light wallpapers. A white ground is clipped by
construction, and no histogram tells it from a blown sky: the share of blown pixels per channel (a
gain clips colour channels unequally, a white ground clips them together) cut the images flagged to
a sixth but nearly halved the recall, and the darkest percentile or the entropy, as a second
condition, left more than 4% of the real images flagged. So a dataset of documents, screenshots or
cut-out product shots on white should raise the threshold or turn the check off (``checks:
{clipped_highlights: off}``); for photos, 0.3 flags a picture a third blown or more. Crushed
shadows (``stats.clip.low``) are measured but not judged: night skies, silhouettes and black
grounds are large and legitimate (at 30% of luma crushed, 4.1% of the real images would be
flagged), brightness x0.12-0.25 crushes 30% of the picture in only 0.09-0.21 of the planted photos,
and ``dark`` (:mod:`imgeda_ci.checks.exposure`) catches all of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from imgeda_ci.checks.options import Option
from imgeda_ci.checks.ramps import ramp_high
from imgeda_ci.checks.registry import Judged, check
from imgeda_ci.checks.results import fmt, nowhere, number
from imgeda_ci.columns import Columns

HIGH_LUMA = "stats.clip.high[3]"
RIM = "stats.clip.rim"
#: default of the ``min_rim`` option (see the module doc)
MIN_RIM = 0.7


@check(
    "clipped_highlights",
    "blown out: the share of the picture at or near white (luma 251-255) is above the threshold",
    kind="image",
    reads=(HIGH_LUMA, RIM),
    default_threshold=0.3,
    unit="share of luma at 251-255 (0-1)",
    threshold_range=(0, 1),
    options=(
        Option(
            "min_rim",
            "number",
            MIN_RIM,
            "only when at least this share of the blown area's rim is bright (>= 200): a blown "
            "area fades out, a white ground behind ink ends at once (0: every blown image)",
            minimum=0,
            maximum=1,
        ),
    ),
)
def clipped_highlights(
    cols: Columns, threshold: float | None, options: Mapping[str, Any]
) -> Judged:
    if threshold is None:
        return nowhere(cols)
    blown = cols.measure(HIGH_LUMA)
    rim = cols.measure(RIM)
    min_rim = float(options.get("min_rim", MIN_RIM))
    faded = np.isnan(rim) | (rim >= min_rim)  # unmeasured: judged on the share alone
    score = np.where(faded, ramp_high(blown, threshold, fine=threshold * 0.5, worst=1.0), 1.0)

    def message(i: int) -> str:
        return f"{fmt(100 * blown[i])}% of luma blown (251-255) > {fmt(100 * threshold)}%"

    return Judged(~np.isnan(blown), (blown > threshold) & faded, score, number(blown), message)
