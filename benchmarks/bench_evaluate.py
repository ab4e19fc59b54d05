#!/usr/bin/env python3
"""Evaluation speed: ``evaluate()`` + ``judge()``, head+base with reuse, ``diff()``, the gate.

Run by hand:

    python benchmarks/bench_evaluate.py [--sizes 50000 100000] [--repeats 3] [--source FILE]

Builds (once, cached under ~/.cache/imgeda-ci-bench/) manifests of N records by replicating the
real scan of ``--source`` (default /work/manifests/photos.jsonl: 2,026 photos) with unique paths
and content hashes, and adds YOLO-style labels and splits (three declared classes, 0-3 boxes per
image, 8% unlabelled) so the annotation checks and dataset facts have work to do
(``--no-labels``: without, as a folder of photos). Then prints,
as median of ``--repeats`` runs:

- ``evaluate()`` + ``judge()`` on the N records (default policy);
- head + base with reuse at the smallest N: a pull request that modifies 50 images
  (``evaluate(head)`` then ``evaluate(base, reuse=head_ev)``), and ``diff(base, head)``;
- the gate at the largest N: ``imgeda-ci gate -m manifest`` in a fresh process (wall time,
  manifest load included) and its peak RSS.

Targets (2 cores): evaluate 50k <= 0.4 s; head+base with reuse <= 0.6 s; gate 100k <= 2.5 s;
diff 50k <= 0.2 s.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from imgeda_ci import manifest  # noqa: E402
from imgeda_ci.diff import diff  # noqa: E402
from imgeda_ci.evaluate import evaluate  # noqa: E402
from imgeda_ci.model import ImageRecord, ManifestHeader  # noqa: E402
from imgeda_ci.policy import default_policy  # noqa: E402
from imgeda_ci.verdict import judge  # noqa: E402

CACHE = Path.home() / ".cache" / "imgeda-ci-bench"
CLASSES = ("ship", "boat", "buoy")


def _labels(rng: random.Random, path: str) -> dict[str, Any]:
    if rng.random() < 0.08:
        return {"format": "yolo", "file": None, "classes": [], "n": 0}
    objects = []
    for _ in range(rng.randint(0, 3)):
        cid = rng.choice((0, 0, 0, 1, 1, 2))
        x, y = rng.random() * 0.8, rng.random() * 0.8
        w, h = 0.01 + rng.random() * 0.19, 0.01 + rng.random() * 0.19
        objects.append([cid, round(x, 4), round(y, 4), round(x + w, 4), round(y + h, 4), 0, 0])
    return {
        "format": "yolo",
        "file": "labels/" + path.rsplit(".", 1)[0] + ".txt",
        "classes": sorted({CLASSES[o[0]] for o in objects}),
        "n": len(objects),
        "objects": objects,
        "units": "norm",
    }


def build(n: int, source: Path, labels: bool = True) -> Path:
    out = CACHE / f"eval-{source.stem}-{n}{'' if labels else '-nolabels'}.jsonl"
    if out.exists():
        return out
    CACHE.mkdir(parents=True, exist_ok=True)
    header, recs = manifest.load(source)
    rng = random.Random(n)
    records: list[ImageRecord] = []
    for i in range(n):
        rec: dict[str, Any] = dict(recs[i % len(recs)])
        k = i // len(recs)
        rec["path"] = f"{'val' if i % 10 == 0 else 'train'}/{k:03d}/{rec['path']}"
        if rec.get("sha256"):
            rec["sha256"] = hashlib.sha256(f"{rec['sha256']}{k}".encode()).hexdigest()
        if labels:
            rec["split"] = "val" if i % 10 == 0 else "train"
            rec["labels"] = _labels(rng, rec["path"])
        records.append(rec)  # type: ignore[arg-type]
    records.sort(key=lambda r: r["path"])
    hdr: dict[str, Any] = dict(header or {})
    if labels:
        hdr["dataset"] = {
            "format": "yolo",
            "classes": [{"id": i, "name": c} for i, c in enumerate(CLASSES)],
            "classes_declared": True,
        }
    manifest.write(out, hdr, records)  # type: ignore[arg-type]
    return out


def pr_of(base: list[ImageRecord], change: int) -> list[ImageRecord]:
    """The head of a pull request that modifies ``change`` images (new bytes, darker)."""
    head = list(base)
    step = max(1, len(base) // change)
    for i in range(0, step * change, step):
        rec: dict[str, Any] = dict(base[i])
        rec["sha256"] = hashlib.sha256(f"pr{i}".encode()).hexdigest()
        st = dict(rec.get("stats") or {})
        if "luma_p" in st:
            st["luma_p"] = {k: v * 0.1 for k, v in st["luma_p"].items()}
        rec["stats"] = st
        head[i] = rec  # type: ignore[assignment]
    return head


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def gate_process(path: Path) -> tuple[float, float, int]:
    """(wall s, peak RSS MB, exit code) of ``imgeda-ci gate -m path`` in a fresh process."""
    code = (
        "import sys\n"
        "from imgeda_ci.cli import main\n"
        "rc = main(sys.argv[1:])\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "sys.stderr.write('@@' + hwm.split()[1] + '\\n')\n"
        "sys.exit(rc)\n"
    )
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, "gate", "-m", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=False,
    )
    wall = time.perf_counter() - t0
    kb = [int(x[2:]) for x in proc.stderr.splitlines() if x.startswith("@@")]
    return wall, (kb[0] / 1024 if kb else float("nan")), proc.returncode


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[50_000, 100_000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--change", type=int, default=50)
    ap.add_argument("--source", type=Path, default=Path("/work/manifests/photos.jsonl"))
    ap.add_argument("--no-gate", action="store_true", help="skip the gate subprocess")
    ap.add_argument(
        "--no-labels", action="store_true", help="no labels/splits: image and size checks only"
    )
    args = ap.parse_args()
    policy = default_policy()
    loaded: dict[int, tuple[ManifestHeader | None, list[ImageRecord], Path]] = {}
    for n in args.sizes:
        path = build(n, args.source, labels=not args.no_labels)
        t0 = time.perf_counter()
        header, records = manifest.load(path)
        load_s = time.perf_counter() - t0
        loaded[n] = (header, records, path)
        hdr = dict(header) if header else None
        ev_s, ev = timed(lambda r=records, h=hdr: evaluate(r, policy, header=h), args.repeats)
        judge_s, verdict = timed(lambda e=ev: judge(e), args.repeats)
        print(
            f"{n:>7} records: load {load_s:.2f} s, evaluate {ev_s:.3f} s, judge {judge_s:.3f} s, "
            f"findings {len(ev.findings)}, passed {verdict.passed}"
        )
    n = min(args.sizes)
    header, base, _ = loaded[n]
    hdr = dict(header) if header else None
    head = pr_of(base, args.change)

    def head_and_base() -> Any:
        head_ev = evaluate(head, policy, header=hdr, base=base)
        return evaluate(base, policy, header=hdr, reuse=head_ev)

    hb_s, _ = timed(head_and_base, args.repeats)
    diff_s, d = timed(lambda: diff(base, head), args.repeats)
    print(
        f"{n:>7} records: head+base with reuse {hb_s:.3f} s; diff {diff_s:.3f} s "
        f"({len(d.modified)} modified)"
    )
    if not args.no_gate:
        big = max(args.sizes)
        runs = [gate_process(loaded[big][2]) for _ in range(args.repeats)]
        wall = statistics.median(r[0] for r in runs)
        print(
            f"{big:>7} records: gate (fresh process) {wall:.2f} s wall, "
            f"peak RSS {max(r[1] for r in runs):.0f} MB, exit {runs[0][2]}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
