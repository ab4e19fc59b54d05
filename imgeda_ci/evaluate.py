"""Run the checks of a policy over manifest records: findings and per-image quality scores.

:func:`evaluate` is the one entry point: records (loaded once), a :class:`~imgeda_ci.policy.
Policy`, optionally the header and the base records, in; an :class:`Evaluation` out. It decides
nothing about passing: :func:`imgeda_ci.verdict.judge` does that, so a later stage (the diff
against the base branch) can filter the findings before judging.

Per image it keeps only a float (the quality score) and the findings of flagged checks, so a
100k-record manifest costs the records themselves plus a few MB.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt

from imgeda_ci.checks.registry import (
    Check,
    DatasetCheck,
    DatasetContext,
    ImageCheck,
    Judged,
    all_checks,
)
from imgeda_ci.columns import Columns, gc_paused
from imgeda_ci.dupes.search import DupeSearch
from imgeda_ci.evaluation import NO_DATA, CheckRun, Evaluation, FindingResult, fingerprint
from imgeda_ci.model import ImageRecord
from imgeda_ci.policy import Policy, Resolved, Waiver

__all__ = ["NO_DATA", "CheckRun", "Evaluation", "FindingResult", "evaluate", "fingerprint"]


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

    ``cols``: the records' :class:`~imgeda_ci.columns.Columns` (made from this very sequence)
    when the caller has them, so the stages of a run read each column once; made from the
    records otherwise. The image
    checks judge every record at once over them; the dataset checks get them through their
    :class:`~imgeda_ci.checks.registry.DatasetContext`.

    ``reuse``: an evaluation under the same policy (the head's, when evaluating the base) whose
    per-image outcomes are taken for every record with the same path and content, instead of
    running the image checks again. Dataset checks always run.

    ``search``: what the duplicate searches of the run share
    (:class:`~imgeda_ci.dupes.search.DupeSearch`; the dataset checks make one without it).
    """
    if cols is not None and cols.records is not records:
        raise ValueError("evaluate(): cols must be the Columns of these very records")
    with gc_paused():  # see imgeda_ci.columns.gc_paused
        checks = all_checks()
        if only is not None:
            checks = {k: v for k, v in checks.items() if k in set(only)}
        run = _Run(records, policy, checks, cols if cols is not None else Columns(records))
        run.prepare(reuse)
        ctx = DatasetContext(
            records=records, header=header, base=base, cols=run.cols, search=search
        )
        if policy.splits:
            ctx.extra["splits"] = {k: list(v) for k, v in policy.splits.items()}
        for check in checks.values():
            if isinstance(check, ImageCheck):
                run.image_check(check)
            else:
                run.dataset_check(check, ctx)
        return run.finish()


class _Rows:
    """The records the image checks judge (all, or those not reused) with their columns."""

    def __init__(self, cols: Columns, idx: npt.NDArray[np.intp] | None = None) -> None:
        self.idx = np.arange(cols.n, dtype=np.intp) if idx is None else idx
        self.cols = cols if idx is None else Columns([cols.records[i] for i in idx.tolist()])


@dataclass
class _Scopes:
    """Where one check's settings come from: per record the override (-1: the base policy),
    and the settings and image count of each scope."""

    of: npt.NDArray[np.intp]  # per record
    settings: dict[int, Resolved]
    images: dict[int, int]

    def on(self) -> list[int]:
        """The scopes where the check is not off."""
        return [k for k, st in self.settings.items() if st.severity != "off"]


