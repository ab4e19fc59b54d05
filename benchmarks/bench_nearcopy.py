"""Near copies on real photos: recall per planted transform, false matches, before and after.

    python benchmarks/bench_nearcopy.py /work/photos --sample 150

Every image is analysed by the real scanner (:func:`imgeda_ci.scan.analyze.analyze_bytes`,
default settings). Three sets:

- **planted copies**: a seeded sample of the photos (decoded at most 1024 px, saved as JPEG q95:
  the originals) and, per transform, one copy of each (re-encode, resize, brightness, blur, a
  watermark, crops of 1/3/5% per side and of one side, a mirror, rotations by 90/180/270
  degrees, a rotation plus a crop). Recall = share of (original, copy) pairs related;
- **distinct photos**: every photo of the folder; printed: the pairs related (the folder holds
  real near copies too: burst/video frames, augmentations, so this is an upper bound on false
  matches, not a count of them);
- **same scene, other content**: backgrounds (real photos) with twelve chess-piece-like
  objects, one or two moved between consecutive shots (30 shots per background), plus one
  planted copy (re-encode q70 or a 3% crop) of every fifth shot. Printed: pairs of different
  shots related (none is a copy) and precision = planted pairs related / all pairs related.

BEFORE is the rule of scan algorithm 3: 256-bit pHashes within 24 bits, nothing verified.
AFTER is :func:`imgeda_ci.dupes.graph.build` with the copy signatures: the pHash pairs verified
on the thumbnails, plus the verified candidates of the copy signatures (what every duplicate
check reads). For comparison, imagededup's rule (64-bit pHash of imagehash, distance <= 10) is
run on the same files.
"""

from __future__ import annotations

import argparse
import io
import random
import resource
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont

from imgeda_ci.columns import Columns
from imgeda_ci.dupes import DEFAULT_THRESHOLD
from imgeda_ci.dupes import graph as near_graph
from imgeda_ci.dupes.content import content_of
from imgeda_ci.dupes.groups import copy_input
from imgeda_ci.model import ImageRecord
from imgeda_ci.scan.analyze import analyze_bytes
from imgeda_ci.scan.settings import Settings

SETTINGS = Settings()
Pairs = set[tuple[int, int]]


def jpeg(img: Image.Image, quality: int = 95) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def crop(img: Image.Image, left: float, top: float, right: float, bottom: float) -> Image.Image:
    w, h = img.size
    return img.crop((round(w * left), round(h * top), w - round(w * right), h - round(h * bottom)))


