"""The Vega-Lite marks the report's charts are made of, over binned rows (see
:mod:`imgeda_ci.render.binning`); :mod:`imgeda_ci.render.charts` picks the data and the words.

Style: the head (this change) is drawn filled in blue, the base outlined in amber; with a base,
the y axis is the share of each side's images so datasets of different sizes compare. Colours
of text and axes are left to the page's theme (light or dark) at render time.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from imgeda_ci.render import binning
from imgeda_ci.render.binning import Array, Rows

HEAD, BASE = "head", "base"
HEAD_COLOR = "#3b82f6"
BASE_COLOR = "#f59e0b"
CHANNEL_COLORS = {"red": "#ef4444", "green": "#22c55e", "blue": "#3b82f6"}
BOX_COUNT_EDGES = (0.0, 1, 2, 3, 4, 5, 6, 8, 11, 16, 21, 51)
MAX_CLASSES = 30


@dataclass(frozen=True)
class Ctx:
    """The size of a chart, and whether a base is overlaid."""

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


def hist(rows: Rows, c: Ctx, x_title: str, *, log: bool = False, height: int = 0) -> Any:
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


def bars(
    rows: Rows, c: Ctx, *, category: str, title: str | None, order: list[str], horizontal: bool
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


def sided(head: Array, base: Array | None) -> dict[str, Array]:
    return {HEAD: head} if base is None else {HEAD: head, BASE: base}


def dimensions(w: dict[str, Array], h: dict[str, Array], c: Ctx) -> Any:
    """Width against height on log scales, a histogram of each on the margins."""
    alt = _alt()
    pts = binning.dimension_points({k: (w[k], h[k]) for k in w})
    we = binning.log_edges(list(w.values()), 30, floor=1.0)
    he = binning.log_edges(list(h.values()), 30, floor=1.0)
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
    if c.has_base:
        layers.append(
            alt.Chart(_data(base_pts))
            .mark_point(shape="circle", filled=False, color=BASE_COLOR, strokeWidth=1.5)
            .encode(x=x, y=y, size=size, tooltip=tooltip)
        )
    scatter = alt.layer(*layers).properties(width=side, height=side)
    top = _marginal(w, we, c, side, vertical=False)
    right = _marginal(h, he, c, side, vertical=True)
    return alt.vconcat(top, alt.hconcat(scatter, right, spacing=4), spacing=4).resolve_scale(
        x="independent", y="independent"
    )


def _marginal(series: dict[str, Array], edges: Array, c: Ctx, side: int, *, vertical: bool) -> Any:
    """The histogram on a margin of :func:`dimensions`: above it, or right of it (vertical)."""
    alt = _alt()
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
    if c.has_base:
        lay.append(
            alt.Chart(_data(base))
            .mark_bar(fillOpacity=0, stroke=BASE_COLOR, strokeWidth=1.2)
            .encode(**enc)
        )
    dims = {"width": 48, "height": side} if vertical else {"width": side, "height": 48}
    return alt.layer(*lay).properties(**dims)


def _log_axis(domain: list[float]) -> Any:
    return _alt().Axis(format="~s", values=binning.log_ticks(domain[0], domain[1]))


def channels(by_channel: dict[str, dict[str, Array]], c: Ctx) -> Any:
    """One line per colour channel (``red``, ``green``, ``blue``): the histogram of the
    images' means; the base dashed."""
    alt = _alt()
    edges = binning.linear_edges(0, 256, 32)
    rows: Rows = []
    for ch, series in by_channel.items():
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


def class_balance(
    classes: dict[str, Any], base_classes: dict[str, Any] | None, c: Ctx
) -> tuple[Any, str] | None:
    """Instances per class stacked by split (the largest :data:`MAX_CLASSES`), a tick at the
    base's total; and a note on the classes left out."""
    alt = _alt()
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
    if base_classes is not None:
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


def counted_bars(hists: dict[str, Any], c: Ctx, title: str) -> Any:
    """A histogram dataset_facts already counted (box sizes): series (head, base) -> its
    ``{"edges", "counts"}`` (or None)."""
    hist = hists[HEAD]
    if not hist or not sum(hist["counts"]):
        return None
    edges = hist["edges"]
    labels = [
        f"{binning.fmt_num(a)} – {binning.fmt_num(z)}" if z is not None else f"≥ {a:g}"
        for a, z in itertools.pairwise(edges)
    ]
    rows: Rows = []
    for name, side in hists.items():
        counts = (side or {}).get("counts") or [0] * len(labels)
        total = max(sum(counts), 1)
        for i, label in enumerate(labels):
            n = counts[i] if i < len(counts) else 0
            rows.append(
                {"series": name, "bin": label, "n": n, "share": round(100.0 * n / total, 3)}
            )
    return bars(rows, c, category="bin", title=title, order=labels, horizontal=False)


def count_label(i: int) -> str:
    e = BOX_COUNT_EDGES
    if i == len(e) - 1:
        return f"{int(e[i])}+"
    lo, hi = int(e[i]), int(e[i + 1]) - 1
    return str(lo) if lo == hi else f"{lo}-{hi}"
