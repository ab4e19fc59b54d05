"""--include/--exclude and policy globs as users meet them: a real folder, the CLI's output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imgeda_ci import manifest
from imgeda_ci.cli import main
from tests.builders import photo, save
from tests.gate_helpers import corrupt, good
from tests.test_gate import gate

FILES = [
    "train/a.jpg",
    "train/keep.jpg",
    "train/cache/b.jpg",
    "cache/c.jpg",
    "cache/keep.jpg",
    "val/!d.jpg",
    "val/]x.jpg",
    "val/e.png",
]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "ds"
    for i, rel in enumerate(FILES):
        save(root / rel, photo(i, (32, 24)))
    return root


def scan(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, list]:  # type: ignore[type-arg]
    out = root.parent / "m.jsonl"
    out.unlink(missing_ok=True)
    code = main(["scan", str(root), "-o", str(out), "--no-git", *args])
    err = capsys.readouterr().err
    paths = [r["path"] for r in manifest.load(out)[1]] if code == 0 else []
    return code, err, paths


REST = "val/!d.jpg val/]x.jpg val/e.png"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("--exclude cache", f"train/a.jpg train/keep.jpg {REST}"),
        ("--exclude cache/", f"train/a.jpg train/keep.jpg {REST}"),
        ("--exclude /cache/", f"train/a.jpg train/cache/b.jpg train/keep.jpg {REST}"),
        ("--exclude *.jpg --exclude !keep.jpg", "cache/keep.jpg train/keep.jpg val/e.png"),
        (
            "--exclude cache/* --exclude !cache/keep.jpg --exclude train/",
            f"cache/keep.jpg {REST}",
        ),
        ("--include \\!d.jpg --include []]x.jpg", "val/!d.jpg val/]x.jpg"),
        ("--include train --exclude cache", "train/a.jpg train/keep.jpg"),
    ],
)
def test_scan_selects_like_gitignore(
    tree: Path, capsys: pytest.CaptureFixture[str], args: str, expected: str
) -> None:
    code, err, paths = scan(tree, capsys, *args.split())
    assert code == 0, err
    assert paths == expected.split()
    assert "matched no image" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--exclude", "a/[z-a]"], "imgeda-ci: error: --exclude: invalid glob 'a/[z-a]': "),
        (
            ["--include", "val/[bc"],
            "imgeda-ci: error: --include: invalid glob 'val/[bc': unclosed '['",
        ),
        (["--exclude", "#x"], "imgeda-ci: error: --exclude: invalid glob '#x': a leading '#'"),
        (["--exclude", "val**"], "imgeda-ci: error: --exclude: invalid glob 'val**': '**' must be"),
    ],
)
def test_invalid_pattern_is_one_line_exit_1(
    tree: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, err, _ = scan(tree, capsys, *args)
    assert code == 1
    assert err.startswith(message) and err.count("\n") == 1, err
    assert "Traceback" not in err


def test_pattern_that_matched_nothing_is_warned_once(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err, paths = scan(tree, capsys, "--exclude", "cahce", "--exclude", "*.png")
    assert code == 0
    assert "val/e.png" not in paths and "cache/c.jpg" in paths
    warned = [line for line in err.splitlines() if "matched no image" in line]
    assert warned == [
        "imgeda-ci: warning: --exclude 'cahce' matched no image file; check the pattern "
        "(gitignore syntax, relative to the scanned folder)"
    ]
    header = manifest.load(tree.parent / "m.jsonl")[0]
    assert header is not None
    assert [w for w in header["warnings"] if "matched no image" in w] == [warned[0][20:]]


def test_files_from_warns_too(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    listing = tree.parent / "list.txt"
    listing.write_text("train/a.jpg\ncache/c.jpg\n")
    code, err, paths = scan(tree, capsys, "--files-from", str(listing), "--include", "val/")
    assert code == 0 and paths == []
    assert "--include 'val/' matched no image file" in err


def test_policy_globs_follow_the_same_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A waiver on 'vendor/' (no '**') covers the files below it, '!' takes one back."""
    paths = ["vendor/x.jpg", "vendor/sub/y.jpg", "x/keep.jpg", "x/z.jpg"]
    recs = [good("a.jpg"), *(corrupt(p) for p in paths)]
    policy = (
        "waivers:\n  - paths: ['vendor/', 'x/*', '!x/keep.jpg']\n    check: unreadable\n"
        "    reason: upstream bug 12\n"
    )
    code, out = gate(tmp_path, recs, policy)
    waived = {f["path"]: f.get("waived") for f in out["findings"] if f["check"] == "unreadable"}
    assert waived == {p: None if "keep" in p else "upstream bug 12" for p in paths}
    assert code == 2  # the gate fails: the finding on x/keep.jpg is not waived


def test_policy_bad_glob_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "p.yml").write_text(
        "overrides:\n  - paths: ['[]]x', 'a/[z-a]']\n    checks: {dark: {severity: off}}\n"
    )
    (tmp_path / "m.jsonl").write_text(json.dumps({"imgeda_ci_manifest": 1}) + "\n")
    code = main(["gate", "-m", str(tmp_path / "m.jsonl"), "-p", str(tmp_path / "p.yml")])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1, err
    assert "bad glob: invalid glob 'a/[z-a]'" in err and "p.yml:2" in err
