from __future__ import annotations

import itertools
import os
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from imgeda_ci.cli import main
from imgeda_ci.integrations.precommit import (
    NEAR_DUPLICATE_BITS,
    HookFinding,
    check_files,
    near_threshold,
)
from imgeda_ci.scan.api import scan_folder
from tests.builders import encode, photo, save, truncated_jpeg, with_exif


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A work tree: data/ with committed photos and their manifest, plus new files."""
    monkeypatch.chdir(tmp_path)
    data = Path("data")
    for i in range(4):
        save(data / f"photo_{i}.jpg", photo(i, (320, 240)))
    scan_folder(data, Path("data/manifest.jsonl"), use_git=False, workers=1)
    new = Path("new")
    save(new / "good.jpg", photo(11, (320, 240)))
    (new / "truncated.jpg").write_bytes(truncated_jpeg())
    (new / "gps.jpg").write_bytes(with_exif(photo(12, (320, 240)), gps=(48.85, 2.29)))
    save(new / "tiny.jpg", photo(13, (24, 16)))
    (new / "copy.jpg").write_bytes((data / "photo_1.jpg").read_bytes())
    # re-encoded with new EXIF: other bytes, other pixels, the same picture
    (new / "exif.jpg").write_bytes(with_exif(Image.open(data / "photo_2.jpg"), make="Resaver"))
    # a comment segment added: other bytes, the same coded pixels
    raw = (data / "photo_3.jpg").read_bytes()
    text = b"edited by a metadata tool"
    (new / "comment.jpg").write_bytes(raw[:2] + b"\xff\xfe" + (len(text) + 2).to_bytes(2, "big")
                                      + text + raw[2:])  # fmt: skip
    small = Image.open(data / "photo_0.jpg").resize((224, 168))
    (new / "smaller.jpg").write_bytes(encode(small, "JPEG", quality=80))
    return tmp_path


def by_file(findings: list[HookFinding]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in findings:
        out.setdefault(f.file, set()).add(f.check)
    return out


ALL = ["new/good.jpg", "new/truncated.jpg", "new/gps.jpg", "new/tiny.jpg", "new/copy.jpg",
       "new/smaller.jpg", "new/exif.jpg", "new/comment.jpg"]  # fmt: skip


def test_each_problem_is_found(repo: Path) -> None:
    result = check_files(ALL, manifest_path="data/manifest.jsonl")
    found = by_file(result.findings)
    assert "new/good.jpg" not in found
    assert found["new/truncated.jpg"] == {"truncated"}
    assert found["new/gps.jpg"] == {"gps_location"}
    assert found["new/tiny.jpg"] == {"too_small"}
    assert found["new/copy.jpg"] == {"duplicate_exact"}
    assert found["new/smaller.jpg"] == {"near_duplicate"}
    assert found["new/exif.jpg"] == {"near_duplicate"}
    assert found["new/comment.jpg"] == {"duplicate_exact"}
    assert result.exit_code == 1
    text = "\n".join(result.lines())
    assert "the same file as data/photo_1.jpg" in text  # names the committed original
    assert "the same pixels as data/photo_3.jpg" in text
    assert f"at most {near_threshold()};" in text


def test_any_subset_gives_the_same_answer_per_file(repo: Path) -> None:
    full = by_file(check_files(ALL, manifest_path="data/manifest.jsonl").findings)
    for k in (1, 2, 3):
        for subset in itertools.combinations(ALL, k):
            part = by_file(check_files(list(subset), manifest_path="data/manifest.jsonl").findings)
            assert part == {f: full[f] for f in subset if f in full}, subset


def test_an_image_already_in_the_manifest_is_not_its_own_duplicate(repo: Path) -> None:
    assert check_files(["data/photo_1.jpg"], manifest_path="data/manifest.jsonl").findings == []


def test_a_renamed_image_is_not_a_duplicate(repo: Path) -> None:
    os.rename("data/photo_1.jpg", "data/renamed.jpg")
    result = check_files(["data/renamed.jpg"], manifest_path="data/manifest.jsonl")
    assert result.findings == []


def test_without_a_manifest_only_the_image_checks_run(repo: Path) -> None:
    found = by_file(check_files(["new/copy.jpg", "new/truncated.jpg"]).findings)
    assert found == {"new/truncated.jpg": {"truncated"}}


def test_policy_severity_and_fail_on(repo: Path) -> None:
    Path("policy.yml").write_text("version: 1\nchecks:\n  gps_location: {severity: off}\n")
    result = check_files(["new/gps.jpg", "new/tiny.jpg"], policy_path="policy.yml")
    assert by_file(result.findings) == {"new/tiny.jpg": {"too_small"}}
    relaxed = check_files(["new/tiny.jpg"], fail_on="error")
    assert relaxed.findings and relaxed.exit_code == 0


def test_near_threshold_follows_the_near_duplicate_check() -> None:
    from imgeda_ci.checks.registry import all_checks

    check = all_checks().get("near_duplicate")
    if check is None or check.default_threshold is None:
        assert near_threshold() == NEAR_DUPLICATE_BITS
    else:
        assert near_threshold() == int(check.default_threshold)


def test_command_exit_codes_and_message(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["precommit", "new/good.jpg", "-m", "data/manifest.jsonl"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["precommit", "new/good.jpg", "new/truncated.jpg"]) == 1
    out = capsys.readouterr().out
    assert "1 of 2 staged images has problems" in out
    assert "new/truncated.jpg: truncated (error)" in out
    assert main(["precommit"]) == 1  # no files and no --dataset: a misconfigured hook


def test_dataset_mode_refreshes_the_manifest_and_gates(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["precommit", "--dataset", "data", "--manifest", "data/manifest.jsonl"]
    git = ["git", "-c", "user.email=t@t", "-c", "user.name=t"]
    for step in (["init", "-q"], ["add", "data"], ["commit", "-qm", "dataset"]):
        subprocess.run([*git, *step], check=True, capture_output=True)
    before = Path("data/manifest.jsonl").read_bytes()
    assert main(args) == 0
    assert Path("data/manifest.jsonl").read_bytes() == before  # unchanged dataset: same bytes
    (Path("data") / "broken.jpg").write_bytes(truncated_jpeg())
    assert main(args) == 2
    out = capsys.readouterr().out
    assert "FAILED" in out and "was refreshed" in out
    # the verdict file beside the manifest, not committed yet: one line asks for it too
    assert "'git add data/manifest.verdicts' too" in out
    subprocess.run([*git, "add", "data"], check=True, capture_output=True)
    save(Path("data") / "another.jpg", photo(14, (320, 240)))
    assert main(args) == 2  # the verdict file is tracked now: no such line
    out = capsys.readouterr().out
    assert "was refreshed" in out and "manifest.verdicts" not in out
    from imgeda_ci.dupes import verdictfile

    subprocess.run([*git, "add", "data"], check=True, capture_output=True)
    real = verdictfile.verifier_key
    monkeypatch.setattr(verdictfile, "verifier_key", lambda: real()[::-1])  # another verifier
    assert main(args) == 2
    out = capsys.readouterr().out  # the tracked verdict file rewritten, the manifest not
    assert "data/manifest.verdicts was refreshed" in out and "jsonl was refreshed" not in out
    assert b"broken.jpg" in Path("data/manifest.jsonl").read_bytes()
    assert main(["precommit", "--dataset", "data"]) == 1  # --manifest is required


def test_near_rows_are_the_brute_force_answer() -> None:
    """The hook's near copies come from the shared exact search; they are what comparing each
    staged hash with every manifest hash gives (closest first, ties in manifest order)."""
    import random

    from imgeda_ci.integrations.precommit import _Index, near_rows

    rng = random.Random(7)
    base = [rng.getrandbits(256) for _ in range(6)]

    def noise() -> int:  # about 8 of 256 bits set
        bits = rng.getrandbits(256)
        for _ in range(4):
            bits &= rng.getrandbits(256)
        return bits

    manifest = [f"{b ^ noise():064x}" for b in base for _ in range(5)]
    manifest += [manifest[3], "z" * 64]  # a repeated value and one that is no hash
    staged: list[object] = [manifest[0], f"{base[2] ^ 1:064x}", None, "ab", f"{base[5]:064x}"]
    idx = _Index(None, hash_paths=[f"{k}.jpg" for k in range(len(manifest))], hashes=manifest)
    for bits in (0, 10, 24):
        got = near_rows(staged, idx, bits)
        for s, rows in zip(staged, got, strict=True):
            want: list[tuple[int, int]] = []
            if isinstance(s, str) and len(s) == 64:
                for k, m in enumerate(manifest[:-1]):
                    d = (int(s, 16) ^ int(m, 16)).bit_count()
                    if d <= bits:
                        want.append((d, k))
            assert rows == sorted(want)
