"""The self-contained HTML report: one file, no network, light and dark, printable.

:func:`render_html` turns a :class:`~imgeda_ci.run_result.RunResult` into one HTML page:

- the verdict first (pass/fail, the policy rows, what the change introduced and resolved);
- distributions as Vega charts (binned in Python, see :mod:`imgeda_ci.render.charts`), the
  base overlaid when there is one, with the Vega runtime inlined once;
- duplicate groups and a gallery of flagged images with small embedded thumbnails (only when
  ``images_root`` is given and readable);
- a searchable, sortable, paginated table of every image (gzip + base64 column data, see
  :mod:`imgeda_ci.render.table_data`).

Safety: every string from the data goes through Jinja's autoescaping or, inside ``<script>``
elements, :func:`imgeda_ci.render.safe.script_json`; the page's Content-Security-Policy allows
only its own two inline scripts (by hash), ``data:`` images and no connections at all, so even a
missed escape could neither run a script nor reach the network.

The output is deterministic: the same result gives the same bytes, unless a ``timestamp`` is
passed (the CLI adds one only with ``--timestamp``).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from imgeda_ci import __version__
from imgeda_ci.evaluate import Evaluation
from imgeda_ci.formats.facts import dataset_facts
from imgeda_ci.model import ImageRecord, ManifestHeader
from imgeda_ci.render import report_data, safe, templates, vega
from imgeda_ci.render.charts import Chart, ChartInput, build_charts
from imgeda_ci.render.measures import measures
from imgeda_ci.render.ranking import repo_path, scan_root, shown_message
from imgeda_ci.render.table_data import pack, table_columns
from imgeda_ci.render.thumbs import Thumbnailer
from imgeda_ci.run_result import RunResult

#: Thumbnails per page: flagged images and duplicate-group members together.
THUMBNAIL_BUDGET = 120
CHART_WIDTH = 290


def chart_input(
    records: list[ImageRecord], header: ManifestHeader | None, evaluation: Evaluation | None
) -> ChartInput:
    quality = np.array(
        [np.nan if q is None else q for q in (evaluation.quality if evaluation else [])],
        dtype=np.float64,
    )
    splits = Counter(str(r.get("split") or "none") for r in records)
    facts = dataset_facts(records, dict(header) if header else None)
    return ChartInput(measures(records), quality, facts, splits)


def result_charts(result: RunResult, *, width: int = CHART_WIDTH) -> list[Chart]:
    """The charts of a run: head, with the base overlaid when there is one."""
    head = chart_input(result.records, result.header, result.evaluation)
    base = None
    if result.base_records is not None:
        base = chart_input(result.base_records, result.base_header, result.base_evaluation)
    return build_charts(head, base, width=width)


def _page_spec(chart: Chart) -> dict[str, Any]:
    spec = dict(chart.spec)
    spec.pop("$schema", None)  # a URL the page never needs
    return spec


def _summary(result: RunResult) -> dict[str, Any]:
    ev = result.evaluation
    recs = result.records
    flagged = {f.path for f in ev.findings if f.paths and f.waived is None}
    errors = sum(1 for r in recs if r.get("error"))
    q = ev.quality_summary()
    return {
        "images": len(recs),
        "errors": errors,
        "flagged": len(flagged),
        "flagged_pct": 100.0 * len(flagged) / len(recs) if recs else 0.0,
        "bytes": report_data.human_bytes(sum(max(0, r.get("size") or 0) for r in recs)),
        "quality_median": q.get("median"),
        "quality_low": q.get("below_0_5", 0),
        **_scan_summary(result.header or {}),
        "policy": result.policy.source,
        "mode": result.mode,
        "strict": result.strict,
        "failed": len(result.verdict.failed),
        "warned": len(result.verdict.warned),
    }


def _scan_summary(header: ManifestHeader | dict[str, Any]) -> dict[str, Any]:
    """What the manifest header says about the scan: root, depth, dataset format, classes."""
    settings = header.get("settings") or {}
    dataset = header.get("dataset") or {}
    classes = [c.get("name") for c in dataset.get("classes", ()) if isinstance(c, dict)]
    return {
        "root": header.get("root"),
        "depth": settings.get("depth"),
        "format": dataset.get("format"),
        "classes": len(classes),
    }


def render_html(
    result: RunResult, *, images_root: Path | None = None, timestamp: str | None = None
) -> str:
    """The report of ``result`` as one self-contained HTML page (see the module doc)."""
    records = {r["path"]: r for r in result.records}
    thumbs = Thumbnailer(images_root, budget=THUMBNAIL_BUDGET)
    charts = result_charts(result)
    specs = {c.id: _page_spec(c) for c in charts}
    root = scan_root(result)
    duplicates, duplicate_total = report_data.duplicate_groups(result, records, thumbs)
    gallery = report_data.gallery(result, records, thumbs, root)
    table = table_columns(
        result.records,
        result.evaluation.quality_of(),
        result.evaluation.findings,
        report_data.change_kinds(result),
        root,
    )
    runtime = safe.script_text(vega.runtime_js())
    app = safe.script_text(templates.asset("report.js"))
    csp = "; ".join(
        [
            "default-src 'none'",
            "img-src data:",
            "style-src 'unsafe-inline'",
            # Vega compiles its expressions with Function(): 'unsafe-eval' is needed, and
            # nothing but these two scripts can run
            f"script-src {safe.csp_hash(runtime)} {safe.csp_hash(app)} 'unsafe-eval'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )
    limits = report_data.sorted_limits(result.verdict.limits)
    context = {
        "result": result,
        "root": root,
        "summary": _summary(result),
        "limits_open": [r for r in limits if r.status != "pass"],
        "limits_pass": [r for r in limits if r.status == "pass"],
        "change": report_data.change(result),
        "charts": [c for c in charts if c.group == "images"],
        "label_charts": [c for c in charts if c.group == "labels"],
        "duplicates": duplicates,
        "duplicate_total": duplicate_total,
        "gallery": gallery,
        "thumbnails": thumbs.enabled,
        "has_base": result.has_base,
        "timestamp": timestamp,
        "version": __version__,
        "vega_version": vega.versions()["vega"],
        "css": templates.asset("report.css"),
        "csp": csp,
        "runtime_js": runtime,
        "app_js": app,
        "specs_json": safe.script_json(specs),
        "table_data": pack(table),
        "table_rows": table["rows"],
    }
    env = templates.environment()
    env.filters["repo"] = repo_path
    env.filters["message"] = shown_message
    html: str = env.get_template("report.html.j2").render(**context)
    return html
