"""The result of one run (``ci``, ``report``, ``comment``): what every renderer reads.

:func:`build_result` evaluates a head manifest under a policy and, when a base manifest is given,
evaluates the base too, diffs the two and splits the head's findings into *introduced* by the
change and *existing* before it (following renames), and the base's into *resolved*. Under
``mode: new-only`` only introduced findings are judged; under ``mode: absolute`` all are.
Relative limits (``max_<x>_pct_increase``) compare the head's observed percentage with the
base's.

Renderers (HTML, Markdown, SARIF, JUnit, annotations) take a :class:`RunResult` and nothing
else, so they agree with each other and with the exit code.

The words, each for one stage: *evaluate* runs the checks (:mod:`imgeda_ci.evaluate`, giving an
:class:`~imgeda_ci.evaluation.Evaluation`: findings and quality scores, no pass or fail);
*judge* compares them with the policy's limits (:mod:`imgeda_ci.verdict`, giving a
:class:`~imgeda_ci.verdict.Verdict`); the *run result* holds a whole run: the head's and the
base's evaluations and verdicts, and the diff.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from imgeda_ci.base_evaluator import BaseEvaluator, BaseManifest, InProcessEvaluator
from imgeda_ci.diff import ManifestDiff, diff
from imgeda_ci.dupes.search import DupeSearch
from imgeda_ci.evaluate import Evaluation, FindingResult, evaluate, fingerprint
from imgeda_ci.model import ImageRecord, ManifestHeader
from imgeda_ci.policy import Policy
from imgeda_ci.verdict import Verdict, judge


@dataclass
class RunResult:
    """Everything one run found; see the module doc."""

    header: ManifestHeader | None
    records: list[ImageRecord]
    policy: Policy
    evaluation: Evaluation
    verdict: Verdict
    base_header: ManifestHeader | None = None
    base_records: list[ImageRecord] | None = None
    base_evaluation: Evaluation | None = None
    base_verdict: Verdict | None = None
    diff: ManifestDiff | None = None
    introduced: list[FindingResult] = field(default_factory=list)
    existing: list[FindingResult] = field(default_factory=list)
    resolved: list[FindingResult] = field(default_factory=list)
    mode: str = "absolute"
    strict: bool = False
    scan: dict[str, Any] = field(default_factory=dict)  # scan statistics, when a scan ran

    @property
    def passed(self) -> bool:
        return self.verdict.passed

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code

    @property
    def has_base(self) -> bool:
        return self.base_records is not None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "tool": "imgeda-ci",
            "mode": self.mode,
            "passed": self.passed,
            "exit_code": self.exit_code,
            "verdict": self.verdict.to_json(),
            "scan": self.scan,
        }
        if self.header is not None:
            out["manifest"] = {
                "root": self.header.get("root"),
                "counts": self.header.get("counts"),
                "settings_hash": self.header.get("settings_hash"),
            }
        if self.diff is not None:
            out["diff"] = self.diff.to_json()
            out["introduced"] = [f.to_json() for f in self.introduced]
            out["resolved"] = [f.to_json() for f in self.resolved]
            out["existing_count"] = len(self.existing)
        return out


def _key(f: FindingResult, rename: dict[str, str]) -> str:
    path = f.paths[0] if f.paths else ""
    return fingerprint(f.check, rename.get(path, path))


def split_findings(
    head: Sequence[FindingResult], base: Sequence[FindingResult], d: ManifestDiff
) -> tuple[list[FindingResult], list[FindingResult], list[FindingResult]]:
    """(introduced, existing, resolved): base findings are matched to head findings by check and
    path, with renamed paths followed to their new place."""
    rename = d.rename_map()
    base_keys = {_key(f, rename) for f in base if f.waived is None}
    head_keys = {_key(f, {}) for f in head}
    introduced = [f for f in head if _key(f, {}) not in base_keys]
    existing = [f for f in head if _key(f, {}) in base_keys]
    resolved = [f for f in base if f.waived is None and _key(f, rename) not in head_keys]
    return introduced, existing, resolved


def build_result(
    records: list[ImageRecord],
    policy: Policy,
    *,
    header: ManifestHeader | None = None,
    base_records: list[ImageRecord] | None = None,
    base_header: ManifestHeader | None = None,
    strict: bool = False,
    evaluator: BaseEvaluator | None = None,
    search: DupeSearch | None = None,
) -> RunResult:
    """Evaluate, compare with the base when given, and judge (see module doc).

    ``evaluator``: what answers the questions about the base (its image outcomes, near pairs,
    half of the diff and evaluation; :mod:`imgeda_ci.base_evaluator`); by default the base is
    evaluated here, after the head. Both evaluations, the diff and the duplicate searches share
    one :class:`~imgeda_ci.dupes.search.DupeSearch` (``search``, made here when not given):
    each column is extracted once, each pair of pictures verified once."""
    search = search if search is not None else DupeSearch()
    head_cols = search.columns(records)
    if base_records is None:
        ev = evaluate(records, policy, header=header, cols=head_cols, search=search)
        verdict = judge(ev, strict=strict)
        return RunResult(header, records, policy, ev, verdict, mode=policy.mode, strict=strict)
    base = BaseManifest(base_header, base_records)
    evaluator = evaluator if evaluator is not None else InProcessEvaluator(policy)
    reuse = evaluator.image_outcomes(base, search)
    if reuse is not None:  # the base's near pairs, once the head's duplicate checks need them
        search.expect(partial(evaluator.near_pairs, base))
        # and the verdicts its evaluation found, once the head's first verification needs them
        search.expect_verdicts(partial(evaluator.verdicts, base))
    ev = evaluate(
        records,
        policy,
        header=header,
        base=base.records,
        reuse=reuse,
        cols=head_cols,
        search=search,
    )
    d = diff(
        base.records,
        records,
        base_side=evaluator.diff_side(base, search),
        base_cols=search.columns(base.records),
        head_cols=head_cols,
    )
    base_ev = evaluator.evaluation(base, ev, search)
    return _compared(records, policy, header, base, strict, ev, base_ev, d)


def _compared(
    records: list[ImageRecord],
    policy: Policy,
    header: ManifestHeader | None,
    base: BaseManifest,
    strict: bool,
    ev: Evaluation,
    base_ev: Evaluation,
    d: ManifestDiff,
) -> RunResult:
    """The result of a head evaluation ``ev`` against the base's ``base_ev``, given their diff."""
    base_verdict = judge(base_ev, strict=strict)
    introduced, existing, resolved = split_findings(ev.findings, base_ev.findings, d)
    judged = introduced if policy.mode == "new-only" else None
    verdict = judge(ev, strict=strict, findings=judged, base=base_verdict)
    return RunResult(
        header,
        records,
        policy,
        ev,
        verdict,
        base_header=base.header,
        base_records=base.records,
        base_evaluation=base_ev,
        base_verdict=base_verdict,
        diff=d,
        introduced=introduced,
        existing=existing,
        resolved=resolved,
        mode=policy.mode,
        strict=strict,
    )
