#!/usr/bin/env python3
"""Scan throughput: imgeda-ci vs imgeda 0.1.0 vs fastdup vs the decode floor, on the same photos.

Run by hand (never in the test suite):

    python benchmarks/bench_scan.py --photos DIR [--workers 2] [--repeats 3]
    python benchmarks/bench_scan.py --cpu-sample 300        # per-image CPU, one process
    python benchmarks/bench_scan.py --rss 10000,100000      # parent peak RSS as files grow
    python benchmarks/bench_scan.py --overhead 400          # the pipeline's cost, per stage
    python benchmarks/bench_scan.py --bound 600             # the least any scan must add

``--photos`` defaults to ``~/.cache/imgeda-ci-bench/photos``, filled on first use by
``../shared/bench/get-photos.sh`` (real photos, 0.3 to 24 megapixels). imgeda 0.1.0 and fastdup
are installed from PyPI into venvs of their own (``~/.cache/imgeda-ci-bench/imgeda-venv`` and
``fastdup-venv``) on first use; a tool that cannot be installed on this Python is reported as
such and skipped.

Every run is cold: outputs, journals and caches are deleted first, and git reuse is off. The
decode floor is Pillow's open + draft (to the analysis size) + load of every file, in a process
pool of the same size. Medians over ``--repeats`` runs are printed, wall clock and CPU time (user +
system of the tool's processes: the fairer figure on a shared machine), with the ratios to the
floor. fastdup runs its default pipeline (decode, embeddings, similarity) with as many threads as
imgeda-ci has workers.

``--cpu-sample N`` profiles one process: the CPU time per image of the floor and of imgeda-ci's
analysis (``analyze_path``), on N files spread evenly over the sorted list, interleaved in one
run, in all and per file extension (what each format adds to the total), and the top of a
cProfile of the analysis with ``--profile``.

``--overhead N`` measures what a full scan costs beyond the analysis, on N files spread over the
list (hard-linked into a scratch folder): in one process, the CPU per file of each stage a worker
runs (reading the bytes, their SHA-256, their git blob id, the decode and measurements, the
record's serialisation for the parent); then a real ``imgeda-ci scan`` of the same files with
``--workers``, whose workers' CPU per file, less those stages, is the pipeline's overhead in the
workers (pipes, the per-image alarm, and two workers sharing the cores and caches), and whose
parent's CPU, less that of a scan of one file (start-up, imports), is the parent's per file
(discovery, stat keys, the journal, the manifest).

``--bound N`` measures, in one process on N files (CPU, best of three interleaved rounds), how
close to the floor any scan of this design can come: the floor; the floor and the two byte hashes
every record needs (the SHA-256 that keys reuse by content, the git blob id that keys reuse from
git); those and the luma at the analysis size with its histogram (what the least pixel
measurement reads); and the full analysis. Each is printed with its ratio to the floor, and what
a target of 1.3x leaves for all the measurements.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

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


def _venv_tool(name: str, spec: str, check: str) -> Path | None:
    """The python of a venv of its own holding ``spec`` (made on first use); None, with the
    reason printed, when it cannot be installed or imported on this Python."""
    venv = CACHE / f"{name}-venv"
    py = venv / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        got = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", spec],
                             capture_output=True, text=True, check=False)  # fmt: skip
        if got.returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)
            tail = (got.stderr.strip().splitlines() or ["?"])[-1]
            print(f"{name}: cannot install {spec} on Python {sys.version.split()[0]}: {tail}")
            return None
    got = subprocess.run([str(py), "-c", check], capture_output=True, text=True, check=False)
    if got.returncode != 0:
        tail = (got.stderr.strip().splitlines() or ["?"])[-1]
        print(f"{name}: installed but does not run on Python {sys.version.split()[0]}: {tail}")
        return None
    return py


def ensure_imgeda() -> Path | None:
    py = _venv_tool("imgeda", "imgeda==0.1.0", "import imgeda")
    return None if py is None else py.parent / "imgeda"


def ensure_fastdup() -> Path | None:
    return _venv_tool("fastdup", "fastdup", "import fastdup")


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def floor_decode(src: Any) -> tuple[Any, tuple[int, int]]:
    """The floor's work on one file (a path or a file object): Pillow's open, draft to the
    analysis size, load; the image and the analysis size."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = None
    im = Image.open(src)
    w, h = im.size
    s = min(1.0, ANALYSIS / max(w, h))
    target = (max(1, round(w * s)), max(1, round(h * s)))
    im.draft("RGB", target)
    im.load()
    return im, target


