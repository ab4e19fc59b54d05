"""Copy-signature candidates on real photos: recall per planted transform, load on distinct photos.

    python benchmarks/bench_copy_candidates.py /work/photos --sample 300

What :func:`imgeda_ci.dupes.copies.candidates` finds *before* any verification:

- **planted copies**: a seeded sample of the photos, decoded at most 1024 px and saved as JPEG
  q95 (the originals), and per transform one copy of each (crops of 1/3/5% per side, of 3/5% on
  one side, of 5% on the left and top, a mirror, a flip, rotations by 90/180/270 degrees, a
  rotation by 90 plus a 3% crop, and the uniform changes: JPEG q70, resize 0.5, brightness
  +-15%, Gaussian blur r2, a watermark). Recall = share of (original, copy) pairs among the
  candidates of the originals and copies together;
- **distinct photos**: every photo of the folder; printed: the candidate pairs (what the
  verifier has to compare; the folder holds real near copies too: burst/video frames and
  augmentations, so not all of them are false).

Each image is decoded as the scanner does for JPEG (reduced-scale draft, luma, box-resized to
the analysis size, 512 px) and signed by :func:`imgeda_ci.scan.copysig.signature`. Printed
last: CPU milliseconds per ``signature`` call (median of the calls' process CPU time; the
thumbnail, made beside it, is not counted).
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import time
from pathlib import Path

import numpy as np
from PIL import Image
from planted_copies import jpeg, transforms

from imgeda_ci.dupes import copies
from imgeda_ci.scan.copysig import signature
from imgeda_ci.scan.settings import DEFAULT_ANALYSIS_SIZE


def gray_of(data: bytes, size: int = DEFAULT_ANALYSIS_SIZE) -> Image.Image:
    """The scanner's luma of a JPEG: reduced-scale draft, ``L``, box-resized to fit ``size``."""
    with Image.open(io.BytesIO(data)) as im:
        scale = min(1.0, size / max(im.size))
        target = max(1, round(im.width * scale)), max(1, round(im.height * scale))
        im.draft(None, target)
        gray = im.convert("L")
    return gray if gray.size == target else gray.resize(target, Image.Resampling.BOX)


def load(path: Path, side: int) -> Image.Image:
    with Image.open(path) as im:
        im.draft("RGB", (side, side))
        return im.convert("RGB")


def sign(grays: list[Image.Image], cpu: list[float]) -> list[str]:
    """``copysig`` of each image; appends each call's CPU seconds to ``cpu``."""
    out = []
    for g in grays:
        t0 = time.process_time()
        out.append(signature(g))
        cpu.append(time.process_time() - t0)
    return out


def pairs_of(sigs: list[str]) -> set[tuple[int, int]]:
    sig, has = copies.parse(sigs)
    got = copies.candidates(sig, has)
    lo, hi = np.minimum(got.query, got.index), np.maximum(got.query, got.index)
    return set(zip(lo.tolist(), hi.tolist(), strict=True))


def planted(files: list[Path], sample: int, seed: int, cpu: list[float]) -> None:
    rng = random.Random(seed)
    originals = [load(p, 1024) for p in rng.sample(files, min(sample, len(files)))]
    base = sign([gray_of(jpeg(im)) for im in originals], cpu)
    n = len(base)
    print(f"planted copies of {n} photos: candidate recall (pairs found / planted)")
    for name, make in transforms(rng).items():
        found = pairs_of(base + sign([gray_of(make(im)) for im in originals], cpu))
        hit = sum((k, k + n) in found for k in range(n))
        print(f"  {name:18s} {hit / n:6.3f}   ({len(found)} candidate pairs in all)")


def distinct(files: list[Path], cpu: list[float], save: Path | None) -> None:
    sigs = sign([gray_of(p.read_bytes()) for p in files], cpu)
    n = len(sigs)
    found = pairs_of(sigs)
    print(f"\ndistinct photos: {n}, {n * (n - 1) // 2:,} pairs; candidate pairs {len(found)}")
    sig, _ = copies.parse(sigs)
    flagged = np.count_nonzero(copies.allowed(copies.codes(sig)[1]), axis=1)
    print(
        f"queries per image {flagged.mean():.3f} (images with an ambiguous orientation: "
        f"{np.mean(flagged > 1):.3f})"
    )
    if save is not None:  # for bench_duplicates.py --real-signatures
        save.write_text("\n".join(sigs) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--sample", type=int, default=300, help="photos turned into copies")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--skip-distinct", action="store_true")
    ap.add_argument("--save-signatures", type=Path, help="write the photos' copysig lines here")
    args = ap.parse_args()
    files = sorted(p for p in args.folder.iterdir() if p.is_file())
    cpu: list[float] = []
    planted(files, args.sample, args.seed, cpu)
    if not args.skip_distinct:
        distinct(files, cpu, args.save_signatures)
    print(f"\nsignature: {statistics.median(cpu) * 1e3:.3f} ms CPU per image (median)")


if __name__ == "__main__":
    main()
