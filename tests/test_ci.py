"""`imgeda-ci ci` in a real git repository: the base from git, the diff, new-only vs absolute."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from imgeda_ci.cli import main
from tests.builders import dark, encode, photo, save

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

SIZE = (320, 240)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.email=t@t", "-c", "user.name=t", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def near_copy(src: Path, dest: Path) -> None:
    """A resized, re-encoded copy: a near-duplicate, not a byte or pixel copy."""
    img = Image.open(src).convert("RGB").resize((288, 216), Image.Resampling.LANCZOS)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(encode(img, "JPEG", quality=70))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """:func:`make_repo`."""
    return make_repo(tmp_path)


def make_repo(tmp_path: Path) -> Path:
    """main: 10 train + 4 test photos and one dark image (existing debt); branch pr: renames 3,
    modifies 2, adds 5 (a near-copy of a train image in train, one in test: leakage), deletes 1.
    """
    root = tmp_path / "repo"
    data = root / "data"
    for i in range(10):
        save(data / "train" / f"t{i}.jpg", photo(i, SIZE))
    for i in range(4):
        save(data / "test" / f"v{i}.jpg", photo(100 + i, SIZE))
    save(data / "train" / "night.jpg", dark(200, SIZE))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    git(root, "checkout", "-q", "-b", "pr")
    for i in range(3):  # renamed
        (data / "train" / f"t{i}.jpg").rename(data / "train" / f"renamed_{i}.jpg")
    for i in (3, 4):  # modified
        save(data / "train" / f"t{i}.jpg", photo(300 + i, SIZE))
    near_copy(data / "train" / "t5.jpg", data / "train" / "t5_copy.jpg")  # added: near-copy
    near_copy(data / "train" / "t6.jpg", data / "test" / "v_leak.jpg")  # added: leakage
    for i in range(3):  # added: fine
        save(data / "train" / f"new_{i}.jpg", photo(400 + i, SIZE))
    (data / "test" / "v3.jpg").unlink()  # deleted
    git(root, "add", "-A")
    git(root, "commit", "-qm", "a change")
    return root


def run_ci(root: Path, policy: str, *extra: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    (root.parent / "policy.yml").write_text(policy)
    out = root.parent / "result.json"
    code = main(
        [
            "ci",
            str(root / "data"),
            "--base-ref",
            "main",
            "-p",
            str(root.parent / "policy.yml"),
            "--manifest-out",
            str(root.parent / "head.jsonl"),
            "--json-out",
            str(out),
            "-q",
            *extra,
        ]
    )
    return code, json.loads(out.read_text())


STRICT = """
checks:
  dark: {severity: error}
  near_duplicate: {severity: error}
  duplicate_of_base: {severity: error}
