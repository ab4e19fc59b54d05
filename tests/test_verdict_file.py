"""Near-copy verdicts kept between runs (:mod:`imgeda_ci.dupes.verdictfile`).

``imgeda-ci ci`` starts from the verdict file beside its manifest and writes back the verdicts
it used: a second run verifies no pair, a run after a change only the pairs it made, and every
result is the one verifying from scratch gives. A file that cannot be used is a one-line
warning, never a traceback and never a wrong verdict.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from imgeda_ci import base_evaluator
from imgeda_ci.dupes import verdictfile
from imgeda_ci.dupes.verdictmemo import UNKNOWN, MemoState, VerdictMemo, digest
from imgeda_ci.dupes.verify import COPY, DIFFERENT, LOCAL
from tests.test_ci import STRICT, make_repo, near_copy, run_ci
from tests.test_verdict_reuse import Counter

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose pull request adds near copies (:func:`tests.test_ci.make_repo`)."""
    return make_repo(tmp_path)


def _verdicts(state: MemoState) -> set[tuple[bytes, bytes, int, int]]:
    """The verdicts of a memo state, by the thumbnails' digests: (a, b, code, kind)."""
    names = [state.digests[k : k + 16] for k in range(0, len(state.digests), 16)]
    out = set()
    for key, row in zip(state.keys.tolist(), state.kinds.tolist(), strict=True):
        for code, kind in enumerate(row):
            if kind != UNKNOWN:
                out.add((names[key >> 32], names[key & 0xFFFFFFFF], code, kind))
    return out


def _memo() -> VerdictMemo:
    memo = VerdictMemo()
    ids = memo.ids(["t0", "t1", "t2", "t3"])
    memo.put(
        ids[[0, 1, 2]],
        ids[[1, 2, 3]],
        np.array([0, 3, 8]),
        np.array([COPY, LOCAL, DIFFERENT], np.int8),
    )
    return memo


def test_only_the_verdicts_a_run_used_are_kept(tmp_path: Path) -> None:
    """A memo started from a file keeps, of the file's verdicts, those the run asked for, with
    the ones it found; the digests of thumbnails no kept pair names are dropped."""
    path = tmp_path / "m.verdicts"
    verdictfile.write(path, _memo().state(used_only=True), "key")
    seed = verdictfile.read(path, "key")
    assert seed is not None and len(seed.keys) == 3
    run = VerdictMemo()
    run.merge(seed, used=False)
    ids = run.ids(["t4", "t1", "t2", "t0"])  # t4 is new; t3 is gone from the dataset
    got = run.get(ids[[1]], ids[[2]], np.array([3]))
    assert got.tolist() == [LOCAL]
    run.put(ids[[3]], ids[[0]], np.array([5]), np.array([DIFFERENT], np.int8))
    kept = run.state(used_only=True)
    assert _verdicts(kept) == {
        (digest("t1"), digest("t2"), 3, LOCAL),
        (digest("t0"), digest("t4"), 5, DIFFERENT),
    }
    assert len(kept.digests) == 4 * 16  # t0, t1, t2, t4: not t3, whose pair was not used
    assert _verdicts(run.state()) >= _verdicts(kept)  # all of them, used or not


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (lambda b: b"not a verdict file at all", "is not a verdict file"),
        (lambda b: b[:-5], "is truncated or damaged"),
        (lambda b: b.replace(b'"key"', b'"old"'), "was made by another version of the verifier"),
        (lambda b: b.replace(b'"thumbs":4', b'"thumbs":x'), "has a damaged header"),
        (lambda b: b[:-1] + b"\x09", "is damaged"),  # a verdict that is none
    ],
)
def test_a_file_that_cannot_be_used_is_one_line_and_ignored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: Any, why: str
) -> None:
    path = tmp_path / "m.verdicts"
    verdictfile.write(path, _memo().state(), "key")
    assert verdictfile.read(path, "key") is not None
    path.write_bytes(damage(path.read_bytes()))
    assert verdictfile.read(path, "key") is None
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{path} {why}; ignored" in err


def test_no_file_is_no_warning_and_an_unwritable_one_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert verdictfile.read(tmp_path / "none.verdicts", "key") is None
    assert capsys.readouterr().err == ""
    (tmp_path / "file").write_text("x")
    verdictfile.write(tmp_path / "file" / "m.verdicts", _memo().state(), "key")
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "verdicts not kept:" in err and "cannot write" in err


