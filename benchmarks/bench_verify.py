"""CPU cost of the near-copy verifier per candidate pair, at the thumbnail side the package has.

    python benchmarks/bench_verify.py /work/photos [--photos 60] [--repeat 5]

Pairs of ``thumb`` fields (:func:`imgeda_ci.scan.copysig.copy_signature`, so at
:data:`imgeda_ci.scan.thumb.SIDE`) made from a seeded sample of real photos (decoded at most
1024 px, saved as JPEG q95): each photo with its planted copy under every unturned transform of
``planted_copies.py`` (crops, re-encode, resize, brightness, blur, watermark), each with the next
photo of the sample and with a random one (other pictures: the verifier's dearer case, since a
pair not a copy one way round is tried the other way too). Printed: the CPU milliseconds per pair
of :func:`imgeda_ci.dupes.verify.classify` (median of ``--repeat`` runs, after one run that
builds the window tables), the same for the pairs it calls copies and for the others alone (a
pair not a copy takes all four looks), and the verdict counts (the same verdicts whatever the
speed).
"""

from __future__ import annotations

import argparse
import io
import random
import resource
from pathlib import Path

import numpy as np
from PIL import Image
from planted_copies import jpeg, transforms

from imgeda_ci.dupes import verify
from imgeda_ci.scan.copysig import copy_signature
from imgeda_ci.scan.thumb import SIDE


def _thumb(data: bytes) -> str:
    return copy_signature(Image.open(io.BytesIO(data)).convert("L"))[1]


def pairs(folder: Path, photos: int, seed: int) -> tuple[verify.F32, verify.F32]:
    """The ``(a, b)`` thumbnails of every pair (see the module doc)."""
    rng = random.Random(seed)
    files = sorted(p for p in folder.iterdir() if p.is_file())
    picked = []
    for path in rng.sample(files, min(photos, len(files))):
        with Image.open(path) as im:
            im.draft("RGB", (1024, 1024))
            picked.append(im.convert("RGB"))
    base = [_thumb(jpeg(im)) for im in picked]
    first: list[str] = []
    second: list[str] = []
    turned = ("rot", "mirror", "flip")
    for name, make in transforms(rng).items():
        if not name.startswith(turned):
            first += base
            second += [_thumb(make(im)) for im in picked]
    n = len(base)
    first += base + base
    second += [base[(k + 1) % n] for k in range(n)] + [base[rng.randrange(n)] for _ in range(n)]
    a, ok_a = verify.decode(first)
    b, ok_b = verify.decode(second)
    keep = ok_a & ok_b
    return a[keep], b[keep]


def _cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--photos", type=int, default=60, help="photos sampled")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs")
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    a, b = pairs(args.folder, args.photos, args.seed)
    kinds = verify.classify(a, b)  # builds the window tables
    copy = kinds == verify.COPY
    names = {"COPY": verify.COPY, "LOCAL": verify.LOCAL, "DIFFERENT": verify.DIFFERENT}
    counts = {name: int((kinds == k).sum()) for name, k in names.items()}
    print(f"thumbnail side {SIDE}: {len(a)} pairs: {counts}")
    for label, rows in (("all", slice(None)), ("copies", copy), ("not copies", ~copy)):
        costs = []
        for _ in range(args.repeat):
            start = _cpu()
            verify.classify(a[rows], b[rows])
            costs.append((_cpu() - start) / len(a[rows]))
        print(
            f"classify, {label}: {1e3 * float(np.median(costs)):.3f} ms CPU per pair "
            f"(median of {args.repeat}; runs {', '.join(f'{1e3 * c:.3f}' for c in costs)})"
        )


if __name__ == "__main__":
    main()
