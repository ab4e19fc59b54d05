"""The report's charts as Altair (Vega-Lite) specs, built from aggregated tables only.

:func:`build_charts` takes the head's :class:`ChartInput` (and the base's, to overlay) and
returns :class:`Chart` objects: an id, a title, a one-line description and the Vega-Lite spec.
The HTML report compiles them to Vega and renders them in the page; ``imgeda-ci plot`` writes
them as PNG or SVG. Every chart reads binned data (see :mod:`imgeda_ci.render.binning`), so a
100k-image manifest gives charts of the same size as a 100-image one.

Style: the head (this change) is drawn filled in blue, the base outlined in amber; with a base,
the y axis is the share of each side's images so datasets of different sizes compare. Colours
of text and axes are left to the page's theme (light or dark) at render time.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from imgeda_ci.render import binning
from imgeda_ci.render.binning import Array, Rows
from imgeda_ci.render.measures import Measures

HEAD, BASE = "head", "base"
HEAD_COLOR = "#3b82f6"
BASE_COLOR = "#f59e0b"
CHANNEL_COLORS = {"red": "#ef4444", "green": "#22c55e", "blue": "#3b82f6"}
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

PAD_EDGES = (0.0, 0.001, 0.01, 0.02, 0.05, 0.1, 0.2)
BOX_COUNT_EDGES = (0.0, 1, 2, 3, 4, 5, 6, 8, 11, 16, 21, 51)
MAX_CLASSES = 30


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


@dataclass(frozen=True)
class _Ctx:
    width: int
    height: int
    has_base: bool

    @property
    def y_field(self) -> str:
        return "share" if self.has_base else "n"

    @property
    def y_title(self) -> str:
        return "% of images" if self.has_base else "images"


def _alt() -> Any:
    import altair as alt

    return alt


def _data(rows: Rows) -> Any:
    return _alt().Data(values=rows)


def _split(rows: Rows) -> tuple[Rows, Rows]:
    return [r for r in rows if r["series"] == HEAD], [r for r in rows if r["series"] == BASE]


def _hist(rows: Rows, c: _Ctx, x_title: str, *, log: bool = False, height: int = 0) -> Any:
    """Bars over [x0, x1): the head filled, the base outlined."""
    alt = _alt()
    head, base = _split(rows)
    scale = alt.Scale(type="log") if log else alt.Scale(zero=False, nice=False)
    axis = alt.Axis(format="~s", grid=False)
    if rows:
        lo, hi = min(r["x0"] for r in rows), max(r["x1"] for r in rows)
        scale.domain = [lo, hi]
        if log:
            axis = alt.Axis(format="~s", grid=False, values=binning.log_ticks(lo, hi))
    enc = {
        "x": alt.X("x0:Q", scale=scale, title=x_title, axis=axis),
        "x2": alt.X2("x1:Q"),
        "y": alt.Y(f"{c.y_field}:Q", title=c.y_title),
        "y2": alt.datum(0),
        "tooltip": [
            alt.Tooltip("range:N", title=x_title),
            alt.Tooltip("n:Q", title="images"),
            alt.Tooltip("share:Q", title="%", format=".1f"),
            alt.Tooltip("series:N"),
        ],
    }
    layers = [alt.Chart(_data(head)).mark_bar(color=HEAD_COLOR, opacity=0.85).encode(**enc)]
    if c.has_base:
        layers.append(
            alt.Chart(_data(base))
            .mark_bar(fillOpacity=0, stroke=BASE_COLOR, strokeWidth=1.5)
            .encode(**enc)
        )
    return alt.layer(*layers).properties(width=c.width, height=height or c.height)


def _bars(
    rows: Rows, c: _Ctx, *, category: str, title: str | None, order: list[str], horizontal: bool
) -> Any:
    """Category counts: head and base side by side."""
    alt = _alt()
    color = alt.Color(
        "series:N",
        scale=alt.Scale(domain=[HEAD, BASE], range=[HEAD_COLOR, BASE_COLOR]),
        legend=None,
    )
    cat_enc = (alt.Y if horizontal else alt.X)(
        f"{category}:N", sort=order, title=title, axis=alt.Axis(labelLimit=180)
    )
    val_enc = (alt.X if horizontal else alt.Y)(f"{c.y_field}:Q", title=c.y_title)
    enc: dict[str, Any] = {
        "color": color,
        "tooltip": [
            alt.Tooltip(f"{category}:N", title=title or category),
            alt.Tooltip("n:Q", title="images"),
            alt.Tooltip("share:Q", title="%", format=".1f"),
            alt.Tooltip("series:N"),
        ],
    }
    if horizontal:
        enc.update(y=cat_enc, x=val_enc)
    else:
        enc.update(x=cat_enc, y=val_enc)
    if c.has_base:
        offset = alt.YOffset if horizontal else alt.XOffset
        enc["yOffset" if horizontal else "xOffset"] = offset("series:N", sort=[HEAD, BASE])
    chart = alt.Chart(_data(rows)).mark_bar().encode(**enc)
    step = 9 if c.has_base else 15
    if horizontal:
        return chart.properties(width=c.width - 80, height=alt.Step(step))
    return chart.properties(width=c.width, height=c.height)


def _sided(head: Array, base: Array | None) -> dict[str, Array]:
    return {HEAD: head} if base is None else {HEAD: head, BASE: base}


def _dimensions(h: ChartInput, b: ChartInput | None, c: _Ctx) -> Any:
    alt = _alt()
    w = _sided(h.measures.cols["width"], b.measures.cols["width"] if b else None)
    hh = _sided(h.measures.cols["height"], b.measures.cols["height"] if b else None)
    pts = binning.dimension_points({k: (w[k], hh[k]) for k in w})
    we = binning.log_edges(list(w.values()), 30, floor=1.0)
    he = binning.log_edges(list(hh.values()), 30, floor=1.0)
    if we is None or he is None:
        return None
    side = max(c.width - 95, 160)
    xs = alt.Scale(type="log", domain=[float(we[0]) / 1.2, float(we[-1]) * 1.2])
    ys = alt.Scale(type="log", domain=[float(he[0]) / 1.2, float(he[-1]) * 1.2])
    tooltip = [
        alt.Tooltip("w:Q", title="width", format=".0f"),
        alt.Tooltip("h:Q", title="height", format=".0f"),
        alt.Tooltip("n:Q", title="images"),
        alt.Tooltip("series:N"),
    ]
    size = alt.Size("n:Q", scale=alt.Scale(range=[16, 420]), legend=None)
    head_pts, base_pts = _split(pts)
    x = alt.X("w:Q", scale=xs, title="width (px)", axis=_log_axis(xs.domain))
    y = alt.Y("h:Q", scale=ys, title="height (px)", axis=_log_axis(ys.domain))
    layers = [
        alt.Chart(_data(head_pts))
        .mark_circle(color=HEAD_COLOR, opacity=0.65)
        .encode(x=x, y=y, size=size, tooltip=tooltip)
    ]
    if b is not None:
        layers.append(
            alt.Chart(_data(base_pts))
            .mark_point(shape="circle", filled=False, color=BASE_COLOR, strokeWidth=1.5)
            .encode(x=x, y=y, size=size, tooltip=tooltip)
        )
    scatter = alt.layer(*layers).properties(width=side, height=side)

    def marginal(series: dict[str, Array], edges: Array, vertical: bool) -> Any:
        rows = binning.histogram(series, edges)
        head, base = _split(rows)
        scale = alt.Scale(type="log", domain=[float(edges[0]) / 1.2, float(edges[-1]) * 1.2])
        pos, pos2 = ("y", "y2") if vertical else ("x", "x2")
        val = "x" if vertical else "y"
        enc = {
            pos: alt.X("x0:Q", scale=scale, axis=None)
            if not vertical
            else alt.Y("x0:Q", scale=scale, axis=None),
            pos2: alt.X2("x1:Q") if not vertical else alt.Y2("x1:Q"),
            val: (alt.X if vertical else alt.Y)(f"{c.y_field}:Q", axis=None),
            val + "2": alt.datum(0),
            "tooltip": [alt.Tooltip("range:N", title="px"), alt.Tooltip("n:Q", title="images")],
        }
        lay = [alt.Chart(_data(head)).mark_bar(color=HEAD_COLOR, opacity=0.85).encode(**enc)]
        if b is not None:
            lay.append(
                alt.Chart(_data(base))
                .mark_bar(fillOpacity=0, stroke=BASE_COLOR, strokeWidth=1.2)
                .encode(**enc)
            )
        dims = {"width": 48, "height": side} if vertical else {"width": side, "height": 48}
        return alt.layer(*lay).properties(**dims)

    top = marginal(w, we, vertical=False)
    right = marginal(hh, he, vertical=True)
    return alt.vconcat(top, alt.hconcat(scatter, right, spacing=4), spacing=4).resolve_scale(
        x="independent", y="independent"
    )


def _log_axis(domain: list[float]) -> Any:
    return _alt().Axis(format="~s", values=binning.log_ticks(domain[0], domain[1]))


def _channels(h: ChartInput, b: ChartInput | None, c: _Ctx) -> Any:
    alt = _alt()
    edges = binning.linear_edges(0, 256, 32)
    rows: Rows = []
    for ch, key in (("red", "mean_r"), ("green", "mean_g"), ("blue", "mean_b")):
        series = _sided(h.measures.cols[key], b.measures.cols[key] if b else None)
        if not any(np.isfinite(v).any() for v in series.values()):
            continue
        for r in binning.histogram(series, edges):
            rows.append({**r, "channel": ch, "x": (r["x0"] + r["x1"]) / 2})
    if not rows:
        return None
    enc: dict[str, Any] = {
        "x": alt.X("x:Q", title="mean of the channel (0-255)", scale=alt.Scale(domain=[0, 256])),
        "y": alt.Y(f"{c.y_field}:Q", title=c.y_title),
        "color": alt.Color(
            "channel:N",
            scale=alt.Scale(domain=list(CHANNEL_COLORS), range=list(CHANNEL_COLORS.values())),
            legend=alt.Legend(orient="top", title=None),
        ),
        "tooltip": [
            alt.Tooltip("channel:N"),
            alt.Tooltip("range:N", title="mean"),
            alt.Tooltip("n:Q", title="images"),
            alt.Tooltip("series:N"),
        ],
    }
    if c.has_base:
        enc["strokeDash"] = alt.StrokeDash(
            "series:N", scale=alt.Scale(domain=[HEAD, BASE], range=[[1, 0], [4, 3]]), legend=None
        )
        enc["detail"] = alt.Detail("series:N")
    return (
        alt.Chart(_data(rows))
        .mark_line(strokeWidth=1.8)
        .encode(**enc)
        .properties(width=c.width, height=c.height)
    )


def _class_balance(h: ChartInput, b: ChartInput | None, c: _Ctx) -> tuple[Any, str] | None:
    alt = _alt()
    classes: dict[str, Any] = h.facts.get("classes") or {}
    if not classes:
        return None
    ranked = sorted(classes, key=lambda k: (-classes[k]["instances_total"], k))
    keep = ranked[:MAX_CLASSES]
    rows: Rows = []
    for name in keep:
        for split, n in sorted(classes[name]["instances"].items()):
            rows.append({"class": name, "split": split, "n": n})
    enc = {
        "y": alt.Y("class:N", sort=keep, title=None, axis=alt.Axis(labelLimit=160)),
        "x": alt.X("n:Q", title="instances"),
        "color": alt.Color("split:N", legend=alt.Legend(orient="top", title=None)),
        "tooltip": [alt.Tooltip("class:N"), alt.Tooltip("split:N"), alt.Tooltip("n:Q")],
    }
    layers = [alt.Chart(_data(rows)).mark_bar().encode(**enc)]
    if b is not None:
        base_classes: dict[str, Any] = b.facts.get("classes") or {}
        base_rows = [
            {"class": k, "n": base_classes[k]["instances_total"]} for k in keep if k in base_classes
        ]
        layers.append(
            alt.Chart(_data(base_rows))
            .mark_tick(color=BASE_COLOR, thickness=2.5)
            .encode(
                y=alt.Y("class:N", sort=keep),
                x=alt.X("n:Q"),
                tooltip=[alt.Tooltip("class:N"), alt.Tooltip("n:Q", title="base instances")],
            )
        )
    more = len(ranked) - len(keep)
    note = f" ({more} smaller classes not shown)" if more > 0 else ""
    chart = alt.layer(*layers).properties(width=c.width - 80, height=alt.Step(14))
    return chart, note


def _facts_hist(h: ChartInput, b: ChartInput | None, key: str, c: _Ctx, title: str) -> Any:
    """A histogram dataset_facts already counted (box sizes), head and base."""
    hist = h.facts.get(key)
    if not hist or not sum(hist["counts"]):
        return None
    edges = hist["edges"]
    labels = [
        f"{binning.fmt_num(a)} – {binning.fmt_num(z)}" if z is not None else f"≥ {a:g}"
        for a, z in itertools.pairwise(edges)
    ]
    rows: Rows = []
    sides = [(HEAD, h)] + ([(BASE, b)] if b is not None else [])
    for name, side in sides:
        counts = (side.facts.get(key) or {}).get("counts") or [0] * len(labels)
        total = max(sum(counts), 1)
        for i, label in enumerate(labels):
            n = counts[i] if i < len(counts) else 0
            rows.append(
                {"series": name, "bin": label, "n": n, "share": round(100.0 * n / total, 3)}
            )
    return _bars(rows, c, category="bin", title=title, order=labels, horizontal=False)


def build_charts(
    head: ChartInput, base: ChartInput | None = None, *, width: int = 320, height: int = 170
) -> list[Chart]:
    """Every chart the data allows (a chart without data is left out)."""
    c = _Ctx(width, height, base is not None)
    hm, bm = head.measures, base.measures if base else None
    out: list[Chart] = []

    def col(name: str) -> dict[str, Array]:
        return _sided(hm.cols[name], bm.cols[name] if bm else None)

    def has(series: dict[str, Array]) -> bool:
        return any(np.isfinite(v).any() for v in series.values())

    def add(id_: str, title: str, desc: str, chart: Any, group: str = "images") -> None:
        if chart is not None:
            spec = chart.configure(font=FONT).configure_view(stroke=None).to_dict()
            out.append(Chart(id_, title, desc, group, spec))

    def log_hist(name: str, x_title: str, scale: float = 1.0, floor: float = 1e-3) -> Any:
        series = {k: np.maximum(v * scale, floor) for k, v in col(name).items()}
        if not has(series):
            return None
        edges = binning.log_edges(list(series.values()), 36, floor=floor)
        if edges is None:
            return None
        return _hist(binning.histogram(series, edges), c, x_title, log=True)

    def lin_hist(series: dict[str, Array], lo: float, hi: float, bins: int, x_title: str) -> Any:
        if not has(series):
            return None
        edges = binning.linear_edges(lo, hi, bins)
        return _hist(binning.histogram(series, edges), c, x_title)

    add(
        "dimensions",
        "Dimensions",
        "Width against height (log scales); a point's area is the number of images.",
        _dimensions(head, base, c),
    )
    add("file-size", "File size", "Bytes on disk (log scale).", log_hist("size", "KB", 1 / 1024))
    add(
        "aspect-ratio",
        "Aspect ratio",
        "Width / height (log scale): 1 is square, above 1 landscape, below 1 portrait.",
        log_hist("aspect", "width / height"),
    )
    add(
        "brightness",
        "Brightness",
        "Mean luma per image: dark images on the left, washed-out ones on the right.",
        lin_hist(col("luma"), 0, 256, 32, "mean luma (0-255)"),
    )
    add(
        "channels",
        "Per-channel means",
        "Distribution of each image's mean red, green and blue (a colour cast shifts one curve).",
        _channels(head, base, c),
    )
    add(
        "sharpness",
        "Sharpness",
        "Laplacian variance at analysis size (log scale): blurred images sit on the left.",
        log_hist("sharpness", "Laplacian variance", floor=0.1),
    )
    add(
        "contrast",
        "Contrast",
        "Standard deviation of luma (RMS contrast): flat or faded images sit on the left.",
        lin_hist(col("contrast"), 0, 128, 32, "luma std (0-128)"),
    )
    pad = col("pad")
    if has(pad):
        rows = binning.ordinal_histogram(pad, PAD_EDGES)
        labels = list(dict.fromkeys(r["bin"] for r in rows))
        add(
            "border",
            "Border artifacts",
            "Largest fraction of a side covered by flat padding bars (letterbox); most images: 0.",
            _bars(rows, c, category="bin", title="padded fraction", order=labels, horizontal=False),
        )
    sides = {HEAD: hm} if bm is None else {HEAD: hm, BASE: bm}
    for id_, title, desc, attr in (
        ("formats", "Formats", "Image format by content (not by extension).", "formats"),
        (
            "modes",
            "Pixel modes",
            "Pillow modes: RGB, L (gray), RGBA, P (palette), CMYK...",
            "modes",
        ),
        (
            "cameras",
            "EXIF cameras",
            "Camera make and model from EXIF, among the images that carry one.",
            "cameras",
        ),
    ):
        counters = {k: getattr(m, attr) for k, m in sides.items()}
        if not any(counters.values()):
            continue
        rows, _ = binning.categories(counters)
        order = list(dict.fromkeys(r["category"] for r in rows))
        add(id_, title, desc, _bars(rows, c, category="category", title=None, order=order,
                                    horizontal=True))  # fmt: skip
    q = _sided(head.quality, base.quality if base else None)
    add(
        "quality",
        "Quality score",
        "Product of each image's pixel-check scores (1 = no check concerned, < 0.5 = flagged).",
        lin_hist(q, 0, 1.0000001, 20, "quality score"),
    )
    # --- splits and labels
    split_counts = {HEAD: head.splits} if base is None else {HEAD: head.splits, BASE: base.splits}
    if any(k != "none" for cnt in split_counts.values() for k in cnt):
        rows, _ = binning.categories(split_counts, top=20)
        order = list(dict.fromkeys(r["category"] for r in rows))
        add(
            "splits",
            "Images per split",
            "Images in each split (train, val, test; 'none' = outside any split).",
            _bars(rows, c, category="category", title=None, order=order, horizontal=True),
            group="labels",
        )
    balance = _class_balance(head, base, c)
    if balance is not None:
        chart, note = balance
        desc = "Object instances per class, stacked by split"
        desc += "; the amber tick is the base's total." if base else "."
        add("class-balance", "Class balance", desc + note, chart, group="labels")
    if hm.labelled:
        boxes = col("boxes")
        rows = binning.ordinal_histogram(boxes, BOX_COUNT_EDGES)
        for r in rows:
            r["bin"] = _count_label(r["order"])
        labels = [_count_label(i) for i in range(len(BOX_COUNT_EDGES))]
        add(
            "boxes-per-image",
            "Objects per image",
            "Annotated objects per image (0 = background or unlabelled).",
            _bars(rows, c, category="bin", title="objects", order=labels, horizontal=False),
            group="labels",
        )
    add(
        "box-sizes",
        "Box sizes",
        "Object size as the square root of the box area, in pixels.",
        _facts_hist(head, base, "box_size_px", c, "√(w·h) px"),
        group="labels",
    )
    return out


def _count_label(i: int) -> str:
    e = BOX_COUNT_EDGES
    if i == len(e) - 1:
        return f"{int(e[i])}+"
    lo, hi = int(e[i]), int(e[i + 1]) - 1
    return str(lo) if lo == hi else f"{lo}-{hi}"