class _Run:
    """One evaluation under way: what the checks add up to (see :func:`evaluate`)."""

    def __init__(
        self,
        records: Sequence[ImageRecord],
        policy: Policy,
        checks: dict[str, Check],
        cols: Columns,
    ) -> None:
        self.records, self.policy, self.checks, self.cols = records, policy, checks, cols
        self.n = len(records)
        self.findings: list[FindingResult] = []
        self.runs: list[CheckRun] = []
        self.applied: dict[str, bytearray] = {}
        self.log_q = np.zeros(self.n, dtype=np.float64)
        self.has_q = np.zeros(self.n, dtype=np.bool_)
        self.matches = [
            np.array([o.matches(r["path"]) for r in records], dtype=np.bool_)
            for o in policy.overrides
        ]
        self.reuse: Evaluation | None = None
        self.same = np.full(self.n, -1, dtype=np.intp)  # the row in ``reuse``, or -1
        self.todo = self.all = _Rows(cols)

    def prepare(self, reuse: Evaluation | None) -> None:
        """Read the identity columns; find the rows whose outcomes ``reuse`` holds."""
        reads = [k for c in self.checks.values() if isinstance(c, ImageCheck) for k in c.reads]
        if self.n:  # one pass over the records for every top-level field (Columns.prefetch)
            # (reusing another evaluation's outcomes, only the rows not reused need the rest)
            self.cols.prefetch(["path", "sha256", "error", *([] if reuse else reads)])
        self.paths: list[str] = list(self.cols.raw("path")) if self.n else []
        self.shas: list[str | None] = list(self.cols.raw("sha256")) if self.n else []
        self.sha_of = dict(zip(self.paths, self.shas, strict=True))
        if reuse is None or reuse.policy is not self.policy or len(reuse.shas) != len(reuse.paths):
            return
        self.reuse = reuse
        self.same = np.asarray(
            _same_rows(self.paths, self.shas, reuse.paths, reuse.shas), dtype=np.intp
        )
        if (self.same >= 0).any():
            self.todo = _Rows(self.cols, np.flatnonzero(self.same < 0))
            self.todo.cols.prefetch(["error", *reads])

    def scopes(self, check: Check) -> _Scopes:
        overrides = self.policy.overrides
        claiming = [k for k, o in enumerate(overrides) if check.id in o.checks]
        of = np.full(self.n, -1, dtype=np.intp)
        for k in claiming:  # the last matching override that sets the check wins
            of[self.matches[k]] = k
        settings = {-1: self.policy.resolve(check)}
        for k in claiming:
            settings[k] = self.policy.resolve(check, overrides[k])
        counts = np.bincount(of + 1, minlength=len(overrides) + 1)
        return _Scopes(of, settings, {k: int(counts[k + 1]) for k in settings})

    def image_check(self, check: ImageCheck) -> None:
        sc = self.scopes(check)
        prior = self.reuse.applied.get(check.id) if self.reuse is not None else None
        rows = self.todo if prior is not None else self.all
        scope = sc.of[rows.idx]
        applies, flagged, score, judged = _judge(check, sc, scope, rows.cols)
        mask = np.zeros(self.n, dtype=np.uint8)
        mask[rows.idx[applies]] = 1
        if prior is not None and rows is self.todo:
            reused = np.flatnonzero(self.same >= 0)
            mask[reused] = np.frombuffer(bytes(prior), dtype=np.uint8)[self.same[reused]]
        self.applied[check.id] = bytearray(mask.tobytes())
        if check.quality_weight > 0 and applies.any():
            idx = rows.idx[applies]
            self.has_q[idx] = True
            self.log_q[idx] += _log_scores(score[applies], check.quality_weight)
        for pos in np.flatnonzero(flagged & applies).tolist():
            k = int(scope[pos])
            sev = sc.settings[k].severity
            path = self.paths[int(rows.idx[pos])]
            self.findings.append(
                FindingResult(
                    check.id,
                    sev if sev != "off" else "info",
                    (path,),
                    judged[k].message(pos),
                    float(score[pos]),
                    judged[k].value(pos),
                    scope=k,
                    sha256=self.sha_of.get(path),
                )
            )
        per_scope = np.bincount(sc.of[mask.astype(np.bool_)] + 1, minlength=len(self.matches) + 1)
        for k in sc.on():
            st = sc.settings[k]
            checked = int(per_scope[k + 1])
            self.runs.append(CheckRun(check.id, "image", k, st, sc.images[k], checked))

    def dataset_check(self, check: DatasetCheck, ctx: DatasetContext) -> None:
        sc = self.scopes(check)
        if not sc.on():
            return
        base = sc.settings[-1]
        claimed = len(sc.settings) > 1
        index = {p: i for i, p in enumerate(self.paths)} if claimed else {}
        for fd in check.run(ctx, base.threshold, base.options):
            k = -1
            if claimed and fd.paths and fd.paths[0] in index:
                k = int(sc.of[index[fd.paths[0]]])
            sev = sc.settings[k].severity
            if sev == "off":
                continue
            self.findings.append(
                FindingResult(
                    check.id, sev, tuple(fd.paths), fd.message, fd.score, fd.value, fd.data,
                    scope=k, sha256=self.sha_of.get(fd.paths[0]) if fd.paths else None,
                )
            )  # fmt: skip
        for k in sc.on():
            images = sc.images[k]
            self.runs.append(CheckRun(check.id, "dataset", k, sc.settings[k], images, images))

    def finish(self) -> Evaluation:
        quality = _quality(self.log_q, self.has_q)
        if self.reuse is not None and (self.same >= 0).any():
            self._take_reused(quality, self.reuse)
        hits = _apply_waivers(self.findings, self.policy.waivers)
        return Evaluation(
            self.policy, self.n, self.paths, quality, self.findings, self.runs, hits,
            self.shas, self.applied,
        )  # fmt: skip

    def _take_reused(self, quality: list[float | None], reuse: Evaluation) -> None:
        """The quality and image-check findings of the reused rows, from ``reuse``."""
        image_ids = {c.id for c in self.checks.values() if isinstance(c, ImageCheck)}
        prior: dict[str, list[FindingResult]] = {}
        for f in reuse.findings:
            if f.check in image_ids and f.paths:
                prior.setdefault(f.paths[0], []).append(f)
        for i in np.flatnonzero(self.same >= 0).tolist():
            quality[i] = reuse.quality[self.same[i]]
            for f in prior.get(self.paths[i], ()):
                self.findings.append(f if f.waived is None else replace(f, waived=None))
        _canonical_order(self.findings, self.checks, self.paths)


