"""The report's charts as Altair (Vega-Lite) specs, built from aggregated tables only.

:func:`build_charts` takes the head's :class:`ChartInput` (and the base's, to overlay) and
returns :class:`Chart` objects: an id, a title, a one-line description and the Vega-Lite spec.
The HTML report compiles them to Vega and renders them in the page; ``imgeda-ci plot`` writes
them as PNG or SVG. Every chart reads binned data (see :mod:`imgeda_ci.render.binning`), so a
100k-image manifest gives charts of the same size as a 100-image one.

This module picks each chart's data and words; :mod:`imgeda_ci.render.chart_marks` draws them
(the head filled in blue, the base outlined in amber, see there).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from imgeda_ci.render import binning
from imgeda_ci.render.binning import Array
from imgeda_ci.render.chart_marks import (
    BASE,
    BOX_COUNT_EDGES,
    HEAD,
    Ctx,
    bars,
    channels,
    class_balance,
    count_label,
    counted_bars,
    dimensions,
    hist,
    sided,
)
from imgeda_ci.render.measures import Measures

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

PAD_EDGES = (0.0, 0.001, 0.01, 0.02, 0.05, 0.1, 0.2)

#: (id, measures attribute, title, description) of the category charts
CATEGORY_CHARTS = (
    ("formats", "formats", "Formats", "Image format by content (not by extension)."),
    ("modes", "modes", "Pixel modes", "Pillow modes: RGB, L (gray), RGBA, P (palette), CMYK..."),
    (
        "cameras",
        "cameras",
        "EXIF cameras",
        "Camera make and model from EXIF, among the images that carry one.",
    ),
)


@dataclass
class ChartInput:
    """One side (head or base) of the data the charts read."""

    measures: Measures
    quality: Array  # per-image quality score, NaN when none applied
    facts: dict[str, Any] = field(default_factory=dict)  # dataset_facts(records, header)
    splits: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    group: str  # "images" or "labels"
    spec: dict[str, Any]  # Vega-Lite


#: What a chart builder yields: id, title, description, the Altair chart (None: no data), group.
_Made = tuple[str, str, str, Any, str]


@dataclass(frozen=True)
class _Sides:
    """The head, the base (when there is one) and the chart size, as the builders read them."""

    head: ChartInput
    base: ChartInput | None
    c: Ctx

    def col(self, name: str) -> dict[str, Array]:
        """Series (head, base) -> the measure column ``name``."""
        return sided(
            self.head.measures.cols[name],
            self.base.measures.cols[name] if self.base else None,
        )

    def both(self) -> dict[str, ChartInput]:
        return {HEAD: self.head} if self.base is None else {HEAD: self.head, BASE: self.base}


def _has(series: dict[str, Array]) -> bool:
    return any(np.isfinite(v).any() for v in series.values())


def _log_hist(s: _Sides, name: str, x_title: str, scale: float = 1.0, floor: float = 1e-3) -> Any:
    series = {k: np.maximum(v * scale, floor) for k, v in s.col(name).items()}
    if not _has(series):
        return None
    edges = binning.log_edges(list(series.values()), 36, floor=floor)
    if edges is None:
        return None
    return hist(binning.histogram(series, edges), s.c, x_title, log=True)


def _lin_hist(
    s: _Sides, series: dict[str, Array], lo: float, hi: float, bins: int, x_title: str
) -> Any:
    if not _has(series):
        return None
    edges = binning.linear_edges(lo, hi, bins)
    return hist(binning.histogram(series, edges), s.c, x_title)


def _pixel_charts(s: _Sides) -> Iterator[_Made]:
    """Dimensions, file size and the pixel statistics."""
    yield (
        "dimensions",
        "Dimensions",
        "Width against height (log scales); a point's area is the number of images.",
        dimensions(s.col("width"), s.col("height"), s.c),
        "images",
    )
    yield (
        "file-size",
        "File size",
        "Bytes on disk (log scale).",
        _log_hist(s, "size", "KB", 1 / 1024),
        "images",
    )
    yield (
        "aspect-ratio",
        "Aspect ratio",
        "Width / height (log scale): 1 is square, above 1 landscape, below 1 portrait.",
        _log_hist(s, "aspect", "width / height"),
        "images",
    )
    yield (
        "brightness",
        "Brightness",
        "Mean luma per image: dark images on the left, washed-out ones on the right.",
        _lin_hist(s, s.col("luma"), 0, 256, 32, "mean luma (0-255)"),
        "images",
    )
    by_channel = {"red": s.col("mean_r"), "green": s.col("mean_g"), "blue": s.col("mean_b")}
    yield (
        "channels",
        "Per-channel means",
        "Distribution of each image's mean red, green and blue (a colour cast shifts one curve).",
        channels(by_channel, s.c),
        "images",
    )
    yield (
        "sharpness",
        "Sharpness",
        "Laplacian variance at analysis size (log scale): blurred images sit on the left.",
        _log_hist(s, "sharpness", "Laplacian variance", floor=0.1),
        "images",
    )
    yield (
        "contrast",
        "Contrast",
        "Standard deviation of luma (RMS contrast): flat or faded images sit on the left.",
        _lin_hist(s, s.col("contrast"), 0, 128, 32, "luma std (0-128)"),
        "images",
    )


def _other_image_charts(s: _Sides) -> Iterator[_Made]:
    """Border padding, the category counts and the quality score."""
    pad = s.col("pad")
    if _has(pad):
        rows = binning.ordinal_histogram(pad, PAD_EDGES)
        labels = list(dict.fromkeys(r["bin"] for r in rows))
        yield (
            "border",
            "Border artifacts",
            "Largest fraction of a side covered by flat padding bars (letterbox); most images: 0.",
            bars(
                rows, s.c, category="bin", title="padded fraction", order=labels, horizontal=False
            ),
            "images",
        )
    for id_, attr, title, desc in CATEGORY_CHARTS:
        counters = {k: getattr(side.measures, attr) for k, side in s.both().items()}
        if not any(counters.values()):
            continue
        rows, _ = binning.categories(counters)
        order = list(dict.fromkeys(r["category"] for r in rows))
        chart = bars(rows, s.c, category="category", title=None, order=order, horizontal=True)
        yield id_, title, desc, chart, "images"
    q = sided(s.head.quality, s.base.quality if s.base else None)
    yield (
        "quality",
        "Quality score",
        "Product of each image's pixel-check scores (1 = no check concerned, < 0.5 = flagged).",
        _lin_hist(s, q, 0, 1.0000001, 20, "quality score"),
        "images",
    )


def _split_and_class_charts(s: _Sides) -> Iterator[_Made]:
    """Images per split and the class balance."""
    split_counts = {k: side.splits for k, side in s.both().items()}
    if any(k != "none" for cnt in split_counts.values() for k in cnt):
        rows, _ = binning.categories(split_counts, top=20)
        order = list(dict.fromkeys(r["category"] for r in rows))
        yield (
            "splits",
            "Images per split",
            "Images in each split (train, val, test; 'none' = outside any split).",
            bars(rows, s.c, category="category", title=None, order=order, horizontal=True),
            "labels",
        )
    base_classes = (s.base.facts.get("classes") or {}) if s.base is not None else None
    balance = class_balance(s.head.facts.get("classes") or {}, base_classes, s.c)
    if balance is not None:
        chart, note = balance
        desc = "Object instances per class, stacked by split"
        desc += "; the amber tick is the base's total." if s.base else "."
        yield "class-balance", "Class balance", desc + note, chart, "labels"


def _object_charts(s: _Sides) -> Iterator[_Made]:
    """Objects per image and box sizes."""
    if s.head.measures.labelled:
        rows = binning.ordinal_histogram(s.col("boxes"), BOX_COUNT_EDGES)
        for r in rows:
            r["bin"] = count_label(r["order"])
        labels = [count_label(i) for i in range(len(BOX_COUNT_EDGES))]
        yield (
            "boxes-per-image",
            "Objects per image",
            "Annotated objects per image (0 = background or unlabelled).",
            bars(rows, s.c, category="bin", title="objects", order=labels, horizontal=False),
            "labels",
        )
    hists = {k: side.facts.get("box_size_px") for k, side in s.both().items()}
    yield (
        "box-sizes",
        "Box sizes",
        "Object size as the square root of the box area, in pixels.",
        counted_bars(hists, s.c, "√(w·h) px"),
        "labels",
    )


def build_charts(
    head: ChartInput, base: ChartInput | None = None, *, width: int = 320, height: int = 170
) -> list[Chart]:
    """Every chart the data allows (a chart without data is left out)."""
    s = _Sides(head, base, Ctx(width, height, base is not None))
    out: list[Chart] = []
    for builder in (_pixel_charts, _other_image_charts, _split_and_class_charts, _object_charts):
        for id_, title, desc, chart, group in builder(s):
            if chart is not None:
                spec = chart.configure(font=FONT).configure_view(stroke=None).to_dict()
                out.append(Chart(id_, title, desc, group, spec))
    return out
