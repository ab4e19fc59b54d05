"""Markdown for people: the sticky PR comment and the job summary, from ``comment.md.j2``.

Both show the verdict, the checks that did not pass, what the change introduced and resolved (or
the top findings when there is no base), and a link to the HTML report. They lead with what
failed: a table of the failing checks (errors first), then one of the warnings; a failing check is
always named, whatever the size budget leaves. (There is no chart: a pie of findings by check
folded failing checks into "other" and gave its biggest slice to a warning.) All text from the
dataset goes through :func:`~imgeda_ci.render.escape.md_text`.

Size limits hold for any dataset: GitHub refuses comments over 65,536 characters and job
summaries over 1 MiB. The number of rows per section is bounded, long paths and messages are
shortened, and when a render is still too large it is redone with fewer rows (then none), with a
note saying so; a final cut at a line boundary is the last resort.

The comment starts with :data:`MARKER` so that ``imgeda-ci comment`` finds and updates its own
comment instead of adding one per push. The report link sits between :data:`REPORT_START` and
:data:`REPORT_END` so that the poster can replace it with the artifact's URL once it is known.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from imgeda_ci import __version__
from imgeda_ci.render.causes import Cause
from imgeda_ci.render.escape import md_code
from imgeda_ci.render.markdown_rows import (
    Budget,
    Checks,
    Section,
    check_tables,
    plural,
    sections,
)
from imgeda_ci.render.ranking import (
    ANNOTATIONS_PER_SEVERITY,
    annotation_counts,
    ranked_causes,
    scan_root,
)
from imgeda_ci.run_result import RunResult

MARKER = "<!-- imgeda-ci -->"
REPORT_START = "<!-- imgeda-ci:report -->"
REPORT_END = "<!-- /imgeda-ci:report -->"
COMMENT_LIMIT = 65536
SUMMARY_LIMIT = 1 << 20


COMMENT_BUDGETS = (
    Budget(25, 60, 100, 160),
    Budget(10, 40, 80, 120),
    Budget(5, 20, 60, 80),
    Budget(0, 10, 40, 60),
)
SUMMARY_BUDGETS = (
    Budget(200, 200, 200, 300),
    Budget(100, 100, 160, 200),
    Budget(25, 60, 100, 160),
    Budget(0, 10, 40, 60),
)


@dataclass
class _View:
    icon: str
    title: str
    facts: str
    diff_line: str
    checks: Checks
    sections: list[Section]
    annotations_line: str
    report_line: str
    version: str = __version__
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _template() -> Any:
    import jinja2

    from imgeda_ci.render.templates import template_root

    text = template_root().joinpath("comment.md.j2").read_text(encoding="utf-8")
    env = jinja2.Environment(
        autoescape=False,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.from_string(text)


def _title(result: RunResult) -> tuple[str, str]:
    v = result.verdict
    if v.passed:
        warn = f" ({plural(len(v.warned), 'warning')})" if v.warned else ""
        return "✅", f"passed{warn}"
    parts = []
    if v.failed:
        parts.append(plural(len(v.failed), "check") + " failed")
    if v.strict and v.warned:
        parts.append(plural(len(v.warned), "warning") + " (strict)")
    return "❌", "policy failed: " + ", ".join(parts)


def _facts(result: RunResult) -> str:
    pol = result.policy
    src = f"`{md_code(pol.source, 80)}`" if pol.source else "built-in defaults"
    bits = [f"**{plural(result.verdict.total, 'image')}**", f"policy {src}"]
    if result.has_base:
        bits.append(f"mode `{md_code(result.mode)}`")
    q = result.evaluation.quality_summary()
    if q.get("images"):
        bits.append(f"median quality {q['median']:.2f}")
    waived = sum(1 for f in result.evaluation.findings if f.waived is not None)
    if waived:
        bits.append(f"{plural(waived, 'finding')} waived")
    return " · ".join(bits)


def _diff_line(result: RunResult) -> str:
    d = result.diff
    if d is None:
        return ""
    changes = (
        f"+{len(d.added):,} added, −{len(d.removed):,} removed, {len(d.modified):,} modified, "
        f"{len(d.renamed):,} renamed"
    )
    return (
        f"Compared with the base: {changes}. This change **introduced "
        f"{plural(len(result.introduced), 'finding')}** and resolved "
        f"{len(result.resolved):,}; {len(result.existing):,} existed before."
    )


_URL_UNSAFE = re.compile(r"[^A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]")


def safe_url(url: str) -> str | None:
    """``url`` percent-encoded for a Markdown link target, or None when it is not http(s)."""
    if not re.match(r"^https?://[^\s/]", url):
        return None
    quoted = _URL_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), url)
    return quoted.replace("(", "%28").replace(")", "%29")


def report_line(report_url: str | None, artifact: str = "imgeda-ci-report") -> str:
    """The report link between its markers (see the module doc)."""
    url = safe_url(report_url) if report_url else None
    if url:
        inner = f"📄 [Open the full HTML report]({url})"
    else:
        inner = (
            f"📄 The full HTML report is attached to the workflow run as the artifact "
            f"`{md_code(artifact)}`."
        )
    # Each marker on a line of its own: a line that starts with ``<!--`` opens a CommonMark HTML
    # block that runs to the end of the line holding ``-->``, so a link on the marker's line
    # would be shown as literal Markdown. On the next line it is a paragraph of its own.
    return f"{REPORT_START}\n{inner}\n{REPORT_END}"


def _annotations_line(top: Sequence[Cause], per_severity: int) -> str:
    counts = annotation_counts(top, per_severity=per_severity)
    parts = [
        f"{shown:,} of {total:,} {sev}s" for sev, (shown, total) in counts.items() if total > shown
    ]
    if not parts:
        return ""
    return (
        "Annotations show the first "
        + ", ".join(parts)
        + " (GitHub shows at most "
        + f"{per_severity} per severity per step); the rest are listed here and in the report."
    )


def _view(
    result: RunResult,
    b: Budget,
    report_url: str | None,
    *,
    annotations: int | None,
    top: Sequence[Cause],
) -> _View:
    root = scan_root(result)
    icon, title = _title(result)
    return _View(
        icon=icon,
        title=title,
        facts=_facts(result),
        diff_line=_diff_line(result),
        checks=check_tables(result, b, root),
        sections=sections(result, b, top, root),
        annotations_line="" if annotations is None else _annotations_line(top, annotations),
        report_line=report_line(report_url),
    )


def _render(view: _View, marker: str) -> str:
    text: str = _template().render(v=view, marker=marker)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def _fit(
    result: RunResult,
    budgets: Sequence[Budget],
    size: Callable[[str], int],
    limit: int,
    report_url: str | None,
    marker: str,
    annotations: int | None,
) -> str:
    text = ""
    top = ranked_causes(result)
    for i, b in enumerate(budgets):
        view = _view(result, b, report_url, annotations=annotations, top=top)
        if i:
            view.note = "shortened to fit GitHub's size limit; the HTML report has everything"
        text = _render(view, marker)
        if size(text) <= limit:
            return text
    return _cut(text, size, limit)


def _cut(text: str, size: Callable[[str], int], limit: int) -> str:
    """Last resort: keep whole lines up to the limit and close with a note."""
    note = "\n\n_…truncated to fit GitHub's size limit; the HTML report has everything._\n"
    out: list[str] = []
    used = size(note)
    in_fence = False
    for line in text.splitlines(keepends=True):
        n = size(line)
        if used + n + size("```\n") > limit:
            break
        out.append(line)
        used += n
        if line.startswith("```"):
            in_fence = not in_fence
    if in_fence:
        out.append("```\n")
    kept = "".join(out)
    if REPORT_START in kept and REPORT_END not in kept:  # never half a report block
        kept = kept[: kept.index(REPORT_START)]
    return kept.rstrip("\n") + note


def render_comment(
    result: RunResult, *, report_url: str | None = None, max_chars: int = COMMENT_LIMIT
) -> str:
    """The sticky PR comment (starts with :data:`MARKER`), at most ``max_chars`` characters."""
    return _fit(result, COMMENT_BUDGETS, len, max_chars, report_url, MARKER, None)


def render_summary(
    result: RunResult, *, report_url: str | None = None, max_bytes: int = SUMMARY_LIMIT
) -> str:
    """The job summary (``$GITHUB_STEP_SUMMARY``), at most ``max_bytes`` UTF-8 bytes; it says
    how many findings the annotations left out."""

    def size(s: str) -> int:
        return len(s.encode("utf-8"))

    return _fit(result, SUMMARY_BUDGETS, size, max_bytes, report_url, "", ANNOTATIONS_PER_SEVERITY)


def set_report_link(body: str, report_url: str) -> str:
    """Replace the report link of a rendered comment (no change when the URL is not http(s))."""
    if safe_url(report_url) is None:
        return body
    pattern = re.compile(re.escape(REPORT_START) + r".*?" + re.escape(REPORT_END), re.DOTALL)
    return pattern.sub(lambda _: report_line(report_url), body, count=1)
