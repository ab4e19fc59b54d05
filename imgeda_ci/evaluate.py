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
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import repeat
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from imgeda_ci.checks.registry import (
    BoundImageFn,
    Check,
    DatasetCheck,
    DatasetContext,
    ImageCheck,
    Outcome,
    Severity,
    all_checks,
)
from imgeda_ci.columns import Columns, gc_paused
from imgeda_ci.dupes.search import DupeSearch
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


def _scopes(
    records: Sequence[ImageRecord], overrides: Sequence[Override]
) -> list[npt.NDArray[np.bool_]]:
    """For each override, which records it matches (computed once)."""
    return [np.array([o.matches(r["path"]) for r in records], dtype=np.bool_) for o in overrides]


class _Rows:
    """A subset of the records (all, or those not reused) with their numpy columns."""

    def __init__(
        self,
        records: Sequence[ImageRecord],
        idx: npt.NDArray[np.intp] | None,
        cols: Columns | None = None,
    ) -> None:
        self.all = records
        self.idx = np.arange(len(records), dtype=np.intp) if idx is None else idx
        self.records = (
            records if idx is None else [records[i] for i in idx.tolist()]
        )  # aligned with idx
        self._cols = cols if cols is not None and cols.records is self.records else None

    @property
    def cols(self) -> Columns:
        if self._cols is None:
            self._cols = Columns(self.records)
        return self._cols


def _log_scores(score: npt.NDArray[np.float64], weight: float) -> npt.NDArray[np.float64]:
    """``weight * log(min(1, max(0, score)))`` (-inf at 0) with the scalar loop's floats."""
    sc = np.where(np.isnan(score), 0.0, np.clip(score, 0.0, 1.0))
    out = np.zeros(sc.size)
    out[sc <= 0] = -math.inf
    partial = np.flatnonzero((sc > 0) & (sc < 1))
    if partial.size:
        logs = np.array([math.log(x) for x in sc[partial].tolist()], dtype=np.float64)
        out[partial] = weight * logs
    return out


def _image_outcomes(
    check: ImageCheck,
    settings: Mapping[int, Resolved],
    scope: npt.NDArray[np.intp],
    rows: _Rows,
) -> tuple[
    npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.float64], dict[int, Outcome]
]:
    """(applies, flagged, score, outcomes) of ``check`` on ``rows`` (arrays aligned with them;
    ``scope`` too); ``outcomes`` holds the scalar results computed on the way, by row position.
    """
    m = len(rows.records)
    applies = np.zeros(m, dtype=np.bool_)
    flagged = np.zeros(m, dtype=np.bool_)
    score = np.ones(m, dtype=np.float64)
    outcomes: dict[int, Outcome] = {}
    for k, st in settings.items():
        if st.severity == "off":
            continue
        sel = scope == k
        if not sel.any():
            continue
        whole = bool(sel.all())
        vec = check.run_vector(rows.cols, st.threshold, st.options) if m else None
        if vec is not None:
            scalar_rows = np.flatnonzero(rows.cols.fallback & sel)
            if whole:
                applies[:] = vec.applies
                flagged[:] = vec.flagged & vec.applies
                score[:] = vec.score
            else:
                applies[sel] = vec.applies[sel]
                flagged[sel] = (vec.flagged & vec.applies)[sel]
                score[sel] = vec.score[sel]
        else:
            scalar_rows = np.flatnonzero(sel)
        if scalar_rows.size:
            fn = check.bind(st.threshold, st.options)
            recs = rows.records
            for p in scalar_rows.tolist():
                out = fn(recs[p])
                if out is None:
                    applies[p] = flagged[p] = False
                    continue
                applies[p], flagged[p], score[p] = True, out.flagged, out.score
                outcomes[p] = out
    return applies, flagged, score, outcomes


def evaluate(
    records: Sequence[ImageRecord],
    policy: Policy,
    *,
    header: Mapping[str, Any] | None = None,
    base: Sequence[ImageRecord] | None = None,
    only: Sequence[str] | None = None,
    reuse: Evaluation | None = None,
    cols: Columns | None = None,
    search: DupeSearch | None = None,
) -> Evaluation:
    """Run every check the policy enables (or just ``only``) over ``records``.

    ``reuse``: an evaluation under the same policy (the head's, when evaluating the base) whose
    per-image outcomes are taken for every record with the same path and content, instead of
    running the image checks again. Dataset checks always run. ``cols``: the records'
    :class:`~imgeda_ci.columns.Columns`, when the caller shares them (with the diff, say);
    ``search``: what the duplicate searches of the run share
    (:class:`~imgeda_ci.dupes.search.DupeSearch`; the dataset checks make one without it).

    Image checks with a vectorised form run over numpy columns of all records at once; the
    scalar function then only runs on the flagged rows (for the finding's message and value)
    and on rows the columns cannot carry (see :mod:`imgeda_ci.columns`).
    """
    with gc_paused():  # see imgeda_ci.columns.gc_paused
        return _evaluate(records, policy, header, base, only, reuse, cols, search)