def _decode(path: str) -> int:
    try:
        floor_decode(path)[0].close()
        return 1
    except Exception:
        return 0


def decode_floor(files: list[str], workers: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of the floor in a pool of ``workers`` processes."""
    cpu, t = _children_cpu(), time.perf_counter()
    with ProcessPoolExecutor(workers) as ex:
        list(ex.map(_decode, files, chunksize=8))
    return time.perf_counter() - t, _children_cpu() - cpu


def run_imgeda_ci(folder: Path, out: Path, workers: int) -> tuple[float, float, int, int, float]:
    """Wall seconds, CPU seconds, parent peak RSS (KiB), largest worker peak RSS (KiB), the
    parent's own CPU seconds."""
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
        "me = resource.getrusage(resource.RUSAGE_SELF)\n"
        "print(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,"
        " me.ru_utime + me.ru_stime, file=sys.stderr)\n"
        "sys.exit(rc)"
    )
    cmd = [sys.executable, "-c", code, "scan", str(folder), "-o", str(out), "--workers",
           str(workers), "--no-git", "-q"]  # fmt: skip
    cpu, t = _children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, check=False)
    wall, cpu = time.perf_counter() - t, _children_cpu() - cpu
    if proc.returncode != 0:
        sys.exit(f"imgeda-ci failed: {proc.stderr}")
    parent, child, own = proc.stderr.strip().splitlines()[-1].split()
    return wall, cpu, int(parent), int(child), float(own)


def run_imgeda(exe: Path, folder: Path, out: Path, workers: int) -> tuple[float, float]:
    out.unlink(missing_ok=True)
    cmd = [str(exe), "scan", str(folder), "-o", str(out), "--workers", str(workers), "--force"]
    cpu, t = _children_cpu(), time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=True)
    return time.perf_counter() - t, _children_cpu() - cpu


def run_fastdup(py: Path, folder: Path, work: Path, workers: int) -> tuple[float, float]:
    shutil.rmtree(work, ignore_errors=True)
    code = (
        "import sys, fastdup; sys.exit(fastdup.run(input_dir=sys.argv[1], work_dir=sys.argv[2],"
        " num_threads=int(sys.argv[3]), verbose=False))"
    )
    env = {**os.environ, "SENTRY_OPT_OUT": "1"}  # no telemetry (and no wait for it offline)
    cpu, t = _children_cpu(), time.perf_counter()
    subprocess.run([str(py), "-c", code, str(folder), str(work), str(workers)],
                   capture_output=True, check=True, env=env)  # fmt: skip
    return time.perf_counter() - t, _children_cpu() - cpu


def _line(name: str, runs: list[tuple[float, float]], n: int, floor: tuple[float, float]) -> str:
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    return (f"{name:13s} {wall:7.2f} s wall {n / wall:7.1f} images/s ({wall / floor[0]:5.2f}x)"
            f"  {cpu / n * 1000:7.2f} ms CPU/image ({cpu / floor[1]:5.2f}x)")  # fmt: skip


def throughput(args: argparse.Namespace) -> None:
    folder = ensure_photos(Path(args.photos))
    files = sorted(str(p) for p in folder.rglob("*") if p.is_file())
    n = len(files)
    mb = sum(os.path.getsize(f) for f in files) / 1e6
    print(f"{n} files, {mb:.0f} MB, {args.workers} workers, {args.repeats} repeats (medians); "
          "ratios to the decode floor")  # fmt: skip
    imgeda = None if args.skip_imgeda else ensure_imgeda()
    fastdup = None if args.skip_fastdup else ensure_fastdup()
    tmp = Path(tempfile.mkdtemp(prefix="bench-scan-"))
    runs: dict[str, list[tuple[float, float]]] = {"floor": [], "imgeda-ci": []}
    rss: list[tuple[int, int]] = []
    try:
        for _ in range(args.repeats):
            runs["floor"].append(decode_floor(files, args.workers))
            wall, cpu, parent, child, _ = run_imgeda_ci(folder, tmp / "ours.jsonl", args.workers)
            runs["imgeda-ci"].append((wall, cpu))
            rss.append((parent, child))
            if imgeda:
                got = run_imgeda(imgeda, folder, tmp / "imgeda.jsonl", args.workers)
                runs.setdefault("imgeda 0.1.0", []).append(got)
            if fastdup:
                got = run_fastdup(fastdup, folder, tmp / "fastdup", args.workers)
                runs.setdefault("fastdup", []).append(got)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    floor = (statistics.median(r[0] for r in runs["floor"]),
             statistics.median(r[1] for r in runs["floor"]))  # fmt: skip
    for name, timings in runs.items():
        print(_line(name, timings, n, floor))
    print(f"imgeda-ci peak RSS: parent {max(p for p, _ in rss) / 1024:.0f} MiB, largest worker "
          f"{max(c for _, c in rss) / 1024:.0f} MiB")  # fmt: skip
    for name, timings in runs.items():
        walls = [round(r[0], 2) for r in timings]
        cpus = [round(r[1], 2) for r in timings]
        print(f"runs {name}: wall {walls} CPU {cpus}")


