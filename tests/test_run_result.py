"""build_result: base vs head, introduced/resolved findings, new-only mode, relative limits."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from imgeda_ci import manifest
from imgeda_ci.evaluate import evaluate
from imgeda_ci.model import ImageRecord
from imgeda_ci.policy import Policy, default_policy, parse_policy
from imgeda_ci.run_result import RunResult, build_result
from imgeda_ci.scan.api import scan_folder
from tests.builders import blurred, dark, photo, save


def scanned(root: Path, out: Path) -> list[ImageRecord]:
    scan_folder(root, out, use_git=False)
    return manifest.load(out)[1]


def make(tmp: Path) -> tuple[list[ImageRecord], list[ImageRecord]]:
    base = tmp / "base"
    for i in range(8):
        save(base / f"ok_{i}.jpg", photo(i, (320, 240)))
    save(base / "old_dark.jpg", dark(50, (320, 240)))  # existing debt
    save(base / "fixed.jpg", blurred(51, (320, 240)))  # will be fixed
    head = tmp / "head"
    for p in base.iterdir():
        if p.name != "fixed.jpg":
            (head / p.name).parent.mkdir(parents=True, exist_ok=True)
            (head / p.name).write_bytes(p.read_bytes())
    save(head / "fixed.jpg", photo(51, (320, 240)))  # modified: the blur is gone
    (head / "ok_0.jpg").rename(head / "moved_0.jpg")
    (head / "old_dark.jpg").rename(head / "renamed_dark.jpg")  # debt moved, not introduced
    save(head / "new_dark.jpg", dark(52, (320, 240)))  # introduced
    return scanned(base, tmp / "b.jsonl"), scanned(head, tmp / "h.jsonl")


def test_introduced_resolved_existing(tmp_path: Path) -> None:
    base, head = make(tmp_path)
    r = build_result(head, default_policy(), base_records=base)
    assert r.diff is not None
    assert r.diff.renamed == [("ok_0.jpg", "moved_0.jpg"), ("old_dark.jpg", "renamed_dark.jpg")]
    intro = {(f.check, f.path) for f in r.introduced}
    assert ("dark", "new_dark.jpg") in intro
    assert all(p != "renamed_dark.jpg" for _, p in intro)
    assert ("dark", "renamed_dark.jpg") in {(f.check, f.path) for f in r.existing}
    assert ("blurry", "fixed.jpg") in {(f.check, f.path) for f in r.resolved}


def test_new_only_fails_only_on_introduced(tmp_path: Path) -> None:
    base, head = make(tmp_path)
    strict_dark = "checks:\n  dark: {severity: error}\n"
    absolute = parse_policy(strict_dark)
    new_only = parse_policy("mode: new-only\n" + strict_dark)
    # the base alone fails on its own dark image under both modes when judged absolutely
    assert not build_result(base, absolute).passed
    # head: absolute judges both dark images; new-only only the introduced one
    r_abs = build_result(head, absolute, base_records=base)
    r_new = build_result(head, new_only, base_records=base)
    dark_abs = next(x for x in r_abs.verdict.limits if x.name == "dark")
    dark_new = next(x for x in r_new.verdict.limits if x.name == "dark")
    assert (dark_abs.count, dark_new.count) == (2, 1)
    assert not r_abs.passed and not r_new.passed
    # without the introduced image, new-only passes while absolute still fails on the debt
    head_clean = [r for r in head if r["path"] != "new_dark.jpg"]
    assert build_result(head_clean, new_only, base_records=base).passed
    assert not build_result(head_clean, absolute, base_records=base).passed


def test_relative_limits(tmp_path: Path) -> None:
    base, head = make(tmp_path)  # dark: base 1 of 10 (10%), head 2 of 11 (18.2%)
    loose = parse_policy("max_underexposed_pct_increase: 10\n")
    tight = parse_policy("max_underexposed_pct_increase: 5\n")
    lr = next(x for x in build_result(head, loose, base_records=base).verdict.limits
              if x.name == "dark")  # fmt: skip
    assert lr.status == "pass" and lr.base_count == 1 and lr.head_count == 2
    assert "base 1" in lr.reason
    r = build_result(head, tight, base_records=base)
    assert not r.passed
    assert next(x for x in r.verdict.limits if x.name == "dark").status == "fail"
    # without a base a relative limit is not judged (and so cannot fail the gate)
    alone = build_result(head, tight)
    assert alone.passed
    lr2 = next(x for x in alone.verdict.limits if x.name == "dark")
    assert lr2.status == "skipped" and "needs a base" in lr2.reason


def test_reuse_gives_the_same_evaluation(tmp_path: Path) -> None:
    base, head = make(tmp_path)
    pol = default_policy()
    head_ev = evaluate(head, pol)
    plain = evaluate(base, pol)
    reused = evaluate(base, pol, reuse=head_ev)
    key = lambda ev: sorted((f.check, f.paths, f.value) for f in ev.findings)  # noqa: E731
    assert key(plain) == key(reused)
    assert plain.quality == reused.quality
    assert [(r.check, r.scope, r.checked) for r in plain.runs] == [
        (r.check, r.scope, r.checked) for r in reused.runs
    ]


def test_policy_splits_feed_the_leakage_check(tmp_path: Path) -> None:
    """Folders named neither train nor test: only the policy's split globs reveal the leak."""
    save(tmp_path / "ds" / "fit" / "a.jpg", photo(7, (320, 240)))
    save(tmp_path / "ds" / "holdout" / "a_again.jpg", photo(7, (320, 240)))  # same bytes
    save(tmp_path / "ds" / "fit" / "b.jpg", photo(8, (320, 240)))
    records = scanned(tmp_path / "ds", tmp_path / "m.jsonl")
    plain = build_result(records, default_policy())
    assert not [f for f in plain.evaluation.findings if f.check == "leakage"]
    pol = parse_policy("splits:\n  train: ['fit/**']\n  test: ['holdout/**']\n")
    r = build_result(records, pol)
    leaks = [f for f in r.evaluation.findings if f.check == "leakage"]
    assert {frozenset(f.paths) for f in leaks} == {frozenset({"fit/a.jpg", "holdout/a_again.jpg"})}
    assert not r.passed  # leakage is an error with a limit of 0