def _same_rows(
    paths: Sequence[Any], shas: Sequence[Any], prior_paths: Sequence[Any], prior_shas: Sequence[Any]
) -> list[int]:
    """For each (path, sha), the row of ``prior_paths`` with that path and the same non-empty
    sha, else -1 (the lookups and comparisons run in C)."""
    where = dict(zip(prior_paths, range(len(prior_paths)), strict=True))  # the last path wins
    found = list(map(where.get, paths, repeat(-1)))
    rows = [i for i, j in enumerate(found) if j >= 0]
    if not rows:
        return found
    mine = [shas[i] for i in rows]
    theirs = list(map(prior_shas.__getitem__, (found[i] for i in rows)))
    for i, sha, eq in zip(rows, mine, map(operator.eq, mine, theirs), strict=True):
        if not (sha and eq):
            found[i] = -1
    return found


def _evaluate(
    records: Sequence[ImageRecord],
    policy: Policy,
    header: Mapping[str, Any] | None,
    base: Sequence[ImageRecord] | None,
    only: Sequence[str] | None,
    reuse: Evaluation | None,
    cols: Columns | None = None,
    search: DupeSearch | None = None,
) -> Evaluation:
    checks = all_checks()
    if only is not None:
        checks = {k: v for k, v in checks.items() if k in set(only)}
    n = len(records)
    all_rows = _Rows(records, None, cols)
    vector_reads = [
        k for c in checks.values() if isinstance(c, ImageCheck) and c.vector for k in c.reads
    ]
    if n:  # one pass over the records for every top-level field (see Columns.prefetch)
        # (reusing another evaluation's outcomes, only the rows not reused need the rest)
        all_rows.cols.prefetch(["path", "sha256", "error", *([] if reuse else vector_reads)])
        paths = list(all_rows.cols.raw("path"))
        shas: list[str | None] = list(all_rows.cols.raw("sha256"))
    else:
        paths, shas = [], []
    sha_of = dict(zip(paths, shas, strict=True))
    # records whose image-check outcomes can be copied from ``reuse``: index there, or -1
    same = [-1] * n
    prior_findings: dict[str, list[FindingResult]] = {}
    if reuse is not None and reuse.policy is policy and len(reuse.shas) == len(reuse.paths):
        same = _same_rows(paths, shas, reuse.paths, reuse.shas)
        image_ids = {c.id for c in checks.values() if isinstance(c, ImageCheck)}
        for f in reuse.findings:
            if f.check in image_ids and f.paths:
                prior_findings.setdefault(f.paths[0], []).append(f)
    same_arr = np.asarray(same, dtype=np.intp)
    reused_rows = np.flatnonzero(same_arr >= 0)
    todo_rows = _Rows(records, np.flatnonzero(same_arr < 0)) if reused_rows.size else all_rows
    if todo_rows is not all_rows:
        todo_rows.cols.prefetch(["error", *vector_reads])
    applied: dict[str, bytearray] = {}
    matches = _scopes(records, policy.overrides)
    findings: list[FindingResult] = []
    runs: list[CheckRun] = []
    log_q = np.zeros(n, dtype=np.float64)
    has_q = np.zeros(n, dtype=np.bool_)
    ctx = DatasetContext(records=records, header=header, base=base, search=search)
    if policy.splits:
        ctx.extra["splits"] = {k: list(v) for k, v in policy.splits.items()}
    ctx.cols = all_rows.cols if all_rows._cols is not None else None

    for check in checks.values():
        claiming = [k for k, o in enumerate(policy.overrides) if check.id in o.checks]
        scope_idx = np.full(n, -1, dtype=np.intp)
        for k in claiming:  # the last matching override that sets the check wins
            scope_idx[matches[k]] = k
        settings = {-1: policy.resolve(check)}
        for k in claiming:
            settings[k] = policy.resolve(check, policy.overrides[k])
        counts = np.bincount(scope_idx + 1, minlength=len(policy.overrides) + 1)
        in_scope = {k: int(counts[k + 1]) for k in settings}
        if isinstance(check, ImageCheck):
            prior_mask = reuse.applied.get(check.id) if reuse is not None else None
            rows = todo_rows if prior_mask is not None else all_rows
            scope = scope_idx[rows.idx]
            app, flg, score, outcomes = _image_outcomes(check, settings, scope, rows)
            mask_arr = np.zeros(n, dtype=np.uint8)
            mask_arr[rows.idx[app]] = 1
            if prior_mask is not None and reused_rows.size:
                prior = np.frombuffer(bytes(prior_mask), dtype=np.uint8)
                mask_arr[reused_rows] = prior[same_arr[reused_rows]]
            applied[check.id] = bytearray(mask_arr.tobytes())
            per_scope = np.bincount(scope_idx[mask_arr.astype(np.bool_)] + 1, minlength=counts.size)
            checked = {k: int(per_scope[k + 1]) for k in settings}
            weight = check.quality_weight
            if weight > 0 and app.any():
                idx = rows.idx[app]
                has_q[idx] = True
                log_q[idx] += _log_scores(score[app], weight)
            flagged_pos = np.flatnonzero(flg & app)
            if flagged_pos.size:
                bound: dict[int, BoundImageFn] = {}
                recs = rows.records
                for pos in flagged_pos.tolist():
                    sc = int(scope[pos])
                    out = outcomes.get(pos)
                    if out is None:
                        if sc not in bound:
                            bound[sc] = check.bind(settings[sc].threshold, settings[sc].options)
                        out = bound[sc](recs[pos])
                    if out is None or not out.flagged:  # the scalar function has the last word
                        continue
                    sev = settings[sc].severity
                    path = recs[pos]["path"]
                    findings.append(
                        FindingResult(
                            check.id,
                            sev if sev != "off" else "info",
                            (path,),
                            out.reason,
                            out.score,
                            out.value,
                            scope=sc,
                            sha256=sha_of.get(path),
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
            if ctx.cols is None and all_rows._cols is not None:
                ctx.cols = all_rows._cols
            raw = check.run(ctx, base_st.threshold, base_st.options)
            if ctx.cols is not None and all_rows._cols is None:
                all_rows._cols = ctx.cols
            index = {p: i for i, p in enumerate(paths)} if claiming else {}
            for fd in raw:
                s = -1
                if claiming and fd.paths and fd.paths[0] in index:
                    s = int(scope_idx[index[fd.paths[0]]])
                sev = settings[s].severity
                if sev == "off":
                    continue
                findings.append(
                    FindingResult(
                        check.id,
                        sev,
                        tuple(fd.paths),
                        fd.message,
                        fd.score,
                        fd.value,
                        fd.data,
                        scope=s,
                        sha256=sha_of.get(fd.paths[0]) if fd.paths else None,
                    )
                )
            for k, st in settings.items():
                if st.severity != "off":
                    runs.append(CheckRun(check.id, "dataset", k, st, in_scope[k], in_scope[k]))

    quality = _quality(log_q, has_q)
    if reuse is not None and reused_rows.size:
        rq = reuse.quality
        for i in reused_rows.tolist():
            quality[i] = rq[same[i]]
            for f in prior_findings.get(paths[i], ()):
                findings.append(f if f.waived is None else replace(f, waived=None))
        _canonical_order(findings, checks, paths)
    hits = _apply_waivers(findings, policy.waivers)
    return Evaluation(policy, n, paths, quality, findings, runs, hits, shas, applied)


def _canonical_order(
    findings: list[FindingResult], checks: Mapping[str, Check], paths: list[str]
) -> None:
    """Put findings taken from another evaluation where computing them here would have put
    them: by check (in evaluation order), an image check's by record, a dataset check's as
    the check listed them. The order then never depends on what was reused."""
    place = {cid: k for k, cid in enumerate(checks)}
    row = {p: i for i, p in enumerate(paths)}
    image = {cid for cid, check in checks.items() if isinstance(check, ImageCheck)}

    def key(f: FindingResult) -> tuple[int, int]:
        at = place.get(f.check, len(place))
        return (at, row.get(f.paths[0], -1) if f.check in image and f.paths else 0)

    findings.sort(key=key)


def _quality(log_q: npt.NDArray[np.float64], has_q: npt.NDArray[np.bool_]) -> list[float | None]:
    """Per-image quality: ``exp`` of the summed log scores, rounded to 4 places (None when no
    pixel check applied)."""
    return [
        (1.0 if lq == 0.0 else round(math.exp(lq), 4) if lq > -math.inf else 0.0) if hq else None
        for lq, hq in zip(log_q.tolist(), has_q.tolist(), strict=True)
    ]


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
