"""Recall on planted exposure and blur problems, and flag rate on real photos, before and after.

Run by hand::

    python benchmarks/bench_quality.py --photos /work/photos [--sample 300] [--seed 0]
        [--cache ~/.cache/imgeda-ci-bench/quality] [--workers 1] [--list] [--timing]

A seeded sample of the photos is loaded upright at full resolution and each planted transform
(``TRANSFORMS``) is applied there, in RGB, before saving as JPEG quality 90:

- overexposure: ``v * gain + offset`` clipped at 255 (the issue's ``v * 2.5 + 40`` and other
  gain/offset blow-outs);
- underexposure: ``v * gain`` for gains 0.12-0.25;
- blur: Pillow's Gaussian blur of radius 2, 3 and 4 *at a long side of 1,024 px*: the radius is
  multiplied by ``max(1, long side / 1024)``. For the 90% of /work/photos up to 1,024 px this is
  the issue's planting on the photo as loaded; a radius-2 blur on a 5,640 px photo as loaded is
  0.18 px at the 512 px analysis size, invisible there and on any screen showing the whole
  photo, so it is scaled like a blur a user would see.

The planted files and the real photos are then scanned by the real scanner
(:func:`imgeda_ci.scan.api.scan_folder`, default settings); the files and manifests are cached
under ``--cache`` (a manifest is rebuilt when the scan code changes: its name carries a hash of
imgeda_ci/scan/*.py). For each changed check, the recall per planted transform and the share of
the real photos flagged (all of them, not only the sample) are printed, BEFORE (the rule the
check had, kept here as a reference only) and AFTER (the check from the registry at its default
threshold); ``--list`` adds the real images each check flags. Figures for the changed rules,
whose docstrings quote them, are a run of this script on /work/photos (sample 300, seed 0).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
from PIL import Image, ImageFilter, ImageOps

import imgeda_ci
from imgeda_ci.checks.registry import ImageCheck, get
from imgeda_ci.columns import Columns
from imgeda_ci.scan.api import scan_folder
from imgeda_ci.scan.blur import blur_sigma
from imgeda_ci.scan.clipping import clipping

EXTS = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")
REFERENCE_SIDE = 1024  # the blur radius is meant at this long side (see the module doc)
#: name -> (kind, parameters)
TRANSFORMS: dict[str, tuple[str, tuple[float, ...]]] = {
    "over_2.5x+40": ("gain", (2.5, 40.0)),
    "over_2x+50": ("gain", (2.0, 50.0)),
    "over_3x": ("gain", (3.0, 0.0)),
    "over_1.5x+90": ("gain", (1.5, 90.0)),
    "under_x0.12": ("gain", (0.12, 0.0)),
    "under_x0.18": ("gain", (0.18, 0.0)),
    "under_x0.25": ("gain", (0.25, 0.0)),
    "blur_r2": ("blur", (2.0,)),
    "blur_r3": ("blur", (3.0,)),
    "blur_r4": ("blur", (4.0,)),
}

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def plant(rgb: Image.Image, kind: str, params: tuple[float, ...]) -> Image.Image:
    """One planted problem on the upright full-resolution RGB photo."""
    if kind == "blur":
        radius = params[0] * max(1.0, max(rgb.size) / REFERENCE_SIDE)
        return rgb.filter(ImageFilter.GaussianBlur(radius))
    gain, offset = params
    v = np.asarray(rgb, dtype=np.float32) * gain + offset
    return Image.fromarray(np.clip(v, 0, 255).round().astype(np.uint8))


def plant_photo(job: tuple[str, str]) -> str:
    """Write every planted version of one photo (those not written yet); '' or an error."""
    src, out_root = job
    name = Path(src).stem + ".jpg"
    todo = [t for t in TRANSFORMS if not (Path(out_root) / t / name).exists()]
    if not todo:
        return ""
    try:
        with Image.open(src) as img:
            rgb = (ImageOps.exif_transpose(img) or img).convert("RGB")
    except Exception as exc:  # an unreadable photo is left out, not fatal
        return f"{src}: {exc}"
    for t in todo:
        buf = io.BytesIO()
        plant(rgb, *TRANSFORMS[t]).save(buf, "JPEG", quality=90)
        dest = Path(out_root) / t / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_suffix(".tmp")
        tmp.write_bytes(buf.getvalue())
        tmp.replace(dest)
    return ""


def sample(photos: Path, n: int, seed: int) -> list[Path]:
    files = sorted(p for p in photos.iterdir() if p.suffix.lower() in EXTS)
    return sorted(random.Random(seed).sample(files, min(n, len(files))))


def code_hash() -> str:
    """A hash of the scan code: a manifest made by other code is not reused."""
    h = hashlib.sha256()
    for p in sorted((Path(imgeda_ci.__file__).parent / "scan").glob("*.py")):
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def scanned(root: Path, manifest: Path, workers: int) -> list[dict[str, Any]]:
    """The records of ``root`` scanned by the real scanner into ``manifest`` (reused if there)."""
    if not manifest.exists():
        print(f"scanning {root} ...", file=sys.stderr)
        manifest.parent.mkdir(parents=True, exist_ok=True)
        scan_folder(root, manifest, workers=workers, use_git=False, dataset_format="flat")
    lines = manifest.read_bytes().splitlines()
    return [r for r in map(orjson.loads, lines[1:]) if r.get("error") is None]


def prepare(args: argparse.Namespace) -> tuple[list[dict[str, Any]], dict[str, list[Any]]]:
    """(real records, planted records by transform)."""
    cache: Path = args.cache.expanduser()
    planted = cache / f"planted-{args.seed}-{args.sample}"
    chosen = sample(args.photos, args.sample, args.seed)
    jobs = [(str(p), str(planted)) for p in chosen]
    with Pool(args.workers) as pool:
        for msg in pool.imap_unordered(plant_photo, jobs):
            if msg:
                print(msg, file=sys.stderr)
    tag = code_hash()
    real = scanned(args.photos, cache / f"real-{tag}.jsonl", args.workers)
    rows = scanned(planted, cache / f"planted-{args.seed}-{args.sample}-{tag}.jsonl", args.workers)
    by_t: dict[str, list[Any]] = {t: [] for t in TRANSFORMS}
    for r in rows:
        by_t[r["path"].split("/", 1)[0]].append(r)
    return real, by_t


#: check id -> (planted transforms it is meant to catch, the rule it had before, as a reference)
BEFORE: dict[str, tuple[str, Callable[[Columns], BoolArray]]] = {
    "dark": ("under_", lambda c: c.measure("stats.luma_p.p99") < 45),
    "overexposed": ("over_", lambda c: c.measure("stats.luma_p.p5") > 190),
    # scan algorithm 4's rule: the blown share alone (algorithm 5 adds the rim)
    "clipped_highlights": ("over_", lambda c: c.measure("stats.clip.high[3]") > 0.3),
    "overexposed|clipped_highlights": ("over_", lambda c: c.measure("stats.luma_p.p5") > 190),
    "blurry": (
        "blur_",
        lambda c: (c.measure("stats.sharpness") < 12) & (c.measure("stats.luma_std") >= 10),
    ),
}
#: over_ transforms: (gain, offset), for the "half blown" subset (see ``blown_half``)
OVER = {t: p for t, (k, p) in TRANSFORMS.items() if t.startswith("over_")}


def after(check_id: str, cols: Columns) -> BoolArray:
    """The check from the registry at its default threshold: flagged where it applies
    (``a|b``: flagged by either)."""
    if "|" in check_id:
        first, second = check_id.split("|", 1)
        return after(first, cols) | after(second, cols)
    chk = get(check_id)
    assert isinstance(chk, ImageCheck)
    j = chk.judge(cols, chk.default_threshold, {})
    return np.asarray(j.applies & j.flagged, dtype=np.bool_)


def stem(rec: dict[str, Any]) -> str:
    return str(rec["path"]).rsplit("/", 1)[-1].rsplit(".", 1)[0]


def blown_half(rows: list[Any], real: dict[str, Any], gain: float, offset: float) -> BoolArray:
    """Planted copies whose source photo had its median luma (and so at least half of the
    picture) taken to 251 or more by the transform: what "blown out" means. A dim photo under
    ``v * 2.5 + 40`` becomes a normal one, which no check should call overexposed."""
    p50 = [real[stem(r)]["stats"]["luma_p"]["p50"] if stem(r) in real else 0 for r in rows]
    return np.asarray(np.array(p50, dtype=np.float64) * gain + offset >= 251)


def flagged_real(real: list[dict[str, Any]]) -> None:
    """The real images each changed check flags at its default, by source and by name."""
    cols = Columns(real)
    for cid in BEFORE:
        hit = after(cid, cols)
        names = [stem(r) for r, h in zip(real, hit, strict=True) if h]
        by_source: dict[str, int] = {}
        for n in names:
            src = "_".join(n.split("_")[:2])
            by_source[src] = by_source.get(src, 0) + 1
        print(f"\n{cid}: {len(names)} real images flagged: {by_source}")
        for n in names:
            print(f"  {n}")


def report(real: list[dict[str, Any]], planted: dict[str, list[Any]]) -> None:
    """For each changed check: real photos flagged, and recall per planted transform."""
    real_cols = Columns(real)
    by_stem = {stem(r): r for r in real}
    photos = np.array([not stem(r).startswith("deb_") for r in real])
    print(
        f"real: {len(real)} images; {photos.sum()} photos "
        f"from ../shared/corpora, the rest Debian wallpapers and OpenCV documentation images"
    )
    for cid, (prefix, old) in BEFORE.items():
        print(f"\n{cid}")
        for label, rule in (("before", old), ("after", lambda c, cid=cid: after(cid, c))):
            flags = rule(real_cols)
            cells = [
                f"real {100 * flags.mean():.2f}% ({int(flags.sum())})",
                f"photos {100 * flags[photos].mean():.2f}%",
            ]
            for t, rows in planted.items():
                if not t.startswith(prefix) or not rows:
                    continue
                hit = rule(Columns(rows))
                cell = f"{t} {hit.mean():.3f}"
                if t in OVER:
                    half = blown_half(rows, by_stem, *OVER[t])
                    cell += f" (half blown {hit[half].mean():.3f} of {int(half.sum())})"
                cells.append(cell)
            print(f"  {label:6s} " + "; ".join(cells))


def timing(photos: Path, n: int = 100, reps: int = 10) -> None:
    """Median CPU time per image of the added measurements (blur width, clipping shares) and
    of all the pixel measurements (:func:`imgeda_ci.scan.measure.measure`), on the scan's own
    analysis-size images of ``n`` photos."""
    from imgeda_ci.scan.measure import _laplacian, measure

    files = sorted(p for p in photos.iterdir() if p.suffix.lower() in EXTS)
    grays = []
    for p in files[:: max(1, len(files) // n)]:
        with Image.open(p) as img:
            img.draft("L", (512, 512))
            g = ImageOps.exif_transpose(img.convert("L"))
        g.thumbnail((512, 512), Image.Resampling.BOX)
        grays.append((np.asarray(g), g, g.convert("RGB")))
    hist = np.ones((3, 256))
    cost: dict[str, list[float]] = {"blur_sigma": [], "clipping": [], "measure (all)": []}
    for lum, g, rgb in grays:
        lap = _laplacian(lum)[0]
        for name, fn in (
            ("blur_sigma", partial(blur_sigma, lum, lap)),
            ("clipping", partial(clipping, hist, hist[0])),
            ("measure (all)", partial(measure, g, rgb)),
        ):
            c0 = time.process_time()
            for _ in range(reps):
                fn()
            cost[name].append((time.process_time() - c0) / reps)
    print(f"\nCPU per image at 512 px, median of {len(grays)} photos:")
    for name, xs in cost.items():
        print(f"  {name:14s} {statistics.median(xs) * 1e3:.3f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--photos", type=Path, default=Path("/work/photos"))
    ap.add_argument("--sample", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache", type=Path, default=Path("~/.cache/imgeda-ci-bench/quality"))
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--list", action="store_true", help="list the real images flagged")
    ap.add_argument("--timing", action="store_true", help="CPU time of the added measurements")
    args = ap.parse_args()
    real, planted = prepare(args)
    report(real, planted)
    if args.list:
        flagged_real(real)
    if args.timing:
        timing(args.photos)


if __name__ == "__main__":
    main()
