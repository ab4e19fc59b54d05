"""A pull-request run verifies each candidate pair of unchanged pictures once.

The head's and the base's evaluations share the run's verdict memo
(:mod:`imgeda_ci.dupes.verdictmemo`), keyed by the thumbnails' content: in one process through
the run's :class:`~imgeda_ci.dupes.search.DupeSearch`, and from a forked base process through
the verdicts it sends. Every finding is the one verifying from scratch gives, including for an
image that changed at the same path (same row, same path, another picture).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from imgeda_ci import manifest
from imgeda_ci.dupes import verify
from imgeda_ci.dupes.search import DupeSearch
from imgeda_ci.evaluate import evaluate
from imgeda_ci.model import ImageRecord
from imgeda_ci.policy import default_policy
from imgeda_ci.run_result import build_result
from imgeda_ci.scan.analyze import analyze_bytes
from imgeda_ci.scan.settings import Settings
from tests.dupes.scenes import jpeg, scene, shot
from tests.dupes.test_copies import same_scene
from tests.test_run_result import with_forked_base


def _record(data: bytes, path: str) -> ImageRecord:
    rec = analyze_bytes(data, Settings(), use_alarm=False)
    rec["path"] = path
    return rec


@pytest.fixture(scope="module")
def lists() -> tuple[list[ImageRecord], list[ImageRecord]]:
    """(base, head): a copy, the same scene, a mirrored copy across splits; ``train/b.jpg`` is
    a copy of ``train/a.jpg`` in the base and another shot of its scene (objects moved) in
    the head: the same row and path, another verdict."""
    first, second = same_scene(7)
    p = shot(scene(12), 40, 30)
    q = shot(scene(13), 10, 50)
    common = [
        ("train/a.jpg", jpeg(first)),
        ("train/p.jpg", jpeg(p)),
        ("train/p_copy.jpg", jpeg(p, 60)),
        ("train/q_mirror.jpg", jpeg(q.transpose(Image.Transpose.FLIP_LEFT_RIGHT))),
        ("val/q.jpg", jpeg(q)),
    ]
    base = [_record(data, path) for path, data in common]
    head = list(base)
    base.insert(1, _record(jpeg(first, 60), "train/b.jpg"))
    head.insert(1, _record(jpeg(second), "train/b.jpg"))
    return base, head


class Counter:
    """Pairs :func:`imgeda_ci.dupes.verify.classify` verified in this process."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.pairs = 0
        real = verify.classify

        def counted(a: Any, b: Any) -> Any:
            self.pairs += len(a)
            return real(a, b)

        monkeypatch.setattr(verify, "classify", counted)


def _dupes(findings: list[Any]) -> set[tuple[str, tuple[str, ...]]]:
    checks = ("near_duplicate", "leakage", "same_scene")
    return {(f.check, tuple(f.paths)) for f in findings if f.check in checks}


def test_the_base_after_the_head_verifies_only_the_pictures_a_change_touched(
    lists: tuple[list[ImageRecord], list[ImageRecord]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Evaluated after the head with the run's search, a base identical to the head verifies
    nothing; a base whose one image differs verifies only that image's pairs, and finds what
    it finds alone."""
    base, head = lists
    policy = default_policy()
    count = Counter(monkeypatch)
    alone = evaluate(base, policy)  # from scratch
    everything = count.pairs
    assert everything > 0
    search = DupeSearch()
    evaluate(list(base), policy, search=search)
    before = count.pairs
    again = evaluate(base, policy, search=search)  # the same pictures, another record list
    assert count.pairs == before
    assert again.findings == alone.findings

    search = DupeSearch()
    evaluate(head, policy, search=search)
    before = count.pairs
    shared = evaluate(base, policy, search=search)
    touched = count.pairs - before
    assert 0 < touched < everything  # train/b.jpg's base picture, against its candidates
    assert shared.findings == alone.findings


def test_an_image_changed_at_the_same_path_is_verified_again(
    lists: tuple[list[ImageRecord], list[ImageRecord]],
) -> None:
    """``train/b.jpg`` is a copy in the base, the same scene in the head: a memo keyed by row
    or path would hand the base the head's verdict. Both evaluations are the ones made from
    scratch, and they differ where the pictures do."""
    base, head = lists
    policy = default_policy()
    result = build_result(head, policy, base_records=base)
    assert result.base_evaluation is not None
    assert result.base_evaluation.findings == evaluate(base, policy).findings
    assert result.evaluation.findings == evaluate(head, policy, base=base).findings
    pair = ("train/b.jpg", "train/a.jpg")
    base_found, head_found = (
        _dupes(result.base_evaluation.findings),
        _dupes(result.evaluation.findings),
    )
    assert any(c == "near_duplicate" and set(p) == set(pair) for c, p in base_found)
    assert not any(c == "near_duplicate" and set(p) == set(pair) for c, p in head_found)
    assert any(c == "same_scene" and "train/b.jpg" in p for c, p in head_found)
    assert any(c == "leakage" for c, _ in head_found)  # the mirrored copy across splits


@pytest.mark.skipif(
    (os.cpu_count() or 1) < 2 or not sys.platform.startswith("linux"),
    reason="a forked second process needs Linux and a second core",
)
@pytest.mark.parametrize("change", [False, True])
def test_the_head_takes_the_verdicts_of_the_forked_base(
    lists: tuple[list[ImageRecord], list[ImageRecord]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    change: bool,
) -> None:
    """With the base evaluated in a forked process, the head's process verifies only the
    pairs of pictures the base does not have (none when nothing changed), and the result is
    the reference's, finding for finding."""
    from imgeda_ci.base_evaluator import InProcessEvaluator

    base, head = lists
    if not change:
        head = list(base)
    policy = default_policy()
    reference = build_result(head, policy, base_records=base, evaluator=InProcessEvaluator(policy))
    path = tmp_path / "base.jsonl"
    manifest.write(path, None, base)
    count = Counter(monkeypatch)
    evaluate(head, policy, base=base)
    head_alone, count.pairs = count.pairs, 0
    got = with_forked_base(path, head, policy)
    assert got.to_json() == reference.to_json()
    assert got.base_evaluation is not None and reference.base_evaluation is not None
    assert got.base_evaluation.findings == reference.base_evaluation.findings
    assert got.evaluation.findings == reference.evaluation.findings
    if change:  # train/b.jpg's head picture against its candidates
        assert 0 < count.pairs < head_alone
    else:
        assert count.pairs == 0