def test_bad_split_globs_are_refused() -> None:
    import pytest

    from imgeda_ci.policy import PolicyError

    with pytest.raises(PolicyError, match="splits"):
        parse_policy("splits:\n  train: 3\n")


def test_rows_whose_image_outcomes_can_be_reused() -> None:
    from imgeda_ci.evaluate import _same_rows

    paths = ["a", "b", "c", "d", "e", "f"]
    shas = ["1", "2", None, "4", "", "6"]
    prior_paths = ["b", "a", "c", "d", "e", "a"]  # "a" twice: the last one counts
    prior_shas = ["2", "1", None, "5", "", "9"]
    # b: same path and bytes; a: its last prior row has other bytes; c, e: no bytes to
    # compare; d: other bytes; f: not there before
    assert _same_rows(paths, shas, prior_paths, prior_shas) == [-1, 0, -1, -1, -1, -1]
    assert _same_rows([], [], prior_paths, prior_shas) == []
    assert _same_rows(paths, shas, [], []) == [-1] * 6


@pytest.mark.skipif(
    (os.cpu_count() or 1) < 2 or not sys.platform.startswith("linux"),
    reason="a forked second process needs Linux and a second core",
)
def with_forked_base(path: Path, head: list[ImageRecord], policy: Policy) -> RunResult:
    """:func:`build_result` with the base evaluated by a forked child from the bytes of the
    manifest at ``path`` (the base's records here: this process's own copy of them)."""
    from imgeda_ci.base_evaluator import ForkedEvaluator, forked

    child = forked(path.read_bytes(), path.name, policy)
    assert isinstance(child, ForkedEvaluator)
    try:
        base_header, base = manifest.load(path)
        return build_result(
            head, policy, base_records=base, base_header=base_header, evaluator=child
        )
    finally:
        child.close()


def test_the_forked_base_evaluator_answers_as_the_in_process_one(tmp_path: Path) -> None:
    """The same head and base, judged with the reference evaluator and with a child that
    evaluates the base manifest's bytes: the same result, finding for finding."""
    from imgeda_ci.base_evaluator import InProcessEvaluator

    _, head = make(tmp_path)
    policy = default_policy()
    base_header, base = manifest.load(tmp_path / "b.jsonl")
    reference = build_result(
        head,
        policy,
        base_records=base,
        base_header=base_header,
        evaluator=InProcessEvaluator(policy),
    )
    got = with_forked_base(tmp_path / "b.jsonl", head, policy)
    assert got.to_json() == reference.to_json()
    assert got.base_evaluation is not None and reference.base_evaluation is not None
    assert got.base_evaluation.findings == reference.base_evaluation.findings
    assert got.base_evaluation.quality == reference.base_evaluation.quality
