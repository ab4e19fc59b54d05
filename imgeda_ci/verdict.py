"""Judge an :class:`~imgeda_ci.evaluate.Evaluation` against its policy's limits: the verdict.

One :class:`LimitResult` per (check, scope) and per multi-check policy key (e.g. imgeda's
``max_corrupt_pct``): observed count and % against the allowed ones, with a status:

- ``pass``: within the limit (or no limit: the check only reports);
- ``fail``: an ``error`` check over its limit: the gate fails;
- ``warn``: a ``warning`` check over its limit: the gate fails only with ``strict``;
- ``info``: an ``info`` check over its limit: reported, never fails;
- ``skipped``: a policy key whose checks are not installed.

Counting: a check's observed count is the number of distinct ``paths[0]`` among its unwaived
findings (a finding with no path counts once); % is that count over the images in the scope.
:func:`judge` takes an optional ``findings`` list so that a diff stage can judge only the
findings a change introduced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from imgeda_ci.checks.registry import all_checks
from imgeda_ci.errors import EXIT_OK, EXIT_POLICY_FAILED
from imgeda_ci.evaluate import Evaluation, FindingResult

Status = Literal["pass", "fail", "warn", "info", "skipped"]
SAMPLES = 5


@dataclass(frozen=True)
class LimitResult:
    name: str  # check id, or the policy key of a multi-check limit
    checks: tuple[str, ...]
    kind: Literal["image", "dataset", "group"]
    scope: str  # "" for the whole dataset, else the override's globs
    severity: str
    threshold: float | None
    images: int  # images in scope (the % denominator)
    checked: int  # images the check could judge
    count: int
    pct: float
    max_count: int | None
    max_pct: float | None
    status: Status
    samples: tuple[str, ...]
    waived: int
    description: str = ""
    max_count_increase: int | None = None
    max_pct_increase: float | None = None
    base_count: int | None = None  # the base branch's count, when a base was given
    base_pct: float | None = None
    head_count: int | None = None  # all head findings (differs from count under new-only)
    head_pct: float | None = None

    @property
    def relative(self) -> bool:
        return self.max_count_increase is not None or self.max_pct_increase is not None

    @property
    def allowed(self) -> str:
        parts = []
        if self.max_count is not None:
            parts.append(f"<= {self.max_count}")
        if self.max_pct is not None:
            parts.append(f"<= {self.max_pct:g}%")
        if self.max_count_increase is not None:
            parts.append(f"+{self.max_count_increase} vs base")
        if self.max_pct_increase is not None:
            parts.append(f"+{self.max_pct_increase:g} pts vs base")
        return " and ".join(parts) if parts else "(report only)"

    @property
    def observed(self) -> str:
        return f"{self.count} ({self.pct:.2f}%)"

    @property
    def reason(self) -> str:
        """Readable: "observed 3 (1.50%) > allowed <= 1.0%"."""
        if self.status == "skipped":
            if self.relative and self.base_count is None and set(self.checks) & set(all_checks()):
                return "not judged: a relative limit needs a base (--base-ref/--base-manifest)"
            return "not run: " + ", ".join(self.checks) + " not installed"
        if self.relative and self.base_pct is not None and self.head_pct is not None:
            delta = (
                f"; base {self.base_count} ({self.base_pct:.2f}%), change "
                f"{self.head_pct - self.base_pct:+.2f} pts"
            )
        else:
            delta = ""
        op = ">" if self.status in ("fail", "warn", "info") else "within"
        if op == "within":
            return f"observed {self.observed} within {self.allowed}{delta}"
        return f"observed {self.observed} > allowed {self.allowed}{delta}"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "checks": list(self.checks),
            "kind": self.kind,
            "scope": self.scope,
            "severity": self.severity,
            "threshold": self.threshold,
            "images": self.images,
            "checked": self.checked,
            "count": self.count,
            "pct": round(self.pct, 4),
            "max_count": self.max_count,
            "max_pct": self.max_pct,
            "max_count_increase": self.max_count_increase,
            "max_pct_increase": self.max_pct_increase,
            "base_count": self.base_count,
            "base_pct": None if self.base_pct is None else round(self.base_pct, 4),
            "status": self.status,
            "passed": self.status != "fail",
            "reason": self.reason,
            "samples": list(self.samples),
            "waived": self.waived,
        }


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
        pol = ev.policy
        out: dict[str, Any] = {
            "passed": self.passed,
            "exit_code": self.exit_code,
            "strict": self.strict,
            "total_images": self.total,
            "counts": {
                s: sum(1 for r in self.limits if r.status == s)
                for s in ("pass", "fail", "warn", "info", "skipped")
            },
            "policy": pol.to_json(),
            "results": [r.to_json() for r in self.limits],
            "quality": ev.quality_summary(),
            "waivers": [
                {**w.to_json(), "matched": hits}
                for w, hits in zip(pol.waivers, ev.waiver_hits, strict=True)
            ],
        }
        if include_findings:
            q = ev.quality_of()
            out["findings"] = [f.to_json() for f in self.findings]
            flagged = {f.path for f in self.findings if f.paths}
            out["images"] = [{"path": p, "quality": q.get(p)} for p in ev.paths if p in flagged]
        return out


def _count(findings: Sequence[FindingResult]) -> tuple[int, list[str], int]:
    seen: dict[str, None] = {}
    pathless = 0
    waived = 0
    for f in findings:
        if f.waived is not None:
            waived += 1
            continue
        if f.paths:
            seen.setdefault(f.paths[0], None)
        else:
            pathless += 1
    return len(seen) + pathless, list(seen)[:SAMPLES], waived


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
    count, samples, waived = _count(judged)
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
    return _Judged(count, pct, samples, waived, head_count, head_pct, status)


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
    pol = ev.policy
    use = list(ev.findings if findings is None else findings)
    by_key: dict[tuple[str, int], list[FindingResult]] = {}
    for f in use:
        by_key.setdefault((f.check, f.scope), []).append(f)
    all_by_key: dict[tuple[str, int], list[FindingResult]] = {}
    for f in ev.findings:
        all_by_key.setdefault((f.check, f.scope), []).append(f)
    base_index = {(r.name, r.scope): r for r in base.limits} if base is not None else {}
    checks = all_checks()
    limits: list[LimitResult] = []
    for run in ev.runs:
        st = run.settings
        scope_label = pol.overrides[run.scope].label if run.scope >= 0 else ""
        base_lr = base_index.get((run.check, scope_label))
        j = _judge_limit(
            st,
            st.severity,
            by_key.get((run.check, run.scope), []),
            all_by_key.get((run.check, run.scope), []),
            max(run.images, 0),
            base_lr,
        )
        limits.append(
            LimitResult(
                run.check,
                (run.check,),
                "image" if run.kind == "image" else "dataset",
                scope_label,
                st.severity,
                st.threshold,
                run.images,
                run.checked,
                j.count,
                j.pct,
                st.max_count,
                st.max_pct,
                j.status,
                tuple(j.samples),
                j.waived,
                checks[run.check].description if run.check in checks else "",
                st.max_count_increase,
                st.max_pct_increase,
                base_lr.head_count if base_lr and base_lr.head_count is not None else None,
                base_lr.head_pct if base_lr and base_lr.head_pct is not None else None,
                j.head_count,
                j.head_pct,
            )
        )
    ran = {r.check for r in ev.runs}
    for g in pol.groups:
        members = tuple(c for c in g.checks if c in ran)
        base_lr = base_index.get((g.name, ""))
        j = _judge_limit(
            g,
            g.severity,
            [f for f in use if f.check in members],
            [f for f in ev.findings if f.check in members],
            ev.total,
            base_lr,
        )
        status: Status = j.status if members else "skipped"
        limits.append(
            LimitResult(
                g.name,
                g.checks,
                "group",
                "",
                g.severity,
                None,
                ev.total,
                ev.total,
                j.count,
                j.pct,
                g.max_count,
                g.max_pct,
                status,
                tuple(j.samples),
                j.waived,
                "one limit over " + ", ".join(g.checks),
                g.max_count_increase,
                g.max_pct_increase,
                base_lr.head_count if base_lr and base_lr.head_count is not None else None,
                base_lr.head_pct if base_lr and base_lr.head_pct is not None else None,
                j.head_count,
                j.head_pct,
            )
        )
    failed = any(r.status == "fail" for r in limits)
    warned = any(r.status == "warn" for r in limits)
    passed = not failed and not (strict and warned)
    return Verdict(passed, strict, ev.total, tuple(limits), ev, tuple(use))