def cpu_sample(args: argparse.Namespace) -> None:
    """Per-image CPU time of the floor and of imgeda-ci's analysis in this process (see the
    module doc), and optionally the top of a cProfile of the analysis."""
    from imgeda_ci.scan.analyze import analyze_path
    from imgeda_ci.scan.settings import Settings

    files = sorted(str(p) for p in ensure_photos(Path(args.photos)).rglob("*") if p.is_file())
    step = max(1.0, len(files) / args.cpu_sample)
    sample = [files[int(i * step)] for i in range(min(args.cpu_sample, len(files)))]
    settings = Settings(analysis_size=ANALYSIS)
    for path in sample[:10]:  # warm: imports, caches of the first calls
        _decode(path), analyze_path(path, settings)
    per: dict[str, list[float]] = {}  # extension: [files, floor CPU, analysis CPU]
    for path in sample:  # interleaved, so a change of load on a shared machine hits both
        t = time.process_time()
        _decode(path)
        t1 = time.process_time()
        analyze_path(path, settings)
        row = per.setdefault(Path(path).suffix.lower().replace("jpeg", "jpg"), [0, 0.0, 0.0])
        row[0], row[1], row[2] = row[0] + 1, row[1] + t1 - t, row[2] + time.process_time() - t1
    k, floor, ours = (sum(row[i] for row in per.values()) for i in range(3))
    print(f"{k:g} files: floor {floor / k * 1000:.2f} ms CPU/image, imgeda-ci analysis "
          f"{ours / k * 1000:.2f} ms CPU/image ({ours / floor:.2f}x)")  # fmt: skip
    for ext, (m, f, o) in sorted(per.items()):
        print(f"  {ext:6s} {m:4g} files: floor {f / m * 1000:7.2f} ms, analysis "
              f"{o / m * 1000:7.2f} ms, extra {(o - f) * 1000:6.0f} ms in all")  # fmt: skip
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.runcall(lambda: [analyze_path(p, settings) for p in sample])
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)


def _stage_cpu(sample: list[str]) -> dict[str, float]:
    """CPU seconds of each stage a worker runs, over ``sample``, in this process, interleaved
    file by file (a change of load on a shared machine hits every stage alike)."""
    import hashlib

    import orjson

    from imgeda_ci.scan.analyze import analyze_bytes, git_oid
    from imgeda_ci.scan.readers import read_locator
    from imgeda_ci.scan.settings import Settings

    settings = Settings()
    names = ("read", "sha256", "git blob id", "decode + measure", "record to parent")
    cpu = dict.fromkeys(names, 0.0)
    for i, path in enumerate(sample):
        t0 = time.process_time()
        data, _ = read_locator(path)
        t1 = time.process_time()
        sha = hashlib.sha256(data or b"").hexdigest()
        t2 = time.process_time()
        git_oid(data or b"")
        t3 = time.process_time()
        rec = analyze_bytes(data or b"", settings, sha256=sha)
        t4 = time.process_time()
        orjson.loads(orjson.dumps([i, rec]))
        t5 = time.process_time()
        stage = (t1 - t0, t2 - t1, t3 - t2, t4 - t3 - (t3 - t2), t5 - t4)
        for name, dt in zip(names, stage, strict=True):
            cpu[name] += dt
    return cpu


