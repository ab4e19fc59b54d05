"""One limit's row of a verdict: observed count and % against the allowed ones, and a status.

A :class:`LimitResult` per (check, scope) and per multi-check policy key (e.g. imgeda's
``max_corrupt_pct``): observed count and % against the allowed ones, with a status:

- ``pass``: within the limit (or no limit: the check only reports);
- ``fail``: an ``error`` check over its limit: the gate fails;
- ``warn``: a ``warning`` check over its limit: the gate fails only with ``strict``;
- ``info``: an ``info`` check over its limit: reported, never fails;
- ``skipped``: a policy key whose checks are not installed.

:func:`imgeda_ci.verdict.judge` builds these rows; the renderers read them from its
:class:`~imgeda_ci.verdict.Verdict`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from imgeda_ci.checks.registry import all_checks

Status = Literal["pass", "fail", "warn", "info", "skipped"]
STATUSES: tuple[Status, ...] = ("pass", "fail", "warn", "info", "skipped")


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
    #: how many of ``samples`` (the first ones) are paths; the rest are the messages of findings
    #: about no one image (not in the JSON: renderers use it to write paths from the repository)
    sample_paths: int = 0

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
        """The count, and its share of the images (none of no images)."""
        return f"{self.count:,} ({self.pct:.2f}%)" if self.images else f"{self.count:,}"

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
