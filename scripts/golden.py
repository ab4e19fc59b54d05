"""Record every output users see, to hold a refactoring to byte-identical results.

    python scripts/golden.py OUT_DIR            # record
    python scripts/golden.py OUT_DIR --compare REF_DIR   # record, then list what differs

Runs the demo, and for every corpus in ``../shared/corpora`` (skipped when absent): ``scan``,
``info``, ``check --json``, ``gate --json``, ``export`` (csv, json), ``ci`` with every output
(manifest, result JSON, comment, summary, SARIF, JUnit, report, annotations) on the corpus as
it is, ``ci --base-manifest`` on a changed copy (files removed, copied, renamed, darkened)
and ``diff``; and one ``ci --base-ref`` in a git repository with a committed manifest (the path
a forked base evaluation takes). Work happens in a fixed folder so that paths in outputs are
the same from run to run. Exit codes are recorded too (``codes.txt``). ``IMGEDA_GOLDEN_WORK`` names
another work folder (for runs side by side); comparing, each run's folder reads as ``<WORK>``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageEnhance

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"
WORK = Path(os.environ.get("IMGEDA_GOLDEN_WORK", "/tmp/imgeda-ci-golden-work"))
OUTS = ("report", "comment", "summary", "sarif", "junit", "json")
EXT = {"report": "html", "comment": "md", "summary": "md", "sarif": "sarif", "junit": "xml"}


def _run(out: Path, name: str, args: list[str], cwd: Path, codes: list[str]) -> None:
    env = {**os.environ, "NO_COLOR": "1", "GITHUB_ACTIONS": ""}
    proc = subprocess.run(
        [sys.executable, "-m", "imgeda_ci", *args],
        cwd=cwd,
        capture_output=True,
        env=env,
        check=False,
    )
    (out / f"{name}.stdout").write_bytes(proc.stdout)
    codes.append(f"{name} {proc.returncode}")
    if proc.returncode not in (0, 2):
        sys.stderr.write(f"{name}: exit {proc.returncode}\n{proc.stderr.decode()}\n")


def _ci(out: Path, name: str, data: Path, extra: list[str], cwd: Path, codes: list[str]) -> None:
    args = ["ci", str(data), "-q", "--manifest-out", str(out / f"{name}.manifest.jsonl")]
    for kind in OUTS:
        args += [f"--{kind}-out", str(out / f"{name}.{EXT.get(kind, kind)}")]
    _run(out, name, [*args, "--annotations", *extra], cwd, codes)


def _change(tree: Path) -> None:
    """A pull request's worth of changes: removals, copies, a rename, a darkened image."""
    images = sorted(
        p for p in tree.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png") and p.is_file()
    )
    for p in images[1:4]:
        p.unlink()
    for i, p in enumerate(images[5:7]):
        shutil.copy(p, p.with_name(f"copy_{i}{p.suffix}"))
    images[8].rename(images[8].with_name("renamed" + images[8].suffix))
    with Image.open(images[10]) as im:
        ImageEnhance.Brightness(im.convert("RGB")).enhance(0.1).save(images[10], "JPEG")


def _corpus(out: Path, name: str, src: Path, codes: list[str]) -> None:
    data = WORK / name
    shutil.copytree(src, data)
    m = out / f"{name}.scan.jsonl"
    _run(out, f"{name}.scan", ["scan", str(data), "-o", str(m), "-q"], WORK, codes)
    _run(out, f"{name}.info", ["info", "-m", str(m)], WORK, codes)
    _run(out, f"{name}.check", ["check", "-m", str(m), "--json", "--include-info"], WORK, codes)
    _run(out, f"{name}.gate", ["gate", "-m", str(m), "--json", "-"], WORK, codes)
    for fmt in ("csv", "json"):
        _run(out, f"{name}.export-{fmt}", ["export", "-m", str(m), "--format", fmt], WORK, codes)
    _ci(out, f"{name}.ci", data, ["--no-git"], WORK, codes)
    _change(data)
    _ci(out, f"{name}.ci-base", data, ["--no-git", "--base-manifest", str(m)], WORK, codes)
    _ci(
        out,
        f"{name}.ci-strict",
        data,
        ["--no-git", "--strict", "--base-manifest", str(m)],
        WORK,
        codes,
    )
    diff_args = ["diff", "--old", str(m), "--new", str(out / f"{name}.ci-base.manifest.jsonl")]
    _run(out, f"{name}.diff", [*diff_args, "--out", str(out / f"{name}.diff.json")], WORK, codes)


def _git(repo: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": "2026-01-01T00:00:00",
        "GIT_COMMITTER_DATE": "2026-01-01T00:00:00",
        "GIT_AUTHOR_NAME": "g",
        "GIT_AUTHOR_EMAIL": "g@x",
        "GIT_COMMITTER_NAME": "g",
        "GIT_COMMITTER_EMAIL": "g@x",
    }
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def _git_run(out: Path, src: Path, codes: list[str]) -> None:
    """``ci --base-ref`` with a committed manifest: the forked base evaluation's path."""
    repo = WORK / "repo"
    shutil.copytree(src, repo / "data")
    _git(repo, "init", "-q", "-b", "main")
    manifest = repo / "data.manifest.jsonl"
    args = ["ci", "data", "-q", "--manifest-out", str(manifest)]
    _run(out, "git.first", args, repo, codes)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    _git(repo, "checkout", "-q", "-b", "change")
    _change(repo / "data")
    _ci(out, "git.ci", Path("data"), ["--base-ref", "main"], repo, codes)


def record(dest: Path) -> None:
    if WORK.exists():
        shutil.rmtree(WORK)
    out = WORK / "_out"  # a fixed place: outputs name their own paths
    out.mkdir(parents=True)
    codes: list[str] = []
    _run(out, "demo", ["demo", str(WORK / "demo")], WORK, codes)
    for f in sorted((WORK / "demo").iterdir()):
        if f.is_file():
            shutil.copy(f, out / f"demo.{f.name}")
    if CORPORA.is_dir():
        for src in sorted(p for p in CORPORA.iterdir() if p.is_dir()):
            _corpus(out, src.name, src, codes)
        _git_run(out, CORPORA / "voc-raccoon", codes)
    (out / "codes.txt").write_text("\n".join(codes) + "\n")
    (out / "work.path").write_text(str(WORK))
    shutil.copytree(out, dest, dirs_exist_ok=True)


def _normalised(d: Path, name: str) -> bytes | None:
    """A file's bytes with the work folder it was made in (IMGEDA_GOLDEN_WORK) named alike."""
    if not (d / name).exists():
        return None
    work = (d / "work.path").read_bytes() if (d / "work.path").exists() else b"\0"
    return (d / name).read_bytes().replace(work, b"<WORK>")


def compare(out: Path, ref: Path) -> int:
    """List the files that differ; not the verdict files (``*.verdicts``: caches named by a
    digest of the verifier's source, so any edit of it, a docstring's too, changes them)."""
    names = sorted(
        n
        for n in ({p.name for p in out.iterdir()} | {p.name for p in ref.iterdir()})
        if n != "work.path" and not n.endswith(".verdicts")
    )
    bad = [
        n
        for n in names
        if _normalised(out, n) is None or _normalised(out, n) != _normalised(ref, n)
    ]
    for n in bad:
        print(f"differs: {n}")
    print(f"{len(names) - len(bad)} of {len(names)} files identical")
    return 1 if bad else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--compare", type=Path, metavar="REF_DIR")
    args = ap.parse_args()
    record(args.out)
    return compare(args.out, args.compare) if args.compare else 0


if __name__ == "__main__":
    raise SystemExit(main())