def overhead(args: argparse.Namespace) -> None:
    """The pipeline's cost per stage (see the module doc)."""
    files = sorted(str(p) for p in ensure_photos(Path(args.photos)).rglob("*") if p.is_file())
    step = max(1.0, len(files) / args.overhead)
    sample = [files[int(i * step)] for i in range(min(args.overhead, len(files)))]
    n = len(sample)
    _stage_cpu(sample[:10])  # warm: imports, first calls
    stages = _stage_cpu(sample)
    tmp = Path(tempfile.mkdtemp(prefix="bench-overhead-"))
    try:
        for sub, names in (("all", sample), ("one", sample[:1])):
            (tmp / sub).mkdir()
            for k, path in enumerate(names):
                os.link(path, tmp / sub / f"{k:05d}{Path(path).suffix}")
        _, one_cpu, _, _, one_own = run_imgeda_ci(tmp / "one", tmp / "one.jsonl", 1)
        _, cpu, _, _, own = run_imgeda_ci(tmp / "all", tmp / "all.jsonl", args.workers)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    in_process = sum(stages.values())
    print(f"{n} files; CPU ms per file, in one process:")
    for name, dt in stages.items():
        print(f"  {name:18s} {dt / n * 1000:7.3f}")
    print(f"  {'sum':18s} {in_process / n * 1000:7.3f}")
    workers = cpu - own
    print(f"full scan, {args.workers} workers: workers {workers / n * 1000:.3f} ms per file "
          f"(overhead {(workers - in_process) / n * 1000:+.3f}); parent {own:.3f} s in all, "
          f"{(own - one_own) / n * 1000:.3f} ms per file beyond a one-file scan's "
          f"{one_own:.3f} s (start-up)")  # fmt: skip
    del one_cpu


def _bound_stages() -> dict[str, Any]:
    """The stages of ``--bound``, each a function of a file's bytes (see the module doc)."""
    import hashlib
    import io

    from PIL import Image

    from imgeda_ci.scan.analyze import analyze_bytes, git_oid
    from imgeda_ci.scan.settings import Settings

    settings = Settings(analysis_size=ANALYSIS)

    def floor(data: bytes) -> Any:
        return floor_decode(io.BytesIO(data))

    def hashes(data: bytes) -> Any:
        hashlib.sha256(data).hexdigest(), git_oid(data)
        return floor(data)

    def luma(data: bytes) -> None:
        im, target = hashes(data)
        gray = im.convert("L")
        if gray.size != target:
            gray = gray.resize(target, Image.Resampling.BOX)
        gray.histogram()

    def full(data: bytes) -> None:
        analyze_bytes(data, settings, use_alarm=False)

    return {"floor": floor, "+ byte hashes": hashes, "+ luma, histogram": luma, "full": full}


def bound(args: argparse.Namespace) -> None:
    """The least a scan must add to the floor (see the module doc)."""
    files = sorted(str(p) for p in ensure_photos(Path(args.photos)).rglob("*") if p.is_file())
    step = max(1.0, len(files) / args.bound)
    sample = [files[int(i * step)] for i in range(min(args.bound, len(files)))]
    datas = [Path(p).read_bytes() for p in sample]
    stages = _bound_stages()
    best = dict.fromkeys(stages, float("inf"))
    for _ in range(3):  # rounds interleaved: a change of load hits every stage alike
        for name, fn in stages.items():
            t = time.process_time()
            for data in datas:
                try:
                    fn(data)
                except Exception:  # a file the floor cannot decode costs what it cost
                    pass
            best[name] = min(best[name], time.process_time() - t)
    n, floor = len(datas), best["floor"]
    for name, cpu in best.items():
        print(f"{name:20s} {cpu / n * 1000:6.2f} ms CPU/image  {cpu / floor:5.2f}x the floor")
    least = best["+ luma, histogram"]
    left, spent = (1.3 * floor - least) / n * 1000, (best["full"] - least) / n * 1000
    print(f"a 1.3x target leaves {left:.2f} ms per image for every measurement "
          f"(the full analysis spends {spent:.2f})")  # fmt: skip


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
            wall, _, parent, child, _ = run_imgeda_ci(folder, Path(tmp) / "m.jsonl", args.workers)
        print(f"{n:>8} files: {wall:6.1f} s, {n / wall:7.0f} images/s, parent peak RSS "
              f"{parent / 1024:6.1f} MiB, largest worker {child / 1024:6.1f} MiB")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--photos", default=str(CACHE / "photos"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-imgeda", action="store_true")
    ap.add_argument("--skip-fastdup", action="store_true")
    ap.add_argument("--cpu-sample", type=int, default=0, help="per-image CPU on N files")
    ap.add_argument("--profile", action="store_true", help="with --cpu-sample: cProfile")
    ap.add_argument("--bound", type=int, default=0, help="the least a scan adds, on N files")
    ap.add_argument("--overhead", type=int, default=0, help="pipeline cost per stage, N files")
    ap.add_argument("--rss", default="", help="comma-separated file counts, e.g. 10000,100000")
    args = ap.parse_args()
    if args.rss:
        rss(args)
    elif args.overhead:
        overhead(args)
    elif args.cpu_sample:
        cpu_sample(args)
    elif args.bound:
        bound(args)
    else:
        throughput(args)


if __name__ == "__main__":
    main()
