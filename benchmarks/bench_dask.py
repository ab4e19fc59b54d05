#!/usr/bin/env python3
"""The Dask executor against the local process pool, on the same folder and worker count.

Run by hand (never in the test suite):

    python benchmarks/bench_dask.py --photos DIR [--n 300] [--workers 2] [--repeats 3]

Three ways to analyse the same ``--n`` files (symlinked into a temporary folder), every run cold
(no output, journal or cache; git reuse off):

* ``local``: the default local process pool with ``--workers`` processes;
* ``dask``: a LocalCluster of ``--workers`` single-threaded worker processes started beforehand
  (the same as ``--scheduler local`` starts), given to the scan by address (what a standing
  cluster costs);
* ``dask+start``: ``--scheduler local``, the scan starts and stops its own LocalCluster.

Medians (and bests: on a shared machine the least disturbed run) over ``--repeats`` interleaved
runs, each as a ratio of the local pool's. The manifests of all three are checked to be
byte-identical.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from imgeda_ci.scan.api import scan_folder  # noqa: E402
from imgeda_ci.scan.dask_executor import local_cluster  # noqa: E402
from imgeda_ci.scan.sniff import image_extensions  # noqa: E402


def make_folder(photos: Path, n: int, dest: Path) -> int:
    exts = image_extensions()
    files = sorted(p for p in photos.iterdir() if p.suffix.lower().lstrip(".") in exts)[:n]
    for p in files:
        (dest / p.name).symlink_to(p.resolve())
    return len(files)


def timed(folder: Path, out: Path, **kwargs: object) -> float:
    for p in (out, out.with_name(out.name + ".partial")):
        p.unlink(missing_ok=True)
    t = time.perf_counter()
    scan_folder(folder, out, use_git=False, **kwargs)  # type: ignore[arg-type]
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=Path, default=Path("/work/photos"))
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    try:
        import distributed  # noqa: F401
    except ImportError:
        sys.exit("needs dask.distributed: pip install 'imgeda-ci[dask]'")

    with tempfile.TemporaryDirectory(prefix="bench-dask-") as tmp:
        folder = Path(tmp) / "photos"
        folder.mkdir()
        count = make_folder(args.photos, args.n, folder)
        size = sum(p.stat().st_size for p in folder.iterdir())
        print(f"{count} files, {size / 1e6:.0f} MB, {args.workers} workers, {args.repeats} repeats")
        times: dict[str, list[float]] = {"local": [], "dask": [], "dask+start": []}
        outs = {name: Path(tmp) / f"{name}.jsonl" for name in times}
        with local_cluster(args.workers) as cluster:
            address = cluster.scheduler_address
            for _ in range(args.repeats):  # interleaved, so that load drift hits all alike
                times["local"].append(timed(folder, outs["local"], workers=args.workers))
                times["dask"].append(
                    timed(folder, outs["dask"], executor="dask", scheduler=address)
                )
                times["dask+start"].append(
                    timed(
                        folder,
                        outs["dask+start"],
                        executor="dask",
                        scheduler="local",
                        workers=args.workers,
                    )
                )
        same = len({p.read_bytes() for p in outs.values()}) == 1
        base = statistics.median(times["local"])
        best = min(times["local"])
        cols = ("median s", "files/s", "ratio", "best s", "ratio")
        print(f"{'executor':<12}" + "".join(f"{c:>10}" for c in cols))
        for name, ts in times.items():
            med, low = statistics.median(ts), min(ts)
            print(
                f"{name:<12}{med:>10.2f}{count / med:>10.1f}{med / base:>10.2f}"
                f"{low:>10.2f}{low / best:>10.2f}   runs: {' '.join(f'{t:.2f}' for t in ts)}"
            )
        print(f"manifests identical: {same}")
        return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
