"""Tune the ``noise`` measurement (imgeda_ci.scan.noise) on real photos and planted noise.

Run by hand::

    python benchmarks/tune_noise.py /work/photos [--cache /tmp/noise-cache.json] [--jobs 2]

Every photo is measured as the scan measures it (JPEG draft decoding to at least the analysis
size, upright by EXIF orientation, luma, box resize to 512 on the long side) as it is, and as a
planted noisy copy for each level in ``LEVELS``: independent Gaussian noise of that sigma
(0-255 units) added to each RGB channel at full resolution, or salt-and-pepper noise on a share
of the pixels, then saved as JPEG quality 90 and measured the same way. Measurements are cached
(JSON, keyed by file name, size and mtime), so a second run only prints the tables: for each
candidate threshold, the recall per planted level and the share of real photos flagged; the
photos flagged at the chosen threshold; and the median time of one measurement.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from imgeda_ci.scan.noise import noise_sigma

ANALYSIS_SIZE = 512
GAUSS = (5, 10, 15, 20, 25)
SALT = (0.005, 0.02)  # share of pixels set to black or white
LEVELS = ["clean", *(f"g{s}" for s in GAUSS), *(f"sp{p:g}" for p in SALT)]
THRESHOLDS = (1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0, 8.0)
CHOSEN = 6.5  # the noisy check's default (imgeda_ci.checks.noise)
PLANT_MAX = 2048  # noise is planted in photos up to this long side (the 76 larger: clean only)
EXTS = (".jpg", ".jpeg", ".png", ".webp")


def analysis_gray(data: bytes, size: int = ANALYSIS_SIZE) -> Image.Image:
    """The luma image the scan measures (imgeda_ci.scan.analyze._analyze_image, standard
    depth): JPEG draft to the smallest DCT scale covering the target, 8-bit, upright, luma, box
    resize to ``size`` on the long side."""
    img: Image.Image = Image.open(io.BytesIO(data))
    w, h = img.size
    scale = min(1.0, size / max(w, h))
    tw, th = max(1, round(w * scale)), max(1, round(h * scale))
    if img.format in ("JPEG", "MPO"):
        img.draft(None, (tw, th))
    img.load()
    orientation = int(img.getexif().get(0x0112, 1) or 1)
    if img.mode in ("P", "PA"):
        img = img.convert("RGBA" if "transparency" in img.info or img.mode == "PA" else "RGB")
    elif img.mode not in ("L", "LA", "RGB", "RGBA", "CMYK"):
        img = img.convert("RGB")
    if orientation in range(2, 9):
        img = ImageOps.exif_transpose(img) or img
        if orientation >= 5:
            tw, th = th, tw
    gray = img.convert("RGB").convert("L") if img.mode == "CMYK" else img.convert("L")
    return gray.resize((tw, th), Image.Resampling.BOX) if gray.size != (tw, th) else gray


def planted(data: bytes, level: str, seed: int) -> bytes:
    """The photo at full resolution with noise ``level`` added, as JPEG quality 90."""
    img = ImageOps.exif_transpose(Image.open(io.BytesIO(data))) or Image.open(io.BytesIO(data))
    rgb = np.asarray(img.convert("RGB"))
    rng = np.random.default_rng(seed)
    if level.startswith("g"):
        sigma = float(level[1:])
        noise = rng.standard_normal(rgb.shape, dtype=np.float32) * sigma
        out = np.clip(rgb + noise, 0, 255).round().astype(np.uint8)
    else:
        share = float(level[2:])
        out = rgb.copy()
        hit = rng.random(rgb.shape[:2], dtype=np.float32) < share
        out[hit] = np.where(rng.random(int(hit.sum())) < 0.5, 0, 255)[:, None].astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(out).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def measure_file(path: str) -> dict[str, float]:
    """Every level of one photo (noise seeded by the file name, so runs repeat). With
    $TUNE_NOISE_GRAYS set, the analysis-size luma images are kept there (.npy) and reused by
    later runs, to try another estimator (delete the JSON cache) without decoding again."""
    data = Path(path).read_bytes()
    keep = os.environ.get("TUNE_NOISE_GRAYS")
    seed = int.from_bytes(os.path.basename(path).encode()[-8:].rjust(8, b"\0"), "big")
    with Image.open(io.BytesIO(data)) as img:
        side = max(img.size)
    out: dict[str, float] = {"side": side}
    for level in LEVELS if side <= PLANT_MAX else LEVELS[:1]:
        kept = os.path.join(keep, level, os.path.basename(path) + ".npy") if keep else ""
        try:
            if kept and os.path.exists(kept):
                out[level] = noise_sigma(Image.fromarray(np.load(kept)))
                continue
            src = data if level == "clean" else planted(data, level, seed)
            gray = analysis_gray(src)
            out[level] = noise_sigma(gray)
            if kept:
                os.makedirs(os.path.dirname(kept), exist_ok=True)
                np.save(kept, np.asarray(gray))
        except Exception as exc:  # an unreadable photo is reported, not fatal
            print(f"{path}: {level}: {exc}", file=sys.stderr)
            return {}
    return out


def load(root: Path, cache_path: Path, jobs: int) -> dict[str, dict[str, float]]:
    cache: dict[str, dict[str, float]] = {}
    if cache_path.exists():
        cache = json.loads(cache_path.read_text())
    files = sorted(p for p in root.iterdir() if p.suffix.lower() in EXTS)
    key = {str(p): f"{p.name}:{p.stat().st_size}:{int(p.stat().st_mtime)}" for p in files}
    todo = [str(p) for p in files if key[str(p)] not in cache]
    if todo:
        print(f"measuring {len(todo)} photos x {len(LEVELS)} levels ...", file=sys.stderr)
        with Pool(jobs) as pool:
            for i, (path, res) in enumerate(
                zip(todo, pool.imap(measure_file, todo, chunksize=4), strict=True)
            ):
                cache[key[path]] = res
                if i % 200 == 199:
                    cache_path.write_text(json.dumps(cache))
                    print(f"  {i + 1}", file=sys.stderr)
        cache_path.write_text(json.dumps(cache))
    return {p.name: cache[key[str(p)]] for p in files if cache[key[str(p)]]}


def roc(rows: dict[str, dict[str, float]], title: str) -> None:
    """For each threshold: the share of real photos flagged, the recall per planted level."""
    vals = {lv: np.array([r[lv] for r in rows.values() if lv in r]) for lv in LEVELS}
    print(f"\n{title}: {len(vals['clean'])} photos, noise planted in {len(vals['g5'])}")
    print("  median: " + "  ".join(f"{lv}={np.median(vals[lv]):.2f}" for lv in LEVELS))
    print(f"  {'thr':>5} {'real %':>7} " + " ".join(f"{lv:>7}" for lv in LEVELS[1:]))
    for t in THRESHOLDS:
        real = 100 * float(np.mean(vals["clean"] > t))
        rec = " ".join(f"{float(np.mean(vals[lv] > t)):7.3f}" for lv in LEVELS[1:])
        print(f"  {t:5.1f} {real:7.2f} {rec}")


def table(rows: dict[str, dict[str, float]]) -> None:
    print(f"flagged when noise_sigma > threshold; noise planted up to {PLANT_MAX} px long side")
    roc(rows, "all photos")
    roc({n: r for n, r in rows.items() if r["side"] <= 1024}, "long side <= 1024 px")
    roc({n: r for n, r in rows.items() if r["side"] > 1024}, "long side > 1024 px")
    names = sorted(rows)
    flagged = [(rows[n]["clean"], n) for n in names if rows[n]["clean"] > CHOSEN]
    print(f"\nreal photos flagged at > {CHOSEN}: {len(flagged)}")
    for v, n in sorted(flagged, reverse=True):
        print(f"  {v:7.3f}  {n}")
    groups: dict[str, list[float]] = {}
    for n in names:
        groups.setdefault("_".join(n.split("_")[:2]), []).append(rows[n]["clean"])
    print("\nper source: photos, flagged, median noise_sigma")
    for g, xs in sorted(groups.items()):
        n_flag = sum(x > CHOSEN for x in xs)
        print(f"  {g:40s} {len(xs):5d} {n_flag:4d} {statistics.median(xs):7.3f}")


def timing(root: Path, n: int = 200) -> None:
    """Median time of one measurement over ``n`` photos: CPU time (what it costs, whatever else
    runs on the machine) and wall time."""
    files = sorted(p for p in root.iterdir() if p.suffix.lower() in EXTS)[:: max(1, 2026 // n)]
    grays = [analysis_gray(p.read_bytes()) for p in files]
    cpu: list[float] = []
    wall: list[float] = []
    for g in grays:
        c0, t0 = time.process_time(), time.perf_counter()
        for _ in range(20):
            noise_sigma(g)
        cpu.append((time.process_time() - c0) / 20)
        wall.append((time.perf_counter() - t0) / 20)
    print(
        f"\ntime of noise_sigma at {ANALYSIS_SIZE} px over {len(grays)} photos: median CPU "
        f"{statistics.median(cpu) * 1e3:.3f} ms (max {max(cpu) * 1e3:.3f}), median wall "
        f"{statistics.median(wall) * 1e3:.3f} ms"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("photos", type=Path)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/noise-cache.json"))
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    table(load(args.photos, args.cache, args.jobs))
    timing(args.photos)


if __name__ == "__main__":
    main()
