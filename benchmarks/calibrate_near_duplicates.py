"""Calibrate the near-duplicate threshold on real photos (run by hand; needs a photo folder).

    python benchmarks/calibrate_near_duplicates.py /work/photos --sample 300

Every photo is analysed by the real scanner (:func:`imgeda_ci.scan.analyze.analyze_bytes`, default
settings). A seeded sample is turned into the copies people make (JPEG re-encodes, resizes,
crops, brightness shifts, blur, a watermark, a resize+re-encode), each saved as a file and
analysed the same way. Printed: the pHash (256-bit) distance from each original to its copies
(percentiles and the share within candidate thresholds; dHash alongside), and the distances of
all pairs of different photos of the folder (minimum and low percentiles).
"""

from __future__ import annotations

import argparse
import io
import random
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont

from imgeda_ci.dupes.hashindex import from_hex
from imgeda_ci.scan.analyze import analyze_bytes
from imgeda_ci.scan.settings import Settings

THRESHOLDS = (8, 12, 16, 20, 24, 32, 40)
SETTINGS = Settings()


def _jpeg(img: Image.Image, quality: int = 95) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _resize(img: Image.Image, f: float) -> Image.Image:
    w, h = img.size
    return img.resize((max(1, round(w * f)), max(1, round(h * f))), Image.Resampling.LANCZOS)


def _crop(img: Image.Image, f: float, sides: str = "lrtb") -> Image.Image:
    w, h = img.size
    dx, dy = round(w * f), round(h * f)
    return img.crop(
        (
            dx if "l" in sides else 0,
            dy if "t" in sides else 0,
            w - dx if "r" in sides else w,
            h - dy if "b" in sides else h,
        )
    )


def _watermark(img: Image.Image) -> Image.Image:
    rgba = img.convert("RGBA")
    layer = Image.new("RGBA", rgba.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    font = ImageFont.load_default(size=max(10, rgba.height // 14))
    draw.text(
        (rgba.width * 0.05, rgba.height * 0.82),
        "© example.com 2024",
        fill=(255, 255, 255, 150),
        font=font,
    )
    return Image.alpha_composite(rgba, layer).convert("RGB")


def _bright(f: float) -> Callable[[Image.Image], bytes]:
    return lambda im: _jpeg(ImageEnhance.Brightness(im).enhance(f))


VARIANTS: dict[str, Callable[[Image.Image], bytes]] = {
    "jpeg q95": lambda im: _jpeg(im, 95),
    "jpeg q80": lambda im: _jpeg(im, 80),
    "jpeg q65": lambda im: _jpeg(im, 65),
    "jpeg q50": lambda im: _jpeg(im, 50),
    "resize 0.9": lambda im: _jpeg(_resize(im, 0.9)),
    "resize 0.7": lambda im: _jpeg(_resize(im, 0.7)),
    "resize 0.5": lambda im: _jpeg(_resize(im, 0.5)),
    "crop 1%/side": lambda im: _jpeg(_crop(im, 0.01)),
    "crop 2%/side": lambda im: _jpeg(_crop(im, 0.02)),
    "crop 3%/side": lambda im: _jpeg(_crop(im, 0.03)),
    "crop 5%/side": lambda im: _jpeg(_crop(im, 0.05)),
    "crop 3% one side": lambda im: _jpeg(_crop(im, 0.03, "r")),
    "brightness +10%": _bright(1.10),
    "brightness -10%": _bright(0.90),
    "brightness +15%": _bright(1.15),
    "brightness -15%": _bright(0.85),
    "blur r1": lambda im: _jpeg(im.filter(ImageFilter.GaussianBlur(1))),
    "blur r2": lambda im: _jpeg(im.filter(ImageFilter.GaussianBlur(2))),
    "watermark": lambda im: _jpeg(_watermark(im)),
    "resize 0.7 + q70": lambda im: _jpeg(_resize(im, 0.7), 70),
}


def _hashes(data: bytes) -> tuple[str, str] | None:
    rec = analyze_bytes(data, SETTINGS, use_alarm=False)
    if rec.get("error") or "phash" not in rec:
        return None
    return rec["phash"], rec["dhash"]


def _bits(hexes: list[str]) -> np.ndarray:  # type: ignore[type-arg]
    return np.unpackbits(from_hex(hexes).astype(">u8").view(np.uint8), axis=1).astype(np.int32)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--sample", type=int, default=300, help="photos turned into copies")
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--work-side", type=int, default=1600, help="copies are made at this size")
    args = ap.parse_args()
    files = sorted(p for p in args.folder.iterdir() if p.is_file())
    t0 = time.perf_counter()
    phashes: list[str] = []
    for p in files:
        h = _hashes(p.read_bytes())
        if h:
            phashes.append(h[0])
    print(f"{len(phashes)} photos analysed in {time.perf_counter() - t0:.0f} s")

    rows: dict[str, list[tuple[int, int]]] = {k: [] for k in VARIANTS}
    for p in random.Random(args.seed).sample(files, min(args.sample, len(files))):
        with Image.open(p) as im:
            im.draft("RGB", (args.work_side, args.work_side))
            work = im.convert("RGB")
        original = _hashes(_jpeg(work, 95))
        if original is None:
            continue
        o = _bits(list(original))
        for name, make in VARIANTS.items():
            copy = _hashes(make(work))
            if copy is None:
                continue
            c = _bits(list(copy))
            rows[name].append((int((o[0] != c[0]).sum()), int((o[1] != c[1]).sum())))

    print("\npHash-256 distance original -> copy (dHash-256 p50/max alongside)")
    print(f"{'copy':18s} {'p50':>4s} {'p90':>4s} {'p99':>4s} {'max':>4s}  share within T:")
    print(f"{'':18s} {'':19s}  " + " ".join(f"{t:>5d}" for t in THRESHOLDS) + "   dHash")
    for name, ds in rows.items():
        ph = np.array([d[0] for d in ds])
        dh = np.array([d[1] for d in ds])
        p50, p90, p99 = np.percentile(ph, [50, 90, 99]).round().astype(int)
        shares = " ".join(f"{(ph <= t).mean():5.3f}" for t in THRESHOLDS)
        print(
            f"{name:18s} {p50:4d} {p90:4d} {p99:4d} {ph.max():4d}  {shares}"
            f"   {int(np.median(dh))}/{dh.max()}"
        )

    b = _bits(phashes)
    n = len(b)
    ones = b.sum(axis=1)
    dist = ones[:, None] + ones[None, :] - 2 * (b @ b.T)
    d = dist[np.triu_indices(n, 1)]
    pcts = np.percentile(d, [0.001, 0.01, 0.1, 1, 50])
    print(f"\nall {len(d):,} pairs of different files: min {d.min()}, percentiles")
    print("  0.001% / 0.01% / 0.1% / 1% / 50%: " + " / ".join(f"{x:.0f}" for x in pcts))
    print("  pairs within T: " + ", ".join(f"{t}: {(d <= t).sum()}" for t in THRESHOLDS))


if __name__ == "__main__":
    main()
