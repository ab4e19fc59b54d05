#!/usr/bin/env python3
"""Scan throughput: imgeda-ci vs imgeda 0.1.0 vs the decode floor, on the same photos.

Run by hand (never in the test suite):

    python benchmarks/bench_scan.py --photos DIR [--workers 2] [--repeats 3]
    python benchmarks/bench_scan.py --rss 10000,100000      # parent peak RSS as files grow

``--photos`` defaults to ``~/.cache/imgeda-ci-bench/photos``, filled on first use by
``../shared/bench/get-photos.sh`` (real photos, 0.3 to 24 megapixels). imgeda 0.1.0 is installed
from PyPI into its own venv (``~/.cache/imgeda-ci-bench/imgeda-venv``) on first use.

Every run is cold: outputs, journals and caches are deleted first, and git reuse is off. The
decode floor is Pillow's open + draft (to the analysis size) + load of every file, in a process
pool of the same size. Medians over ``--repeats`` runs are printed, with the ratios.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = Path.home() / ".cache" / "imgeda-ci-bench"
ANALYSIS = 512


def ensure_photos(folder: Path) -> Path:
    if folder.is_dir() and any(folder.iterdir()):
        return folder
    script = REPO.parent / "shared" / "bench" / "get-photos.sh"
    if not script.exists():
        sys.exit(f"no photos in {folder} and no {script}; pass --photos DIR")
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["bash", str(script), str(folder)], check=True)
    return folder


def ensure_imgeda() -> Path:
    venv = CACHE / "imgeda-venv"
    exe = venv / "bin" / "imgeda"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "imgeda==0.1.0"], check=True)
    return exe


def _decode(path: str) -> int:
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = None
    try:
        with Image.open(path) as im:
            w, h = im.size
            s = min(1.0, ANALYSIS / max(w, h))
            im.draft("RGB", (max(1, round(w * s)), max(1, round(h * s))))
            im.load()
            return 1
    except Exception:
        return 0


def decode_floor(files: list[str], workers: int) -> float:
    t = time.perf_counter()
    with ProcessPoolExecutor(workers) as ex:
        list(ex.map(_decode, files, chunksize=8))
    return time.perf_counter() - t


def run_imgeda_ci(folder: Path, out: Path, workers: int) -> tuple[float, int, int]:
    """Wall seconds, parent peak RSS (KiB), largest worker peak RSS (KiB)."""
    for p in (out, out.with_name(out.name + ".partial")):
        p.unlink(missing_ok=True)
    # The parent's peak is VmHWM (Linux), the high-water mark of this process image alone:
    # RUSAGE_SELF's ru_maxrss also counts the image before exec, i.e. this benchmark's own peak
    # (~65 MiB once it has listed 100k files), which would hide the scan's.
    code = (
        "import resource, sys; from imgeda_ci.cli import main; rc = main(sys.argv[1:])\n"
        "try:\n"
        "    peak = next(int(ln.split()[1]) for ln in open('/proc/self/status')"
        " if ln.startswith('VmHWM:'))\n"
        "except (OSError, StopIteration):\n"
        "    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
        "sys.exit(rc)"
    )
    cmd = [sys.executable, "-c", code, "scan", str(folder), "-o", str(out), "--workers",
           str(workers), "--no-git", "-q"]  # fmt: skip
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, check=False)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        sys.exit(f"imgeda-ci failed: {proc.stderr}")
    parent, child = (int(x) for x in proc.stderr.strip().splitlines()[-1].split())
    return wall, parent, child


def run_imgeda(exe: Path, folder: Path, out: Path, workers: int) -> float:
    out.unlink(missing_ok=True)
    cmd = [str(exe), "scan", str(folder), "-o", str(out), "--workers", str(workers), "--force"]
    t = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=True)
    return time.perf_counter() - t


def throughput(args: argparse.Namespace) -> None:
    folder = ensure_photos(Path(args.photos))
    files = sorted(str(p) for p in folder.rglob("*") if p.is_file())
    n = len(files)
    mb = sum(os.path.getsize(f) for f in files) / 1e6
    print(f"{n} files, {mb:.0f} MB, {args.workers} workers, {args.repeats} repeats (medians)")
    imgeda = None if args.skip_imgeda else ensure_imgeda()
    tmp = Path(tempfile.mkdtemp(prefix="bench-scan-"))
    floor, ours, peer = [], [], []
    try:
        for _ in range(args.repeats):
            floor.append(decode_floor(files, args.workers))
            ours.append(run_imgeda_ci(folder, tmp / "ours.jsonl", args.workers)[0])
            if imgeda:
                peer.append(run_imgeda(imgeda, folder, tmp / "imgeda.jsonl", args.workers))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    f, o = statistics.median(floor), statistics.median(ours)
    print(f"decode floor   {f:7.2f} s  {n / f:8.1f} images/s")
    print(f"imgeda-ci      {o:7.2f} s  {n / o:8.1f} images/s  ({o / f:.2f}x the decode floor)")
    if peer:
        p = statistics.median(peer)
        print(f"imgeda 0.1.0   {p:7.2f} s  {n / p:8.1f} images/s")
        print(f"imgeda-ci is {p / o:.1f}x imgeda's throughput")
    print("runs (s): floor", [round(x, 2) for x in floor], "imgeda-ci", [round(x, 2) for x in ours],
          "imgeda", [round(x, 2) for x in peer])  # fmt: skip


def make_small_images(folder: Path, n: int) -> None:
    """n distinct 96x72 JPEGs (cheap to decode: this measures per-file overhead and memory)."""
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    have = sum(1 for _ in folder.rglob("*.jpg"))
    if have >= n:
        return
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (72, 96, 3), dtype=np.uint8)
    for i in range(have, n):
        arr = base.copy()
        arr[i % 72, :, :] = i % 256
        arr[:, (i // 72) % 96, 0] = (i // 256) % 256
        sub = folder / f"{i // 1000:04d}"
        sub.mkdir(exist_ok=True)
        Image.fromarray(arr).save(sub / f"{i:07d}.jpg", quality=80)


def rss(args: argparse.Namespace) -> None:
    sizes = [int(x) for x in args.rss.split(",")]
    for n in sizes:
        folder = CACHE / f"small-{n}"
        make_small_images(folder, n)
        with tempfile.TemporaryDirectory() as tmp:
            wall, parent, child = run_imgeda_ci(folder, Path(tmp) / "m.jsonl", args.workers)
        print(f"{n:>8} files: {wall:6.1f} s, {n / wall:7.0f} images/s, parent peak RSS "
              f"{parent / 1024:6.1f} MiB, largest worker {child / 1024:6.1f} MiB")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--photos", default=str(CACHE / "photos"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-imgeda", action="store_true")
    ap.add_argument("--rss", default="", help="comma-separated file counts, e.g. 10000,100000")
    args = ap.parse_args()
    if args.rss:
        rss(args)
    else:
        throughput(args)


if __name__ == "__main__":
    main()
