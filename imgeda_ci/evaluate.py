"""Run the checks of a policy over manifest records: findings and per-image quality scores.

:func:`evaluate` is the one entry point: records (loaded once), a :class:`~imgeda_ci.policy.
Policy`, optionally the header and the base records, in; an :class:`Evaluation` out. It decides
nothing about passing: :func:`imgeda_ci.verdict.judge` does that, so a later stage (the diff
against the base branch) can filter the findings before judging.

Per image it keeps only a float (the quality score) and the findings of flagged checks, so a
100k-record manifest costs the records themselves plus a few MB.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from imgeda_ci.checks.registry import (
    BoundImageFn,
    DatasetCheck,
    DatasetContext,
    ImageCheck,
    Severity,
    all_checks,
)
from imgeda_ci.model import ImageRecord
from imgeda_ci.policy import Override, Policy, Resolved, Waiver


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


@dataclass(frozen=True)
class FindingResult:
    """A finding as judged: the check's :class:`Finding` plus policy context."""

    check: str
    severity: Severity
    paths: tuple[str, ...]
    message: str
    score: float | None = None
    value: float | int | str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
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


def _scopes(records: Sequence[ImageRecord], overrides: Sequence[Override]) -> list[list[bool]]:
    """For each override, which records it matches (computed once)."""
    return [[o.matches(r["path"]) for r in records] for o in overrides]


def evaluate(
    records: Sequence[ImageRecord],
    policy: Policy,
    *,
    header: Mapping[str, Any] | None = None,
    base: Sequence[ImageRecord] | None = None,
    only: Sequence[str] | None = None,
    reuse: Evaluation | None = None,
) -> Evaluation:
    """Run every check the policy enables (or just ``only``) over ``records``.

    ``reuse``: an evaluation under the same policy (the head's, when evaluating the base) whose
    per-image outcomes are taken for every record with the same path and content, instead of
    running the image checks again. Dataset checks always run.
    """
    checks = all_checks()
    if only is not None:
        checks = {k: v for k, v in checks.items() if k in set(only)}
    n = len(records)
    paths = [r["path"] for r in records]
    shas = [r.get("sha256") for r in records]
    sha_of = dict(zip(paths, shas, strict=True))
    # records whose image-check outcomes can be copied from ``reuse``: index there, or -1
    same = [-1] * n
    prior_findings: dict[str, list[FindingResult]] = {}
    if reuse is not None and reuse.policy is policy and len(reuse.shas) == len(reuse.paths):
        where = {p: j for j, p in enumerate(reuse.paths)}
        for i, (p, sha) in enumerate(zip(paths, shas, strict=True)):
            j = where.get(p, -1)
            if j >= 0 and sha and reuse.shas[j] == sha:
                same[i] = j
        image_ids = {c.id for c in checks.values() if isinstance(c, ImageCheck)}
        for f in reuse.findings:
            if f.check in image_ids and f.paths:
                prior_findings.setdefault(f.paths[0], []).append(f)
    applied: dict[str, bytearray] = {}
    matches = _scopes(records, policy.overrides)
    findings: list[FindingResult] = []
    runs: list[CheckRun] = []
    log_q = [0.0] * n
    has_q = [False] * n

    def scope_of(check_id: str, i: int) -> int:
        for k in range(len(policy.overrides) - 1, -1, -1):
            if check_id in policy.overrides[k].checks and matches[k][i]:
                return k
        return -1

    for check in checks.values():
        claiming = [k for k, o in enumerate(policy.overrides) if check.id in o.checks]
        scope_idx = [scope_of(check.id, i) for i in range(n)] if claiming else [-1] * n
        settings = {-1: policy.resolve(check)}
        for k in claiming:
            settings[k] = policy.resolve(check, policy.overrides[k])
        in_scope = dict.fromkeys(settings, 0)
        for s in scope_idx:
            in_scope[s] += 1
        if isinstance(check, ImageCheck):
            checked = dict.fromkeys(settings, 0)
            bound: dict[int, BoundImageFn | None] = {
                k: (None if st.severity == "off" else check.bind(st.threshold, st.options))
                for k, st in settings.items()
            }
            weight = check.quality_weight
            mask = applied[check.id] = bytearray(n)
            prior_mask = reuse.applied.get(check.id) if reuse is not None else None
            for i, rec in enumerate(records):
                s = scope_idx[i]
                fn = bound[s]
                if fn is None:
                    continue
                if same[i] >= 0 and prior_mask is not None:
                    if prior_mask[same[i]]:
                        mask[i] = 1
                        checked[s] += 1
                    continue
                out = fn(rec)
                if out is None:
                    continue
                mask[i] = 1
                checked[s] += 1
                if weight > 0:
                    has_q[i] = True
                    sc = min(1.0, max(0.0, out.score))
                    log_q[i] += weight * (math.log(sc) if sc > 0 else -math.inf)
                if out.flagged:
                    sev = settings[s].severity
                    findings.append(
                        FindingResult(
                            check.id,
                            sev if sev != "off" else "info",
                            (paths[i],),
                            out.reason,
                            out.score,
                            out.value,
                            scope=s,
                            sha256=sha_of.get(paths[i]),
                        )
                    )
            for k, st in settings.items():
                if st.severity != "off":
                    runs.append(CheckRun(check.id, "image", k, st, in_scope[k], checked[k]))
        else:
            assert isinstance(check, DatasetCheck)
            base_st = settings[-1]
            if base_st.severity == "off" and all(st.severity == "off" for st in settings.values()):
                continue
            ctx = DatasetContext(records=records, header=header, base=base)
            raw = check.run(ctx, base_st.threshold, base_st.options)
            index = {p: i for i, p in enumerate(paths)} if claiming else {}
            for f in raw:
                s = -1
                if claiming and f.paths and f.paths[0] in index:
                    s = scope_idx[index[f.paths[0]]]
                sev = settings[s].severity
                if sev == "off":
                    continue
                findings.append(
                    FindingResult(
                        check.id,
                        sev,
                        tuple(f.paths),
                        f.message,
                        f.score,
                        f.value,
                        f.data,
                        scope=s,
                        sha256=sha_of.get(f.paths[0]) if f.paths else None,
                    )
                )
            for k, st in settings.items():
                if st.severity != "off":
                    runs.append(CheckRun(check.id, "dataset", k, st, in_scope[k], in_scope[k]))

    quality: list[float | None] = [
        (round(math.exp(lq), 4) if lq > -math.inf else 0.0) if hq else None
        for lq, hq in zip(log_q, has_q, strict=True)
    ]
    if reuse is not None:
        for i, j in enumerate(same):
            if j < 0:
                continue
            quality[i] = reuse.quality[j]
            for f in prior_findings.get(paths[i], ()):
                findings.append(replace(f, waived=None))
    hits = _apply_waivers(findings, policy.waivers)
    return Evaluation(policy, n, paths, quality, findings, runs, hits, shas, applied)


def _apply_waivers(findings: list[FindingResult], waivers: Sequence[Waiver]) -> list[int]:
    hits = [0] * len(waivers)
    if not waivers:
        return hits
    for j, f in enumerate(findings):
        for k, w in enumerate(waivers):
            if w.matches(f.check, f.path):
                hits[k] += 1
                findings[j] = FindingResult(
                    f.check,
                    f.severity,
                    f.paths,
                    f.message,
                    f.score,
                    f.value,
                    f.data,
                    f.scope,
                    w.reason,
                    f.sha256,
                )
                break
    return hits
