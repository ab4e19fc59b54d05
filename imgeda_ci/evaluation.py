"""What an evaluation holds: the findings as judged under a policy, how each check ran, and the
per-image quality scores (made by :func:`imgeda_ci.evaluate.evaluate`).

These are plain, picklable values: the forked base process sends them back as they are.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from imgeda_ci.checks.registry import Severity
from imgeda_ci.policy import Policy, Resolved


def fingerprint(check: str, path: str) -> str:
    """Stable identity of a finding: check id + the path it counts against (16 hex chars)."""
    return hashlib.sha256(f"{check}\0{path}".encode()).hexdigest()[:16]


def _jsonable(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, Mapping):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    return v


#: the ``data`` of findings that carry none (shared: read-only)
NO_DATA: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class FindingResult:
    """A finding as judged: the check's :class:`Finding` plus policy context.

    Slotted, with a shared empty ``data``: a large manifest has tens of thousands of these.
    """

    check: str
    severity: Severity
    paths: tuple[str, ...]
    message: str
    score: float | None = None
    value: float | int | str | None = None
    data: Mapping[str, Any] = field(default_factory=lambda: NO_DATA)
    scope: int = -1  # index of the override whose scope holds paths[0]; -1 = base
    waived: str | None = None  # the waiver's reason when waived
    sha256: str | None = None  # content hash of paths[0] (lets a diff follow renames)

    @property
    def path(self) -> str:
        return self.paths[0] if self.paths else ""

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.check, self.path)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "check": self.check,
            "severity": self.severity,
            "path": self.path,
            "paths": list(self.paths),
            "message": self.message,
            "value": _jsonable(self.value),
            "score": None if self.score is None else round(self.score, 4),
            "fingerprint": self.fingerprint,
        }
        if self.sha256:
            out["sha256"] = self.sha256
        if self.data:
            out["data"] = _jsonable(self.data)
        if self.waived is not None:
            out["waived"] = self.waived
        return out


@dataclass(frozen=True)
class CheckRun:
    """How one check ran in one scope: its settings and how many images it could judge."""

    check: str
    kind: str
    scope: int  # -1 = base, else the override index
    settings: Resolved
    images: int  # images in the scope
    checked: int  # images the check applied to (image checks); = images for dataset checks


@dataclass
class Evaluation:
    """Everything the checks said about a manifest under a policy (no verdict yet)."""

    policy: Policy
    total: int
    paths: list[str]
    quality: list[float | None]  # aligned with paths; None when no pixel check applied
    findings: list[FindingResult]
    runs: list[CheckRun]
    waiver_hits: list[int]  # aligned with policy.waivers
    shas: list[str | None] = field(default_factory=list)  # aligned with paths
    #: check id -> one byte per record: 1 when the (image) check applied to it
    applied: dict[str, bytearray] = field(default_factory=dict)

    def quality_of(self) -> dict[str, float | None]:
        return dict(zip(self.paths, self.quality, strict=True))

    def quality_summary(self) -> dict[str, Any]:
        vals = sorted(q for q in self.quality if q is not None)
        if not vals:
            return {"images": 0}

        def pct(p: float) -> float:
            return round(vals[min(len(vals) - 1, int(p * len(vals)))], 4)

        return {
            "images": len(vals),
            "mean": round(sum(vals) / len(vals), 4),
            "p5": pct(0.05),
            "median": pct(0.5),
            "below_0_5": sum(1 for q in vals if q < 0.5),
        }
