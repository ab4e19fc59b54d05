"""The verdict: pass or fail of an :class:`~imgeda_ci.evaluate.Evaluation` against its policy.

The words, stage by stage: *evaluate* runs the checks and says what they found (findings and
quality scores, no pass or fail: :mod:`imgeda_ci.evaluate`); *judge* compares those findings
with the policy's limits and gives the *verdict* (this module); the *result* is the whole run,
head and base verdicts with the diff between them (:mod:`imgeda_ci.run_result`). *Gate* is the
command that prints a verdict and exits with its code (:mod:`imgeda_ci.judge_files` is its
library form).

One :class:`~imgeda_ci.limit_result.LimitResult` per (check, scope) and per multi-check policy
key (e.g. imgeda's ``max_corrupt_pct``), with a status (:mod:`imgeda_ci.limit_result`).

Counting: a check's observed count is the number of distinct ``paths[0]`` among its unwaived
findings (a finding with no path counts once); % is that count over the images in the scope.
:func:`judge` takes an optional ``findings`` list so that a diff stage can judge only the
findings a change introduced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

from imgeda_ci.checks.registry import all_checks
from imgeda_ci.errors import EXIT_OK, EXIT_POLICY_FAILED
from imgeda_ci.evaluate import Evaluation, FindingResult
from imgeda_ci.limit_result import STATUSES, LimitResult, Status

__all__ = ["SAMPLES", "STATUSES", "LimitResult", "Status", "Verdict", "judge"]

SAMPLES = 5


@dataclass(frozen=True)
class Verdict:
    passed: bool
    strict: bool
    total: int
    limits: tuple[LimitResult, ...]
    evaluation: Evaluation
    findings: tuple[FindingResult, ...]

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.passed else EXIT_POLICY_FAILED

    @property
    def failed(self) -> tuple[LimitResult, ...]:
        return tuple(r for r in self.limits if r.status == "fail")

    @property
    def warned(self) -> tuple[LimitResult, ...]:
        return tuple(r for r in self.limits if r.status == "warn")

    def to_json(self, *, include_findings: bool = True) -> dict[str, Any]:
        ev = self.evaluation
        out: dict[str, Any] = {
            "passed": self.passed,
            "exit_code": self.exit_code,
            "strict": self.strict,
            "total_images": self.total,
            "counts": {s: sum(1 for r in self.limits if r.status == s) for s in STATUSES},
            "policy": ev.policy.to_json(),
            "results": [r.to_json() for r in self.limits],
            "quality": ev.quality_summary(),
            "waivers": [
                {**w.to_json(), "matched": hits}
                for w, hits in zip(ev.policy.waivers, ev.waiver_hits, strict=True)
            ],
        }
        if include_findings:
            out["findings"] = [f.to_json() for f in self.findings]
            out["images"] = self.flagged_images()
        return out

    def flagged_images(self) -> list[dict[str, Any]]:
        """Each image with a finding, in manifest order, with its quality score."""
        q = self.evaluation.quality_of()
        flagged = {f.path for f in self.findings if f.paths}
        return [{"path": p, "quality": q.get(p)} for p in self.evaluation.paths if p in flagged]


def _count(findings: Sequence[FindingResult]) -> tuple[int, list[str], int, int]:
    """(images flagged plus findings about no one image, samples, waived, how many samples are
    paths): a finding about no one image (``min_images_total``'s "0 images < 1 required")
    samples as its message, after the paths."""
    seen: dict[str, None] = {}
    pathless: list[str] = []
    waived = 0
    for f in findings:
        if f.waived is not None:
            waived += 1
            continue
        if f.paths:
            seen.setdefault(f.paths[0], None)
        else:
            pathless.append(f.message)
    samples = [*seen, *pathless][:SAMPLES]
    return len(seen) + len(pathless), samples, waived, min(len(seen), len(samples))


def _status(severity: str, exceeded: bool) -> Status:
    if not exceeded:
        return "pass"
    return {"error": "fail", "warning": "warn"}.get(severity, "info")  # type: ignore[return-value]


def _relative(
    max_count_increase: int | None,
    max_pct_increase: float | None,
    head: tuple[int, float],
    base: LimitResult | None,
) -> tuple[bool, bool]:
    """(judged, exceeded) for a relative limit: head vs the base's observed values."""
    if max_count_increase is None and max_pct_increase is None:
        return False, False
    if base is None:
        return False, False
    count, pct = head
    exceeded = (max_count_increase is not None and count - base.count > max_count_increase) or (
        max_pct_increase is not None and pct - base.pct > max_pct_increase + 1e-9
    )
    return True, exceeded


class _Limits(Protocol):
    @property
    def max_count(self) -> int | None: ...
    @property
    def max_pct(self) -> float | None: ...
    @property
    def max_count_increase(self) -> int | None: ...
    @property
    def max_pct_increase(self) -> float | None: ...


@dataclass(frozen=True)
class _Judged:
    count: int
    pct: float
    samples: list[str]
    sample_paths: int
    waived: int
    head_count: int
    head_pct: float
    status: Status


def _pct(count: int, denom: int) -> float:
    return 100.0 * count / denom if denom else (100.0 if count else 0.0)


def _judge_limit(
    lim: _Limits,
    severity: str,
    judged: Sequence[FindingResult],
    every: Sequence[FindingResult],
    denom: int,
    base: LimitResult | None,
) -> _Judged:
    """Count ``judged`` against the absolute limits and ``every`` head finding against the
    relative ones (vs ``base``); a limit that is only relative and has no base is skipped."""
    count, samples, waived, sample_paths = _count(judged)
    pct = _pct(count, denom)
    head_count = _count(every)[0]
    head_pct = _pct(head_count, denom)
    judged_rel, exceeded_rel = _relative(
        lim.max_count_increase, lim.max_pct_increase, (head_count, head_pct), base
    )
    exceeded = (
        (lim.max_count is not None and count > lim.max_count)
        or (lim.max_pct is not None and pct > lim.max_pct)
        or exceeded_rel
    )
    status = _status(severity, exceeded)
    absolute = lim.max_count is not None or lim.max_pct is not None
    relative = lim.max_count_increase is not None or lim.max_pct_increase is not None
    if not absolute and relative and not judged_rel:
        status = "skipped"
    return _Judged(count, pct, samples, sample_paths, waived, head_count, head_pct, status)


def judge(
    evaluation: Evaluation,
    *,
    strict: bool = False,
    findings: Sequence[FindingResult] | None = None,
    base: Verdict | None = None,
) -> Verdict:
    """Compare the (given or all) findings with the policy's limits.

    ``findings`` restricts the absolute limits to a subset (``mode: new-only`` passes the
    introduced ones); relative limits (``*_increase``) always compare every head finding with
    ``base``, the base branch's verdict under the same policy.
    """
    ev = evaluation
    use = list(ev.findings if findings is None else findings)
    base_index = {(r.name, r.scope): r for r in base.limits} if base is not None else {}
    limits = [
        *_check_limits(ev, _by_run(use), _by_run(ev.findings), base_index),
        *_group_limits(ev, use, base_index),
    ]
    failed = any(r.status == "fail" for r in limits)
    warned = any(r.status == "warn" for r in limits)
    passed = not failed and not (strict and warned)
    return Verdict(passed, strict, ev.total, tuple(limits), ev, tuple(use))


_BaseIndex = dict[tuple[str, str], LimitResult]
_ByRun = dict[tuple[str, int], list[FindingResult]]


def _by_run(findings: Sequence[FindingResult]) -> _ByRun:
    """Findings by (check, scope), the key of a :class:`~imgeda_ci.evaluate.CheckRun`."""
    out: _ByRun = {}
    for f in findings:
        out.setdefault((f.check, f.scope), []).append(f)
    return out


def _limit(
    lim: _Limits,
    j: _Judged,
    base: LimitResult | None,
    *,
    name: str,
    checks: tuple[str, ...],
    kind: Literal["image", "dataset", "group"],
    scope: str,
    severity: str,
    threshold: float | None,
    images: int,
    checked: int,
    description: str,
) -> LimitResult:
    """The row of one limit: its settings ``lim``, the judged figures ``j``, the base's."""
    return LimitResult(
        name,
        checks,
        kind,
        scope,
        severity,
        threshold,
        images,
        checked,
        j.count,
        j.pct,
        lim.max_count,
        lim.max_pct,
        j.status,
        tuple(j.samples),
        j.waived,
        description,
        lim.max_count_increase,
        lim.max_pct_increase,
        base.head_count if base else None,
        base.head_pct if base else None,
        j.head_count,
        j.head_pct,
        j.sample_paths,
    )


def _check_limits(
    ev: Evaluation, judged: _ByRun, every: _ByRun, base_index: _BaseIndex
) -> list[LimitResult]:
    """One limit per check and scope it ran in."""
    checks = all_checks()
    out: list[LimitResult] = []
    for run in ev.runs:
        st = run.settings
        scope = ev.policy.overrides[run.scope].label if run.scope >= 0 else ""
        key = (run.check, run.scope)
        base = base_index.get((run.check, scope))
        j = _judge_limit(
            st, st.severity, judged.get(key, []), every.get(key, []), max(run.images, 0), base
        )
        desc = checks[run.check].description if run.check in checks else ""
        kind: Literal["image", "dataset"] = "image" if run.kind == "image" else "dataset"
        out.append(
            _limit(
                st,
                j,
                base,
                name=run.check,
                checks=(run.check,),
                kind=kind,
                scope=scope,
                severity=st.severity,
                threshold=st.threshold,
                images=run.images,
                checked=run.checked,
                description=desc,
            )
        )
    return out


def _group_limits(
    ev: Evaluation, judged: Sequence[FindingResult], base_index: _BaseIndex
) -> list[LimitResult]:
    """One limit per multi-check policy key, over the checks of it that ran."""
    ran = {r.check for r in ev.runs}
    out: list[LimitResult] = []
    for g in ev.policy.groups:
        members = tuple(c for c in g.checks if c in ran)
        base = base_index.get((g.name, ""))
        j = _judge_limit(
            g,
            g.severity,
            [f for f in judged if f.check in members],
            [f for f in ev.findings if f.check in members],
            ev.total,
            base,
        )
        if not members:
            j = replace(j, status="skipped")
        out.append(
            _limit(
                g,
                j,
                base,
                name=g.name,
                checks=g.checks,
                kind="group",
                scope="",
                severity=g.severity,
                threshold=None,
                images=ev.total,
                checked=ev.total,
                description="one limit over " + ", ".join(g.checks),
            )
        )
    return out
