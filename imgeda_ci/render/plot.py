"""``imgeda-ci plot``: the report's charts as PNG or SVG files, rendered offline by vl-convert.

:func:`write_plots` writes one file per chart (``dimensions.png``, ``brightness.png``, ...)
into a folder and returns the paths, in the report's order.
"""

from __future__ import annotations

from pathlib import Path

from imgeda_ci.errors import UserError
from imgeda_ci.render import vega
from imgeda_ci.render.html import result_charts
from imgeda_ci.run_result import RunResult

FORMATS = ("png", "svg")
PLOT_WIDTH = 420


def write_plots(
    result: RunResult, out_dir: Path, *, fmt: str = "png", only: set[str] | None = None
) -> list[Path]:
    if fmt not in FORMATS:
        raise UserError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
    charts = result_charts(result, width=PLOT_WIDTH)
    if only:
        unknown = sorted(only - {c.id for c in charts})
        if unknown:
            known = ", ".join(c.id for c in charts)
            raise UserError(f"--only: no chart named {', '.join(unknown)} (this data has: {known})")
        charts = [c for c in charts if c.id in only]
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{out_dir}: cannot create the folder: {exc.strerror}") from None
    written = []
    for chart in charts:
        spec = {**chart.spec, "title": chart.title, "background": "white"}
        path = out_dir / f"{chart.id}.{fmt}"
        try:
            if fmt == "png":
                path.write_bytes(vega.to_png(spec))
            else:
                path.write_text(vega.to_svg(spec), encoding="utf-8")
        except OSError as exc:
            raise UserError(f"{path}: cannot write: {exc.strerror}") from None
        written.append(path)
    return written
