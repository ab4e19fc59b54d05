#!/usr/bin/env python3
"""Latency of the per-file pre-commit hook: ``imgeda-ci precommit`` on staged images.

Run by hand (never in the test suite):

    python benchmarks/bench_precommit.py [--images 5] [--megapixels 12] [--manifest 20000]

Makes ``--images`` photo-like JPEGs of ``--megapixels`` each and a committed manifest of
``--manifest`` records (random hashes: the duplicate search scans them all), then times the
whole command (process start-up included, as pre-commit runs it) ``--repeats`` times, with and
without the manifest. The target is at most 1 s wall for 5 images.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from imgeda_ci.demo.images import photo


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--images", type=int, default=5)
    ap.add_argument("--megapixels", type=float, default=12.0)
    ap.add_argument("--manifest", type=int, default=20_000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    exe = shutil.which("imgeda-ci") or str(Path(sys.executable).parent / "imgeda-ci")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "data").mkdir()
        w = int((args.megapixels * 1e6 * 4 / 3) ** 0.5)
        h = w * 3 // 4
        files = []
        for i in range(args.images):
            path = root / "data" / f"staged_{i}.jpg"
            photo(i, (w, h)).save(path, "JPEG", quality=90)
            files.append(str(path.relative_to(root)))
        rng = np.random.default_rng(0)
        with open(root / "manifest.jsonl", "w", encoding="utf-8") as fh:
            fh.write(json.dumps({"imgeda_ci_manifest": 1, "root": "data"}) + "\n")
            for i in range(args.manifest):
                rec = {"path": f"img_{i:07d}.jpg", "sha256": rng.bytes(32).hex(),
                       "pixel_sha256": rng.bytes(32).hex(), "phash": rng.bytes(32).hex(),
                       "error": None}  # fmt: skip
                fh.write(json.dumps(rec) + "\n")
        for label, extra in (("with manifest", ["-m", "manifest.jsonl"]), ("no manifest", [])):
            times = []
            for _ in range(args.repeats):
                t = time.perf_counter()
                subprocess.run([exe, "precommit", *files, *extra], cwd=root, check=False,
                               stdout=subprocess.DEVNULL)  # fmt: skip
                times.append(time.perf_counter() - t)
            print(f"{args.images} x {w}x{h} JPEG, {label}: median {statistics.median(times):.3f} s "
                  f"wall (min {min(times):.3f}, max {max(times):.3f})")  # fmt: skip


if __name__ == "__main__":
    main()
