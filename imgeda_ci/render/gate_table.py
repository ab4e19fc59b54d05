"""Plain-text tables for the terminal: the gate's verdict, per-image findings, the check list."""

from __future__ import annotations

from collections.abc import Sequence

from imgeda_ci.checks.registry import Check
from imgeda_ci.evaluate import Evaluation, FindingResult
from imgeda_ci.verdict import LimitResult, Verdict

_MARK = {"pass": "pass", "fail": "FAIL", "warn": "warn", "info": "info", "skipped": "skip"}


def table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> list[str]:
    """Left-aligned columns separated by two spaces; the last column is not padded."""
    allrows = [list(header), *[list(r) for r in rows]]
    widths = [max(len(r[i]) for r in allrows) for i in range(len(header))]
    out = []
    for r in allrows:
        cells = [c.ljust(widths[i]) if i < len(r) - 1 else c for i, c in enumerate(r)]
        out.append("  ".join(cells).rstrip())
    return out


def _threshold(r: LimitResult) -> str:
    return "" if r.threshold is None else f"{r.threshold:g}"


def _samples(r: LimitResult, n: int = 3) -> str:
    if not r.samples:
        return ""
    more = r.count - min(n, len(r.samples))
    text = ", ".join(r.samples[:n])
    return text + (f" (+{more} more)" if more > 0 else "")


def gate_lines(verdict: Verdict, *, show_passing: bool = True) -> list[str]:
    """The verdict as lines of text: one row per limit, then the outcome."""
    pol = verdict.evaluation.policy
    src = pol.source or "built-in defaults (no -p given; 'imgeda-ci checks' lists them)"
    lines = [f"imgeda-ci gate: {verdict.total} images, policy {src}"]
    rows = [
        _limit_row(r)
        for r in sorted(verdict.limits, key=lambda r: _STATUS_ORDER[r.status])
        if show_passing or r.status != "pass"
    ]
    lines += table(rows, ["status", "check", "severity", "threshold", "observed", "allowed",
                          "sample paths"])  # fmt: skip
    q = verdict.evaluation.quality_summary()
    if q.get("images"):
        lines.append(
            f"quality: mean {q['mean']:.3f}, median {q['median']:.3f}, 5th percentile "
            f"{q['p5']:.3f}; {q['below_0_5']} images below 0.5"
        )
    lines += _notes(verdict)
    lines.append(_outcome(verdict))
    return lines


_STATUS_ORDER = {"fail": 0, "warn": 1, "info": 2, "skipped": 3, "pass": 4}


def _limit_row(r: LimitResult) -> list[str]:
    """One limit's row of the gate table."""
    name = r.name + (f" [{r.scope}]" if r.scope else "")
    note = ""
    if r.kind == "image" and r.images and r.checked == 0:
        note = " (not measured)"
    return [
        _MARK[r.status],
        name,
        r.severity,
        _threshold(r),
        r.observed + note,
        r.allowed,
        _samples(r),
    ]


def _notes(verdict: Verdict) -> list[str]:
    """Waivers that matched nothing, and how many findings were waived."""
    lines = []
    ev = verdict.evaluation
    for w, hits in zip(ev.policy.waivers, ev.waiver_hits, strict=True):
        if hits == 0:
            lines.append(
                f"note: waiver (line {w.line}) for {', '.join(w.checks)} on "
                f"{', '.join(w.globs)} matched no finding; remove it"
            )
    waived = sum(1 for f in verdict.findings if f.waived is not None)
    if waived:
        lines.append(f"waived: {waived} findings")
    return lines


def _outcome(verdict: Verdict) -> str:
    """``PASSED`` or ``FAILED`` and why."""
    nfail, nwarn = len(verdict.failed), len(verdict.warned)
    if verdict.passed:
        extra = f" ({nwarn} warnings)" if nwarn else ""
        return f"PASSED{extra}"
    why = f"{nfail} failed" + (f", {nwarn} warnings (--strict)" if verdict.strict and nwarn else "")
    return f"FAILED: {why}"


def findings_lines(evaluation: Evaluation, findings: Sequence[FindingResult]) -> list[str]:
    """Findings grouped per image (the ``check`` command)."""
    quality = evaluation.quality_of()
    by_path: dict[str, list[FindingResult]] = {}
    for f in findings:
        by_path.setdefault(f.path, []).append(f)
    rows = []
    for path in sorted(by_path):
        q = quality.get(path)
        qtext = "" if q is None else f"{q:.2f}"
        for j, f in enumerate(by_path[path]):
            msg = f.message + (f" [waived: {f.waived}]" if f.waived is not None else "")
            rows.append([path or "(dataset)" if j == 0 else "", qtext if j == 0 else "",
                         f.check, f.severity, msg])  # fmt: skip
    lines = table(rows, ["path", "quality", "check", "severity", "message"])
    images = len([p for p in by_path if p])
    lines.append(f"{len(findings)} findings on {images} of {evaluation.total} images")
    return lines


def checks_lines(checks: Sequence[Check]) -> list[str]:
    rows = []
    for c in checks:
        default = "" if c.default_threshold is None else f"{c.default_threshold:g}"
        if default and c.unit:
            default += f" {c.unit}"
        rows.append([c.id, c.kind, c.severity, default, c.description])
    return table(rows, ["check", "kind", "severity", "default", "description"])
