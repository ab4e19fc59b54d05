#!/usr/bin/env python3
"""Do a PNG and a JPEG of the same picture measure alike? Per-measurement differences.

Run by hand (never in the test suite), once per version of the code to compare:

    python benchmarks/bench_format_consistency.py --photos DIR [-n 100] [--quality 95]

Takes ``-n`` photos of at least 1,024 px on the long side (spread evenly over the sorted
list), decodes each at full size, saves the same pixels as PNG and as JPEG (quality
``--quality``, 4:4:4), analyses both with imgeda-ci's scan (``analyze_bytes``, default
settings) and prints, per measurement, the median, 95th percentile and maximum of the absolute
difference between the two formats, and the share of images where it exceeds a tolerance (the
tolerances of tests/scan/test_format_consistency.py). The hashes are compared in bits.
Run with ``PYTHONPATH`` pointing at another checkout to measure that code.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from imgeda_ci.scan.analyze import analyze_bytes
from imgeda_ci.scan.hashes import hamming
from imgeda_ci.scan.settings import Settings

#: (field, tolerance): relative for sharpness (a ratio of energies), else absolute
FIELDS: tuple[tuple[str, float], ...] = (
    ("luma_mean", 1.0), ("luma_std", 1.0), ("entropy", 0.05), ("colorfulness", 1.0),
    ("chroma_p99", 3.0), ("sharpness", 0.10), ("blur_sigma", 0.05), ("edge_density", 0.01),
    ("noise", 0.10), ("dynamic_range", 3.0),
)  # fmt: skip


def flat(stats: dict[str, Any]) -> dict[str, float]:
    """The scalar measurements of a record's stats, nested lists and dicts flattened."""
    out: dict[str, float] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else k, v)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(f"{prefix}[{i}]", v)
        elif isinstance(value, int | float):
            out[prefix] = float(value)

    walk("", stats)
    return out


def encode(img: Image.Image, fmt: str, **params: Any) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def pair(path: Path, quality: int, settings: Settings) -> tuple[dict[str, Any], dict[str, Any]]:
    with Image.open(path) as im:
        img = im.convert("RGB")
    png = analyze_bytes(encode(img, "PNG", compress_level=1), settings)
    jpg = analyze_bytes(encode(img, "JPEG", quality=quality, subsampling=0), settings)
    return dict(png), dict(jpg)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--photos", default="/work/photos")
    ap.add_argument("-n", type=int, default=100)
    ap.add_argument("--quality", type=int, default=95)
    args = ap.parse_args()
    files = []
    for p in sorted(Path(args.photos).iterdir()):
        try:
            with Image.open(p) as im:
                if max(im.size) >= 1024:
                    files.append(p)
        except Exception:
            continue
    step = max(1.0, len(files) / args.n)
    sample = [files[int(i * step)] for i in range(min(args.n, len(files)))]
    settings = Settings()
    diffs: dict[str, list[float]] = {}
    for path in sample:
        png, jpg = pair(path, args.quality, settings)
        a, b = flat(png["stats"]), flat(jpg["stats"])
        for k in a.keys() & b.keys():
            d = abs(a[k] - b[k])
            if k == "sharpness":
                d /= max(a[k], b[k], 1e-9)
            diffs.setdefault(k, []).append(d)
        for h in ("phash", "dhash"):
            diffs.setdefault(f"{h} (bits)", []).append(hamming(png[h], jpg[h]))
    tol = dict(FIELDS)
    print(f"{len(sample)} photos, PNG vs JPEG q{args.quality} of the same pixels; |difference|"
          " (sharpness: relative)")  # fmt: skip
    print(f"{'measurement':28s} {'median':>9s} {'p95':>9s} {'max':>9s}  over tolerance")
    for k in sorted(diffs):
        v = np.asarray(diffs[k])
        over = f"{np.mean(v > tol[k]):6.1%} > {tol[k]:g}" if k in tol else ""
        print(f"{k:28s} {np.median(v):9.4f} {np.percentile(v, 95):9.4f} {v.max():9.4f}  {over}")


if __name__ == "__main__":
    sys.exit(main())