def watermark(img: Image.Image) -> Image.Image:
    rgba = img.convert("RGBA")
    layer = Image.new("RGBA", rgba.size, (0, 0, 0, 0))
    font = ImageFont.load_default(size=max(10, rgba.height // 14))
    ImageDraw.Draw(layer).text(
        (rgba.width * 0.05, rgba.height * 0.82), "© example.com 2024", (255, 255, 255, 150), font
    )
    return Image.alpha_composite(rgba, layer).convert("RGB")


def one_side(f: float, rng: random.Random) -> Callable[[Image.Image], bytes]:
    def make(im: Image.Image) -> bytes:
        sides = [0.0, 0.0, 0.0, 0.0]
        sides[rng.randrange(4)] = f
        return jpeg(crop(im, *sides))

    return make


def transforms(rng: random.Random) -> dict[str, Callable[[Image.Image], bytes]]:
    rot = Image.Transpose
    return {
        "jpeg q70": lambda im: jpeg(im, 70),
        "resize 0.5": lambda im: jpeg(im.resize((im.width // 2, im.height // 2), 1)),
        "bright +15%": lambda im: jpeg(ImageEnhance.Brightness(im).enhance(1.15)),
        "bright -15%": lambda im: jpeg(ImageEnhance.Brightness(im).enhance(0.85)),
        "blur r2": lambda im: jpeg(im.filter(ImageFilter.GaussianBlur(2))),
        "watermark": lambda im: jpeg(watermark(im)),
        **{f"crop {p}%/side": _sym(p / 100) for p in (1, 3, 5)},
        **{f"crop {p}% one side": one_side(p / 100, rng) for p in (1, 3, 5)},
        "mirror": lambda im: jpeg(im.transpose(rot.FLIP_LEFT_RIGHT)),
        "rot90": lambda im: jpeg(im.transpose(rot.ROTATE_90)),
        "rot180": lambda im: jpeg(im.transpose(rot.ROTATE_180)),
        "rot270": lambda im: jpeg(im.transpose(rot.ROTATE_270)),
        "rot90 + crop 3%": lambda im: jpeg(crop(im.transpose(rot.ROTATE_90), *[0.03] * 4)),
    }


def _sym(f: float) -> Callable[[Image.Image], bytes]:
    return lambda im: jpeg(crop(im, f, f, f, f))


def record(data: bytes, path: str) -> ImageRecord:
    rec = analyze_bytes(data, SETTINGS, use_alarm=False)
    rec["path"] = path
    return rec


def load(path: Path, side: int) -> Image.Image:
    with Image.open(path) as im:
        im.draft("RGB", (side, side))
        return im.convert("RGB")


def related(records: list[ImageRecord], after: bool) -> Pairs:
    """Pairs of records related by the near relation at the default threshold."""
    c = content_of(Columns(records))
    rows = np.flatnonzero(c.hashed)
    g = near_graph.build(
        c.phash[rows], DEFAULT_THRESHOLD, copy=copy_input(c, rows) if after else None
    )
    by_node: dict[int, list[int]] = {}
    for k, node in zip(rows.tolist(), g.node_of, strict=True):
        by_node.setdefault(node, []).append(k)
    out: Pairs = set()
    for node, items in by_node.items():
        out.update((a, b) for i, a in enumerate(items) for b in items[i + 1 :])
        for other in g.adj[node]:
            out.update((min(a, b), max(a, b)) for a in items for b in by_node[other])
    return out


def imagededup(images: list[bytes]) -> Pairs:
    """imagededup's default: 64-bit pHash (imagehash, hash_size 8) within 10 bits."""
    import imagehash

    hashes = [imagehash.phash(Image.open(io.BytesIO(b))) for b in images]
    bits = np.array([h.hash.reshape(-1) for h in hashes], dtype=np.int32)
    d = bits.sum(1)[:, None] + bits.sum(1)[None, :] - 2 * bits @ bits.T
    i, j = np.nonzero(np.triu(d <= 10, 1))
    return set(zip(i.tolist(), j.tolist(), strict=True))


def planted(files: list[Path], sample: int, seed: int) -> None:
    rng = random.Random(seed)
    originals = [load(p, 1024) for p in rng.sample(files, min(sample, len(files)))]
    base = [jpeg(im) for im in originals]
    n = len(base)
    print(f"planted copies of {n} photos: recall (pairs found / planted)")
    print(f"{'transform':18s} {'before':>7s} {'after':>7s} {'imagededup':>10s}")
    for name, make in transforms(rng).items():
        data = base + [make(im) for im in originals]
        recs = [record(b, f"{k}.jpg") for k, b in enumerate(data)]
        want = {(k, k + n) for k in range(n)}
        got = [len(want & related(recs, after)) / n for after in (False, True)]
        ded = len(want & imagededup(data)) / n
        print(f"{name:18s} {got[0]:7.3f} {got[1]:7.3f} {ded:10.3f}")


def scenes(files: list[Path], backgrounds: int, shots: int, seed: int) -> None:
    rng = random.Random(seed)
    data: list[bytes] = []
    scene_of: list[int] = []
    copy_of: dict[int, int] = {}
    for b, path in enumerate(rng.sample(files, backgrounds)):
        bg = load(path, 1024)
        pieces = [_piece(bg.size, rng) for _ in range(12)]
        for s in range(shots):
            for _ in range(rng.choice((1, 1, 2))):  # one or two pieces moved
                p = rng.choice(pieces)
                p[2] = rng.randrange(bg.width - p[0].width)
                p[3] = rng.randrange(bg.height - p[0].height)
            img = bg.copy()
            for piece, mask, x, y in pieces:
                img.paste(piece, (x, y), mask)
            data.append(jpeg(img, 90))
            scene_of.append(b)
            if s % 5 == 0:  # a planted copy of every fifth shot
                copy_of[len(data)] = len(data) - 1
                data.append(jpeg(img, 70) if s % 10 else jpeg(crop(img, *[0.03] * 4), 90))
                scene_of.append(b)
    recs = [record(d, f"{k}.jpg") for k, d in enumerate(data)]
    copies = {(v, k) for k, v in copy_of.items()}
    shots_total = len(data) - len(copy_of)
    pairs = sum(
        1
        for i in range(len(data))
        for j in range(i + 1, len(data))
        if scene_of[i] == scene_of[j] and i not in copy_of and j not in copy_of
    )
    print(
        f"\nsame scene, other content: {backgrounds} backgrounds x {shots} shots "
        f"({shots_total} shots, {pairs} same-background pairs), {len(copies)} planted copies"
    )
    for label, found in (("before", related(recs, False)), ("after", related(recs, True))):
        shot_pairs = {p for p in found if p[0] not in copy_of and p[1] not in copy_of}
        hit = len(found & copies)
        flagged = len(found - copies)
        precision = hit / max(1, hit + flagged)
        print(
            f"  {label:6s}: shot pairs related {len(shot_pairs)} ({len(shot_pairs) / pairs:.1%}),"
            f" planted copies found {hit}/{len(copies)}, precision {precision:.3f}"
        )


def _piece(size: tuple[int, int], rng: random.Random) -> list:  # type: ignore[type-arg]
    w, h = size
    ow, oh = int(w * rng.uniform(0.04, 0.07)), int(h * rng.uniform(0.07, 0.12))
    shade = rng.choice((25, 40, 210, 230))
    mask = Image.new("L", (ow, oh), 0)
    draw = ImageDraw.Draw(mask)
    draw.ellipse((ow * 0.25, 0, ow * 0.75, oh * 0.4), fill=255)
    draw.polygon([(ow * 0.3, oh * 0.3), (ow * 0.7, oh * 0.3), (ow, oh - 1), (0, oh - 1)], fill=255)
    piece = Image.new("RGB", (ow, oh), (shade, shade, shade))
    return [piece, mask, rng.randrange(w - ow), rng.randrange(h - oh)]


def distinct(files: list[Path]) -> None:
    recs = [record(p.read_bytes(), p.name) for p in files]
    recs = [r for r in recs if not r.get("error")]
    n = len(recs)
    before, after = related(recs, False), related(recs, True)
    print(
        f"\ndistinct photos: {n} photos, {n * (n - 1) // 2:,} pairs; pairs related: "
        f"before {len(before)}, after {len(after)} (both {len(before & after)}, only after "
        f"{len(after - before)}, only before {len(before - after)})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--sample", type=int, default=150, help="photos turned into copies")
    ap.add_argument("--backgrounds", type=int, default=6)
    ap.add_argument("--shots", type=int, default=30)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--skip-distinct", action="store_true", help="skip the whole-folder pairs")
    args = ap.parse_args()
    files = sorted(p for p in args.folder.iterdir() if p.is_file())
    planted(files, args.sample, args.seed)
    scenes(files, args.backgrounds, args.shots, args.seed + 6)
    if not args.skip_distinct:
        distinct(files)
    use = resource.getrusage(resource.RUSAGE_SELF)
    print(f"\nCPU {use.ru_utime + use.ru_stime:.0f} s")


if __name__ == "__main__":
    main()
