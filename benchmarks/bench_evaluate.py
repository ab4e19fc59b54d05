#!/usr/bin/env python3
"""Evaluation speed: ``evaluate()`` + ``judge()``, head+base with reuse, ``diff()``, the gate.

Run by hand:

    python benchmarks/bench_evaluate.py [--sizes 50000 100000] [--repeats 3] [--source PATH]

Builds (once, cached under ~/.cache/imgeda-ci-bench/) manifests of N records by replicating the
real scan of ``--source`` (default /work/photos: 2,026 photos, so each picture has ~25 copies at
50k) with unique paths and content hashes, and adds YOLO-style labels and splits (three declared
classes, 0-3 boxes per image, 8% unlabelled) so the annotation checks and dataset facts have
work to do (``--no-labels``: without, as a folder of photos). ``--source`` is a folder or a
manifest; a folder, or a manifest made with other analysis settings (an older scan algorithm:
no valid ``thumb``, so nothing would be verified), is scanned with the current scanner into
``~/.cache/imgeda-ci-bench/source-<name>-<settings hash>.jsonl`` (once; a manifest's ``root``
is rescanned). The replicated manifests' names carry the settings hash too. Then prints, as
median of ``--repeats`` runs, wall and CPU seconds (user+sys of this process) and how much of
it is near-copy verification (pairs and CPU, from ``verify_cost.py``):

- ``evaluate()`` + ``judge()`` on the N records (default policy);
- head + base with reuse at the smallest N: a pull request that modifies 50 images (new bytes,
  a picture at a tenth of the brightness), evaluated as ``imgeda-ci ci`` does in one process:
  ``evaluate(head)`` then ``evaluate(base, reuse=head_ev)``, sharing one ``DupeSearch``; and
  ``diff(base, head)``;
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
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import verify_cost  # noqa: E402

from imgeda_ci import manifest  # noqa: E402
from imgeda_ci.diff import diff  # noqa: E402
from imgeda_ci.dupes.search import DupeSearch  # noqa: E402
from imgeda_ci.evaluate import evaluate  # noqa: E402
from imgeda_ci.model import ImageRecord, ManifestHeader  # noqa: E402
from imgeda_ci.policy import default_policy  # noqa: E402
from imgeda_ci.scan import thumb  # noqa: E402
from imgeda_ci.scan.settings import Settings  # noqa: E402
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


def source_manifest(source: Path, workers: int) -> Path:
    """A manifest of ``source`` made with the current analysis settings (see the module doc)."""
    from imgeda_ci.scan.api import scan_folder

    settings = Settings().hash
    root, name = source, source.name
    if source.is_file():
        header = manifest.read(source)[0] or {}
        if header.get("settings_hash") == settings:
            return source
        root, name = Path(str(header.get("root") or "")), source.stem
        if not root.is_dir():
            sys.exit(f"{source}: made with other analysis settings, and its root {root} is gone")
    out = CACHE / f"source-{name}-{settings}.jsonl"
    if not out.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        print(f"scanning {root} into {out} ...", file=sys.stderr)
        scan_folder(root, out, workers=workers, use_git=False, dataset_format="flat")
    return out


def build(n: int, source: Path, labels: bool = True) -> Path:
    """``n`` records replicated from the manifest ``source`` (see the module doc)."""
    tag = f"{'' if labels else '-nolabels'}-{Settings().hash}"
    out = CACHE / f"eval-{source.stem.removesuffix('-' + Settings().hash)}-{n}{tag}.jsonl"
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
    """The head of a pull request that modifies ``change`` images (new bytes, the picture at a
    tenth of the brightness: its luma and its thumbnail)."""
    head = list(base)
    step = max(1, len(base) // change)
    for i in range(0, step * change, step):
        rec: dict[str, Any] = dict(base[i])
        rec["sha256"] = hashlib.sha256(f"pr{i}".encode()).hexdigest()
        st = dict(rec.get("stats") or {})
        if "luma_p" in st:
            st["luma_p"] = {k: v * 0.1 for k, v in st["luma_p"].items()}
        rec["stats"] = st
        pixels = thumb.unpack(rec.get("thumb"))
        if pixels is not None:
            rec["thumb"] = thumb.pack((pixels // 10).astype(pixels.dtype))
        head[i] = rec  # type: ignore[assignment]
    return head


def _cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


class Timed:
    """Medians of wall and CPU seconds, and of the verification's pairs and CPU, over runs."""

    def __init__(self, fn: Callable[[], Any], repeats: int, log: Path) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.pairs: list[int] = []
        self.verify: list[float] = []
        self.out: Any = None
        for _ in range(repeats):
            log.unlink(missing_ok=True)
            t0, c0 = time.perf_counter(), _cpu()
            self.out = fn()
            self.wall.append(time.perf_counter() - t0)
            self.cpu.append(_cpu() - c0)
            pairs, spent, _ = verify_cost.totals(log)
            self.pairs.append(pairs)
            self.verify.append(spent)

    def __str__(self) -> str:
        med = statistics.median
        return (
            f"{med(self.wall):.3f} s wall, {med(self.cpu):.3f} s CPU "
            f"(verifying {med(self.pairs):.0f} pairs: {med(self.verify):.3f} s CPU)"
        )


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
    ap.add_argument(
        "--source", type=Path, default=Path("/work/photos"), help="a folder or a manifest"
    )
    ap.add_argument("--workers", type=int, default=2, help="to scan the source (once)")
    ap.add_argument("--no-gate", action="store_true", help="skip the gate subprocess")
    ap.add_argument(
        "--no-labels", action="store_true", help="no labels/splits: image and size checks only"
    )
    args = ap.parse_args()
    policy = default_policy()
    source = source_manifest(args.source, args.workers)
    log = CACHE / f"verify-{os.getpid()}.log"
    verify_cost.install(log)
    loaded: dict[int, tuple[ManifestHeader | None, list[ImageRecord], Path]] = {}
    for n in args.sizes:
        path = build(n, source, labels=not args.no_labels)
        t0 = time.perf_counter()
        header, records = manifest.load(path)
        load_s = time.perf_counter() - t0
        loaded[n] = (header, records, path)
        hdr = dict(header) if header else None
        ev = Timed(lambda r=records, h=hdr: evaluate(r, policy, header=h), args.repeats, log)
        judged = Timed(lambda e=ev.out: judge(e), args.repeats, log)
        print(
            f"{n:>7} records: load {load_s:.2f} s; evaluate {ev}; judge "
            f"{statistics.median(judged.wall):.3f} s; findings {len(ev.out.findings)}, "
            f"passed {judged.out.passed}"
        )
    n = min(args.sizes)
    header, base, _ = loaded[n]
    hdr = dict(header) if header else None
    head = pr_of(base, args.change)

    def head_and_base() -> Any:
        search = DupeSearch()  # the run's, as imgeda-ci ci shares it
        head_ev = evaluate(head, policy, header=hdr, base=base, search=search)
        return evaluate(base, policy, header=hdr, reuse=head_ev, search=search)

    hb = Timed(head_and_base, args.repeats, log)
    diffed = Timed(lambda: diff(base, head), args.repeats, log)
    print(
        f"{n:>7} records: head+base with reuse {hb}; diff {statistics.median(diffed.wall):.3f} s "
        f"({len(diffed.out.modified)} modified)"
    )
    log.unlink(missing_ok=True)
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
