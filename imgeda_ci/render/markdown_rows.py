"""The rows of the PR comment and the job summary: the checks that did not pass and the
problems the change introduced or resolved (or the top ones), within a size :class:`Budget`.

Rows name images by their path relative to the repository (``root`` is the scanned folder in
it), and a problem that several checks flag is one row (:mod:`imgeda_ci.render.causes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from imgeda_ci.render.causes import Cause, by_cause
from imgeda_ci.render.escape import md_code, md_text
from imgeda_ci.render.ranking import introduced_ids, repo_path, shown_message
from imgeda_ci.run_result import RunResult
from imgeda_ci.verdict import LimitResult

ICON = {"fail": "❌", "warn": "⚠️", "info": "ℹ️", "skipped": "⏭️", "pass": "✅"}
_ORDER = {"fail": 0, "warn": 1, "info": 2, "skipped": 3, "pass": 4}


@dataclass(frozen=True)
class Budget:
    """How much one render may show."""

    rows: int  # findings per section
    check_rows: int  # non-passing limit rows
    path_len: int
    message_len: int
    examples: int = 3


@dataclass
class Section:
    title: str
    rows: list[dict[str, str]]
    more: int


@dataclass
class Checks:
    failed: list[dict[str, str]]
    failed_more: str  # names of failing checks the budget left no row for
    other: list[dict[str, str]]
    other_title: str
    other_more: int
    n_failed: int
    passed_line: str = ""


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _limit_name(r: LimitResult) -> str:
    name = f"`{md_code(r.name)}`"
    return name + (f" in {md_text(r.scope, 60)}" if r.scope else "")


def _examples(r: LimitResult, b: Budget, root: str) -> str:
    shown = r.samples[: b.examples]
    text = ", ".join(
        md_text(repo_path(p, root) if i < r.sample_paths else p, b.path_len)
        for i, p in enumerate(shown)
    )
    more = r.count - len(shown)
    return text + (f" (+{more:,} more)" if more > 0 and shown else "")


def _limit_row(r: LimitResult, b: Budget, root: str) -> dict[str, str]:
    return {
        "icon": ICON[r.status],
        "name": _limit_name(r),
        "severity": r.severity,
        "observed": r.observed,  # digits, commas, a percentage: nothing to escape
        "allowed": md_text(r.allowed),
        "examples": _examples(r, b, root),
    }


def check_tables(result: RunResult, b: Budget, root: str) -> Checks:
    """Failing checks first (errors before warnings made failures by ``strict``), each one
    named even when the budget has no row left for it; then the other checks not passing."""
    limits = sorted(
        result.verdict.limits,
        key=lambda r: (_ORDER[r.status], r.severity != "error", r.name, r.scope),
    )
    failed = [r for r in limits if r.status == "fail"]
    other = [r for r in limits if r.status not in ("fail", "pass")]
    passed = len(limits) - len(failed) - len(other)
    fail_shown = failed[: b.check_rows]
    other_shown = other[: max(0, b.check_rows - len(fail_shown))]
    out = Checks(
        failed=[_limit_row(r, b, root) for r in fail_shown],
        failed_more=", ".join(_limit_name(r) for r in failed[len(fail_shown) :]),
        other=[_limit_row(r, b, root) for r in other_shown],
        other_title=f"Warnings ({len(other):,})"
        if _only_warnings(other)
        else f"Warnings and notes ({len(other):,})",
        other_more=len(other) - len(other_shown),
        n_failed=len(failed),
    )
    out.passed_line = f"✅ {plural(passed, 'check')} passed." if passed else ""
    if not limits:
        out.passed_line = "No checks ran."
    return out


def _only_warnings(limits: Sequence[LimitResult]) -> bool:
    return all(r.status == "warn" for r in limits)


def _check_cell(c: Cause) -> str:
    cell = f"`{md_code(c.lead.check)}`"
    also = c.also_checks
    return cell + (f" (also {', '.join(f'`{md_code(a)}`' for a in also)})" if also else "")


def _finding_rows(causes: Sequence[Cause], b: Budget, root: str) -> list[dict[str, str]]:
    """One row per cause: its lead finding, the other checks named beside it, paths (in the
    path and in the message) relative to the repository root."""
    return [
        {
            "severity": c.lead.severity,
            "check": _check_cell(c),
            "path": md_text(repo_path(c.lead.path, root), b.path_len)
            if c.lead.paths
            else "(dataset)",
            "message": md_text(shown_message(c.lead, root), b.message_len),
        }
        for c in causes[: b.rows]
    ]


def _section(title: str, causes: Sequence[Cause], b: Budget, root: str) -> Section:
    """A titled table of causes; the title says how many findings they hold when that differs."""
    n = len(causes) + sum(len(c.also) for c in causes)
    count = f"{len(causes):,}" if n == len(causes) else f"{len(causes):,}; {n:,} findings"
    rows = _finding_rows(causes, b, root)
    return Section(f"{title} ({count})", rows, max(0, len(causes) - b.rows))


def sections(result: RunResult, b: Budget, top: Sequence[Cause], root: str) -> list[Section]:
    out: list[Section] = []
    if b.rows <= 0:
        return out
    if result.has_base:
        new = introduced_ids(result)
        intro = [c for c in top if id(c.lead) in new]
        if intro:
            out.append(_section("Introduced by this change", intro, b, root))
        res = sorted(result.resolved, key=lambda f: (f.severity != "error", f.path, f.check))
        if res:
            out.append(_section("Resolved by this change", by_cause(res), b, root))
    elif top:
        out.append(_section("Top findings", top, b, root))
    return out