def test_the_verifier_key_follows_the_verifier_s_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another verifier (here: its source read from another file) has another key."""
    key = verdictfile.verifier_key()
    assert len(key) == 64 and key == verdictfile.verifier_key()
    monkeypatch.setattr(verdictfile.verify, "__file__", verdictfile.align.__file__)
    assert verdictfile.verifier_key() not in ("", key)


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return {k: v for k, v in a.items() if k != "scan"} == {
        k: v for k, v in b.items() if k != "scan"
    }


def test_a_second_run_verifies_nothing_and_a_change_only_its_pairs(
    repo: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(base_evaluator, "default", lambda: base_evaluator.in_process)
    count = Counter(monkeypatch)
    first = run_ci(repo, STRICT)
    everything = count.pairs
    kept = repo.parent / "head.verdicts"
    assert everything > 0 and kept.exists()

    count.pairs = 0
    second = run_ci(repo, STRICT)
    assert count.pairs == 0
    assert second[0] == first[0] and _same(second[1], first[1])

    near_copy(repo / "data" / "train" / "t8.jpg", repo / "data" / "test" / "v_leak2.jpg")
    count.pairs = 0
    changed = run_ci(repo, STRICT)
    made = count.pairs
    assert 0 < made < everything
    count.pairs = 0
    kept.unlink()  # from scratch: the same result, every pair verified
    scratch = run_ci(repo, STRICT)
    from_scratch = count.pairs
    assert from_scratch > made and _same(scratch[1], changed[1])
    assert any(f["check"] == "leakage" and any("v_leak2" in p for p in f["paths"])
               for f in changed[1]["introduced"])  # fmt: skip

    count.pairs = 0
    assert kept.exists()
    run_ci(repo, STRICT, "--no-verdicts")
    assert count.pairs == from_scratch  # nothing read
    kept.unlink()
    run_ci(repo, STRICT, "--no-verdicts")
    assert not kept.exists()  # nothing written


def test_a_forked_base_keeps_the_verdicts_the_reference_keeps(
    repo: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the base evaluated in a second process, the file holds the same verdicts as with
    the base evaluated here: the base's own, sent back, and the head's."""
    kept = repo.parent / "head.verdicts"
    key = verdictfile.verifier_key()
    monkeypatch.setattr(base_evaluator, "default", lambda: base_evaluator.in_process)
    reference = run_ci(repo, STRICT)
    here = verdictfile.read(kept, key)
    kept.unlink()
    monkeypatch.setattr(base_evaluator, "default", lambda: base_evaluator.forked)
    forked = run_ci(repo, STRICT)
    there = verdictfile.read(kept, key)
    assert here is not None and there is not None and len(here.keys) > 0
    assert _verdicts(there) == _verdicts(here)
    assert _same(forked[1], reference[1])
    # and a forked run started from the file verifies nothing in this process
    count = Counter(monkeypatch)
    again = run_ci(repo, STRICT)
    assert count.pairs == 0 and _same(again[1], reference[1])


def test_a_verdict_file_inside_the_dataset_is_not_a_stray_file(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A manifest kept in the dataset folder (the Action's ``manifest: data/manifest.jsonl``)
    has its verdict file there too: neither is reported as a stray file."""
    from imgeda_ci.cli import main

    data = repo / "data"
    (data / "weights.bin").write_bytes(b"\0" * 10)  # a stray file, to see that they are found
    out = data / "manifest.jsonl"
    for _ in range(2):  # the second run's scan sees the first one's files
        main(["ci", str(data), "--manifest-out", str(out), "-q", "--json-out", "-"])
    assert (data / "manifest.verdicts").exists()
    capsys.readouterr()
    main(["check", "-m", str(out), "--json", "--include-info"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    strays = [f["path"] for f in findings if f["check"] == "dataset_stray_file"]
    assert strays == ["weights.bin"]


def test_the_dataset_pre_commit_hook_keeps_its_verdicts(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dataset hook keeps the verdict file beside its manifest: a second commit verifies no
    pair, the same verdict; an unchanged file is not rewritten (a committed one stays
    unmodified)."""
    from imgeda_ci.integrations.precommit_dataset import run_dataset

    (repo.parent / "p.yml").write_text(STRICT)
    out = repo / "data" / "manifest.jsonl"
    count = Counter(monkeypatch)
    first = run_dataset(repo / "data", out, policy_path=repo.parent / "p.yml")
    kept = repo / "data" / "manifest.verdicts"
    assert count.pairs > 0 and kept.exists()
    stamp = kept.stat().st_mtime_ns
    count.pairs = 0
    second = run_dataset(repo / "data", out, policy_path=repo.parent / "p.yml")
    assert count.pairs == 0
    assert second[0] == first[0] == 2
    assert kept.stat().st_mtime_ns == stamp
