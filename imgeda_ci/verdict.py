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
from typing import Any, Literal

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

    @property
    def allowed(self) -> str:
        parts = []
        if self.max_count is not None:
            parts.append(f"<= {self.max_count}")
        if self.max_pct is not None:
            parts.append(f"<= {self.max_pct:g}%")
        return " and ".join(parts) if parts else "(report only)"

    @property
    def observed(self) -> str:
        return f"{self.count} ({self.pct:.2f}%)"

    @property
    def reason(self) -> str:
        """Readable: "observed 3 (1.50%) > allowed <= 1.0%"."""
        if self.status == "skipped":
            return "not run: " + ", ".join(self.checks) + " not installed"
        op = ">" if self.status in ("fail", "warn", "info") else "within"
        if op == "within":
            return f"observed {self.observed} within {self.allowed}"
        return f"observed {self.observed} > allowed {self.allowed}"

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


def judge(
    evaluation: Evaluation,
    *,
    strict: bool = False,
    findings: Sequence[FindingResult] | None = None,
) -> Verdict:
    """Compare the (given or all) findings with the policy's limits."""
    ev = evaluation
    pol = ev.policy
    use = list(ev.findings if findings is None else findings)
    by_key: dict[tuple[str, int], list[FindingResult]] = {}
    for f in use:
        by_key.setdefault((f.check, f.scope), []).append(f)
    checks = all_checks()
    limits: list[LimitResult] = []
    for run in ev.runs:
        st = run.settings
        count, samples, waived = _count(by_key.get((run.check, run.scope), []))
        denom = run.images if run.scope >= 0 else max(run.images, 0)
        pct = 100.0 * count / denom if denom else (100.0 if count else 0.0)
        exceeded = (st.max_count is not None and count > st.max_count) or (
            st.max_pct is not None and pct > st.max_pct
        )
        limits.append(
            LimitResult(
                run.check,
                (run.check,),
                "image" if run.kind == "image" else "dataset",
                pol.overrides[run.scope].label if run.scope >= 0 else "",
                st.severity,
                st.threshold,
                run.images,
                run.checked,
                count,
                pct,
                st.max_count,
                st.max_pct,
                _status(st.severity, exceeded),
                tuple(samples),
                waived,
                checks[run.check].description if run.check in checks else "",
            )
        )
    ran = {r.check for r in ev.runs}
    for g in pol.groups:
        members = tuple(c for c in g.checks if c in ran)
        group_findings = [f for f in use if f.check in members]
        count, samples, waived = _count(group_findings)
        pct = 100.0 * count / ev.total if ev.total else (100.0 if count else 0.0)
        exceeded = (g.max_count is not None and count > g.max_count) or (
            g.max_pct is not None and pct > g.max_pct
        )
        status: Status = _status(g.severity, exceeded) if members else "skipped"
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
                count,
                pct,
                g.max_count,
                g.max_pct,
                status,
                tuple(samples),
                waived,
                "one limit over " + ", ".join(g.checks),
            )
        )
    failed = any(r.status == "fail" for r in limits)
    warned = any(r.status == "warn" for r in limits)
    passed = not failed and not (strict and warned)
    return Verdict(passed, strict, ev.total, tuple(limits), ev, tuple(use))
