#!/usr/bin/env python3
"""A scan of hostile files: user and system CPU seconds, and what became of every file.

Run by hand (never in the test suite):

    python benchmarks/bench_hostile.py [--fuzzed 3000] [--seed 17] [--workers 2] [--keep DIR]

Builds a corpus in a temporary folder (tests/scan/hostile_corpus.py: one valid file of every
format Pillow writes, the crafted files of the hostile-corpus test, ``--fuzzed`` seeded byte
flips and truncations of the valid ones, and ``--odd-dds`` DDS files in pixel formats Pillow does
not implement, as in Pillow's own test suite), runs ``imgeda-ci scan`` on it as a subprocess and
prints the CPU time of that process and its children (``resource.getrusage``, so other work on
a shared machine does not count), the worker restarts, and the counts: files, records,
tracebacks on stderr, hangs (``timeout`` records), ``worker_crashed`` records, and the records
by error code.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.scan.hostile_corpus import crafted_files, dds, fuzzed, valid_files  # noqa: E402


def odd_dds(count: int) -> dict[str, bytes]:
    """DDS files in pixel formats Pillow does not implement, as in Pillow's own test images:
    DX10 with each DXGI format number, unknown FourCCs, unknown pixel-format flags."""
    out = {}
    for k in range(count):
        size = 4 + 4 * (k % 8)
        if k % 3 == 0:
            data = dds(4, b"DX10", dxgi=k % 132, size=size)
        elif k % 3 == 1:
            data = dds(4, b"Q%03d" % (k % 1000), size=size)
        else:
            data = dds(1 << (k % 32), size=size)
        out[f"odd_{k:05d}.dds"] = data
    return out


def build(folder: Path, count: int, seed: int, dds_count: int) -> int:
    """Write the corpus into ``folder``; return the number of files."""
    base = valid_files(seed)
    files = dict(base)
    files.update({name: data for name, (data, _) in crafted_files().items()})
    files.update(fuzzed(count, seed, base))
    files.update(odd_dds(dds_count))
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return len(files)


def scan(folder: Path, output: Path, workers: int, timeout: float) -> dict[str, object]:
    """Scan ``folder``; the CPU seconds of the scan and its children, and its stderr."""
    cmd = [sys.executable, "-m", "imgeda_ci", "scan", str(folder), "-o", str(output)]
    cmd += ["--workers", str(workers), "--timeout", str(timeout), "--no-git", "-q"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "exit": proc.returncode,
        "stderr": proc.stderr,
        "user": after.ru_utime - before.ru_utime,
        "sys": after.ru_stime - before.ru_stime,
        "wall": wall,
        "minflt": after.ru_minflt - before.ru_minflt,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fuzzed", type=int, default=3000)
    ap.add_argument("--odd-dds", type=int, default=500, help="DDS files in unimplemented formats")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("--keep", type=Path, help="build the corpus here and keep it")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="imgeda-hostile-") as tmp:
        folder = args.keep or Path(tmp) / "corpus"
        folder.mkdir(parents=True, exist_ok=True)
        n = build(folder, args.fuzzed, args.seed, args.odd_dds)
        out = Path(tmp) / "manifest.jsonl"
        run = scan(folder, out, args.workers, args.timeout)
        lines = out.read_bytes().splitlines() if out.exists() else []
    records = [orjson.loads(line) for line in lines[1:]]
    codes = Counter((r.get("error") or {}).get("code", "ok") for r in records)
    stderr = str(run["stderr"])
    print(f"files {n}  records {len(records)}  exit {run['exit']}")
    print(f"tracebacks {stderr.count('Traceback')}  stderr lines {len(stderr.splitlines())}")
    print(f"hangs (timeout records) {codes['timeout']}  worker_crashed {codes['worker_crashed']}")
    print(f"CPU user {run['user']:.2f} s  sys {run['sys']:.2f} s  wall {run['wall']:.1f} s")
    print(f"minor page faults {run['minflt']:,}")
    print("codes " + ", ".join(f"{c} {k}" for c, k in sorted(codes.items())))


if __name__ == "__main__":
    main()