def _judge(
    check: ImageCheck, sc: _Scopes, scope: npt.NDArray[np.intp], cols: Columns
) -> tuple[
    npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.float64], dict[int, Judged]
]:
    """(applies, flagged, score) of ``check`` on the rows of ``cols`` (``scope`` aligned with
    them), each row judged under its scope's settings, and the judgement of each scope."""
    m = cols.n
    applies = np.zeros(m, dtype=np.bool_)
    flagged = np.zeros(m, dtype=np.bool_)
    score = np.ones(m, dtype=np.float64)
    judged: dict[int, Judged] = {}
    for k in sc.on():
        sel = scope == k
        if not m or not sel.any():
            continue
        st = sc.settings[k]
        j = judged[k] = check.judge(cols, st.threshold, st.options)
        applies[sel] = j.applies[sel]
        flagged[sel] = (j.flagged & j.applies)[sel]
        score[sel] = j.score[sel]
    return applies, flagged, score, judged


def _log_scores(score: npt.NDArray[np.float64], weight: float) -> npt.NDArray[np.float64]:
    """``weight * log(min(1, max(0, score)))`` (-inf at 0), with ``math.log``'s floats."""
    sc = np.where(np.isnan(score), 0.0, np.clip(score, 0.0, 1.0))
    out = np.zeros(sc.size)
    out[sc <= 0] = -math.inf
    partial = np.flatnonzero((sc > 0) & (sc < 1))
    if partial.size:
        logs = np.array([math.log(x) for x in sc[partial].tolist()], dtype=np.float64)
        out[partial] = weight * logs
    return out


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