"""


def test_diff_reports_exactly_the_change(repo: Path) -> None:
    code, result = run_ci(repo, STRICT)
    d = result["diff"]
    assert d["summary"] == {
        "added": 5, "removed": 1, "modified": 2, "renamed": 3, "unchanged": 9,
    }  # fmt: skip
    assert sorted(r["from"] for r in d["renamed"]) == [f"train/t{i}.jpg" for i in range(3)]
    assert d["modified"] == ["train/t3.jpg", "train/t4.jpg"]
    assert d["removed"] == ["test/v3.jpg"]
    assert result["scan"]["base"] == "main (scanned from git)"
    # only what the change brought in was decoded for the base: the deleted and modified images
    assert code == 2


def test_new_only_fails_only_on_introduced_problems(repo: Path) -> None:
    code, result = run_ci(repo, "mode: new-only\n" + STRICT)
    assert code == 2
    introduced = {(f["check"], f["path"]) for f in result["introduced"]}
    assert ("leakage", "test/v_leak.jpg") in introduced or (
        "leakage",
        "train/t6.jpg",
    ) in introduced
    assert ("duplicate_of_base", "train/t5_copy.jpg") in introduced
    assert all(p != "train/night.jpg" for _, p in introduced)  # existing debt
    limits = {r["name"]: r for r in result["verdict"]["results"] if r["scope"] == ""}
    assert limits["dark"]["count"] == 0 and limits["dark"]["status"] == "pass"
    assert limits["leakage"]["status"] == "fail"
    assert limits["duplicate_of_base"]["status"] == "fail"


def test_absolute_fails_on_all_problems(repo: Path) -> None:
    code, result = run_ci(repo, "mode: absolute\n" + STRICT)
    assert code == 2
    limits = {r["name"]: r for r in result["verdict"]["results"] if r["scope"] == ""}
    assert limits["dark"]["status"] == "fail" and limits["dark"]["count"] == 1
    assert limits["leakage"]["status"] == "fail"


def test_without_the_introduced_problems_new_only_passes(repo: Path) -> None:
    data = repo / "data"
    (data / "train" / "t5_copy.jpg").unlink()
    (data / "test" / "v_leak.jpg").unlink()
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "drop the copies")
    code, result = run_ci(repo, "mode: new-only\n" + STRICT)
    assert code == 0, result["verdict"]["results"]
    code, _ = run_ci(repo, "mode: absolute\n" + STRICT)
    assert code == 2  # the base's dark image is still there


def _commit_manifest(repo: Path, *, merge: bool) -> None:
    """Scan main into data.jsonl and commit it there; with ``merge``, bring it into pr."""
    git(repo, "checkout", "-q", "main")
    assert main(["scan", str(repo / "data"), "-o", str(repo / "data.jsonl"), "-q"]) == 0
    git(repo, "add", "data.jsonl")
    git(repo, "commit", "-qm", "manifest")
    if merge:
        git(repo, "checkout", "-q", "pr")
        git(repo, "merge", "-q", "--no-edit", "main")


def test_committed_manifest_is_the_base(repo: Path) -> None:
    """With the manifest committed on main, the base is read with git show, not scanned."""
    _commit_manifest(repo, merge=True)
    out = repo.parent / "r.json"
    code = main(["ci", str(repo / "data"), "--base-ref", "main", "--manifest-out",
                 str(repo / "data.jsonl"), "--json-out", str(out), "-q"])  # fmt: skip
    result = json.loads(out.read_text())
    assert result["scan"]["base"] == "main:" + str(repo / "data.jsonl")
    assert result["diff"]["summary"]["added"] == 5
    # every unchanged image came from the committed manifest by git blob id, unread
    assert result["scan"]["analysed"] == 7 and result["scan"]["reused_git"] == 12
    assert code in (0, 2)
    # records taken from the parsed base manifest give the bytes a scan from scratch gives
    fresh = repo.parent / "fresh.jsonl"
    assert main(["scan", str(repo / "data"), "-o", str(fresh), "-q", "--no-git"]) == 0
    assert (repo / "data.jsonl").read_bytes() == fresh.read_bytes()


@pytest.mark.parametrize("where", ["work tree edited", "index differs"])
def test_base_is_the_committed_blob_not_an_edited_work_tree_file(repo: Path, where: str) -> None:
    """The committed manifest is read from the work tree only when the file is that blob (its
    blob id matches); an edited (or staged-but-different) file must not stand in for the base."""
    from imgeda_ci import ci

    _commit_manifest(repo, merge=False)
    committed = (repo / "data.jsonl").read_bytes()
    lines = committed.splitlines(keepends=True)
    edited = b"".join(lines[:-1])  # the last record dropped: a different, valid manifest
    (repo / "data.jsonl").write_bytes(edited)
    if where == "index differs":
        git(repo, "add", "data.jsonl")
    assert ci.committed_manifest(repo / "data", "main", repo / "data.jsonl") == committed
    git(repo, "checkout", "-q", "HEAD", "--", "data.jsonl")
    assert ci._work_tree_copy(repo.resolve(), "main", "data.jsonl") == committed


def _committed_repo(repo: Path) -> list[str]:
    _commit_manifest(repo, merge=True)
    return ["ci", str(repo / "data"), "--base-ref", "main", "-p", str(repo.parent / "p.yml"),
            "--manifest-out", str(repo / "data.jsonl"), "-q"]  # fmt: skip


def _broken_child(how: str) -> Callable[..., None]:
    def child(*args: object) -> None:
        if how == "dies":
            os._exit(3)
        raise RuntimeError("boom")

    return child


#: a policy without the checks that take the base process's near pairs in
NO_PAIRS = "checks:\n  dark: {severity: error}\n" + "".join(
    f"  {c}: {{severity: off}}\n"
    for c in (
        "near_duplicate",
        "duplicate_exact",
        "duplicate_pixels",
        "duplicate_of_base",
        "leakage",
    )
)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="a second process needs a second core")
@pytest.mark.parametrize("child", ["works", "fails", "dies", "works, no pairs asked for"])
def test_base_evaluated_in_a_second_process_gives_the_same_result(
    repo: Path, child: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The base's evaluation from the forked child (imgeda_ci.base_evaluator.ForkedEvaluator),
    or the reference's when the child fails or dies, is the one the in-process evaluator makes;
    with no duplicate check the near pairs the child sends are never taken in, and its
    evaluation, sent after them, is still the one used."""
    from imgeda_ci import base_evaluator

    (repo.parent / "p.yml").write_text(NO_PAIRS if "no pairs" in child else STRICT)
    args = _committed_repo(repo)

    monkeypatch.setattr(base_evaluator, "default", lambda: base_evaluator.in_process)
    assert main([*args, "--json-out", str(repo.parent / "seq.json")]) == 2
    sequential = json.loads((repo.parent / "seq.json").read_text())

    monkeypatch.setattr(base_evaluator, "default", lambda: base_evaluator.forked)
    got: list[object] = []
    real = base_evaluator.ForkedEvaluator._evaluation

    def spy(job: base_evaluator.ForkedEvaluator, kind: str, *rest: object) -> object:
        answer = real(job, kind, *rest)  # type: ignore[arg-type]
        if kind == "evaluation":
            got.append(answer)
        return answer

    monkeypatch.setattr(base_evaluator.ForkedEvaluator, "_evaluation", spy)
    if child == "fails":  # an error in the work: reported to the parent
        monkeypatch.setattr(base_evaluator, "_work", _broken_child(child))
    elif child == "dies":
        monkeypatch.setattr(base_evaluator, "_child", _broken_child(child))
    git(repo, "checkout", "-q", "--", "data.jsonl")
    assert main([*args, "--json-out", str(repo.parent / "par.json")]) == 2
    parallel = json.loads((repo.parent / "par.json").read_text())
    if child.startswith("works"):  # the child's evaluation was used
        assert len(got) == 1 and got[0] is not None
    else:  # the parent noticed and evaluated the base itself
        assert got in ([], [None])
    assert parallel == sequential
    assert parallel["diff"]["summary"]["added"] == 5
