"""Near copies on real photos: what the verifier calls each candidate pair, per planted transform.

    python benchmarks/bench_nearcopy.py /work/photos --sample 150 [--cache /tmp/nc-cache]

Every image is analysed by the real scanner (:func:`imgeda_ci.scan.analyze.analyze_bytes`,
default settings). A pair is a *candidate* when its 256-bit pHashes are within the default
threshold (as is) or the copy signatures match (:func:`imgeda_ci.dupes.copies.candidates`,
under the variant found); every candidate is classified by
:func:`imgeda_ci.dupes.verify.classify` (under each of its variants; the best class kept: COPY,
then LOCAL). Three sets:

- **planted copies**: a seeded sample of the photos (decoded at most 1024 px, saved as JPEG q95:
  the originals) and, per transform, one copy of each (re-encode, resize, brightness, blur, a
  watermark, crops of 1/3/5% per side and of one side, a mirror, rotations by 90/180/270
  degrees, a rotation plus a crop). Printed: the share of planted pairs that are candidates,
  and of those the shares classified COPY and LOCAL;
- **same scene, other content**: backgrounds (real photos) with twelve chess-piece-like objects
  of 2-7% of the side (nine shown at first; each dark or light, whichever is at least 60 levels
  from the background's median, so that a move is a change one can see); between consecutive
  shots one or two objects move, or one is added or removed; a planted copy of every second
  shot (re-encode q70, crop 3%, resize 0.5, brightness +15%, in turn); every shot a new
  picture. Printed: the candidate pairs per class, and the precision of COPY (planted pairs
  classified COPY / all pairs classified COPY), and the same for a pHash-256 within 24 alone
  and for imagededup's rule (64-bit pHash within 10);
- **distinct photos**: every photo of the folder; printed: the candidate pairs per class (the
  folder holds real near copies too: burst and video frames, augmentations; ``--show`` lists
  the pairs classified COPY).

``--cache`` keeps the scanned records between runs (delete it when the scanner changes).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import pickle
import random
import resource
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageEnhance
from planted_copies import crop, jpeg, transforms

from imgeda_ci.columns import Columns
from imgeda_ci.dupes import DEFAULT_THRESHOLD, copies, verify
from imgeda_ci.dupes.content import content_of
from imgeda_ci.model import ImageRecord
from imgeda_ci.scan.analyze import analyze_bytes
from imgeda_ci.scan.settings import Settings

SETTINGS = Settings()
Kinds = dict[tuple[int, int], int]  # candidate pair (i < j) -> class
NAMES = {verify.COPY: "COPY", verify.LOCAL: "LOCAL", verify.DIFFERENT: "DIFFERENT"}


def scan(make: Callable[[], list[bytes]], cache: Path | None, key: str) -> list[ImageRecord]:
    """The scanner's records of the images ``make`` gives (kept in ``cache`` under ``key``)."""
    path = cache / f"{key}.pickle" if cache is not None else None
    if path is not None and path.exists():
        recs: list[ImageRecord] = pickle.loads(path.read_bytes())
        return recs
    recs = []
    for k, data in enumerate(make()):
        rec = analyze_bytes(data, SETTINGS, use_alarm=False)
        rec["path"] = f"{k}.jpg"
        recs.append(rec)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(recs))
    return recs


def load(path: Path, side: int) -> Image.Image:
    with Image.open(path) as im:
        im.draft("RGB", (side, side))
        return im.convert("RGB")


def phash_close(recs: list[ImageRecord]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Pairs (i < j) of 256-bit pHashes within the default threshold: the rule before this
    verification (scan algorithm 4: every such pair was a near copy)."""
    c = content_of(Columns(recs))
    bits = np.unpackbits(c.phash.astype(">u8").view(np.uint8), axis=1).astype(np.float32)
    ones = bits.sum(axis=1)
    dist = ones[:, None] + ones[None, :] - 2 * bits @ bits.T
    close = np.triu((dist <= DEFAULT_THRESHOLD) & c.hashed[:, None] & c.hashed[None, :], 1)
    pi, pj = np.nonzero(close)
    return pi.astype(np.int64), pj.astype(np.int64)


def imagededup(recs: list[ImageRecord], images: list[bytes]) -> set[tuple[int, int]]:
    """imagededup's default rule: 64-bit pHash (imagehash, hash_size 8) within 10 bits."""
    import imagehash

    hashes = [imagehash.phash(Image.open(io.BytesIO(b))) for b in images]
    bits = np.array([h.hash.reshape(-1) for h in hashes], dtype=np.int32)
    d = bits.sum(1)[:, None] + bits.sum(1)[None, :] - 2 * bits @ bits.T
    i, j = np.nonzero(np.triu(d <= 10, 1))
    return set(zip(i.tolist(), j.tolist(), strict=True))


def classified(recs: list[ImageRecord]) -> tuple[Kinds, float]:
    """Every candidate pair's class (see the module doc) and the CPU seconds classifying took."""
    c = content_of(Columns(recs))
    pi, pj = phash_close(recs)
    cand = copies.candidates(c.sig, c.has_sig)
    # b = the index item, a = the query item under its variant (as the graph verifies them)
    first = np.concatenate([pi, cand.index])
    second = np.concatenate([pj, cand.query])
    variant = np.concatenate([np.zeros(len(pi), dtype=np.int64), cand.variant])
    thumbs, valid = verify.decode([r.get("thumb") for r in recs])
    ok = valid[first] & valid[second]
    weak = np.arange(len(ok)) >= len(pi)  # copy-signature candidates (see copypairs.find)
    first, second, variant, weak = first[ok], second[ok], variant[ok], weak[ok]
    start = _cpu()
    one, two = thumbs[first], verify.orient(thumbs[second], variant)
    kind = verify.classify(one, two)
    kind = np.where(weak, verify.weak_match(kind, one, two), kind)
    spent = _cpu() - start
    rank = {verify.COPY: 2, verify.LOCAL: 1, verify.DIFFERENT: 0}
    out: Kinds = {}
    for x, y, k in zip(first.tolist(), second.tolist(), kind.tolist(), strict=True):
        key = (min(x, y), max(x, y))
        if key not in out or rank[k] > rank[out[key]]:
            out[key] = k
    return out, spent / max(1, len(kind))


def _cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def planted(files: list[Path], sample: int, seed: int, cache: Path | None) -> None:
    rng = random.Random(seed)
    picked = rng.sample(files, min(sample, len(files)))
    originals = [load(p, 1024) for p in picked]
    n = len(originals)
    base_bytes = [jpeg(im) for im in originals]
    base = scan(lambda: base_bytes, cache, f"base-{seed}-{n}")
    print(f"planted copies of {n} photos: share of planted pairs that are candidates; of those,")
    print("the shares classified COPY and LOCAL; recall: BEFORE (pHash-256 within 24, scan")
    print("algorithm 4), AFTER (classified COPY: a near copy), imagededup (64-bit pHash <= 10)")
    print(
        f"{'transform':18s} {'cand':>6s} {'COPY':>6s} {'LOCAL':>6s} "
        f"{'before':>7s} {'after':>6s} {'imagededup':>10s}"
    )
    per_pair = []
    for name, make in transforms(rng).items():
        made_bytes = [make(im) for im in originals]
        made = scan(lambda b=made_bytes: b, cache, f"{name}-{seed}-{n}")
        kinds, cost = classified(base + made)
        per_pair.append(cost)
        got = [kinds[(k, k + n)] for k in range(n) if (k, k + n) in kinds]
        share = [sum(g == w for g in got) / max(1, len(got)) for w in (verify.COPY, verify.LOCAL)]
        want = {(k, k + n) for k in range(n)}
        before = len(want & set(zip(*(x.tolist() for x in phash_close(base + made)), strict=True)))
        ded = len(want & imagededup(base + made, base_bytes + made_bytes))
        after = sum(g == verify.COPY for g in got)
        print(
            f"{name:18s} {len(got) / n:6.3f} {share[0]:6.3f} {share[1]:6.3f} "
            f"{before / n:7.3f} {after / n:6.3f} {ded / n:10.3f}"
        )
    print(f"classify: {1e3 * float(np.median(per_pair)):.3f} ms CPU per candidate pair (median)")


def _place(p: list, luma: np.ndarray, rng: random.Random) -> None:  # type: ignore[type-arg]
    """Put piece ``p`` at a random place where it stands out from the background (its shade at
    least 60 levels from the background's mean luma under it: an object a person would see), or
    at the best of 50 random places."""
    h, w = luma.shape
    best = (-1.0, 0, 0)
    for _ in range(50):
        x, y = rng.randrange(w - p[0].width), rng.randrange(h - p[0].height)
        under = luma[y : y + p[0].height, x : x + p[0].width].mean()
        best = max(best, (abs(under - p[0].getpixel((0, 0))[0]), x, y))
        if best[0] >= 60:
            break
    p[2], p[3] = best[1], best[2]


def _piece(luma: np.ndarray, rng: random.Random) -> list:  # type: ignore[type-arg]
    """A chess-piece-like object of 2-7% of the side: [image, mask, x, y, shown]. Its shade is
    one of two darks and two lights at least 60 levels from the background's median luma (a dark
    piece on a dark photo would be no change at all when moved)."""
    h, w = luma.shape
    f = rng.uniform(0.02, 0.07)
    ow, oh = max(3, int(w * f)), max(4, int(h * f * 1.5))
    median = float(np.median(luma))
    shade = rng.choice([s for s in (25, 40, 210, 230) if abs(s - median) >= 60])
    mask = Image.new("L", (ow, oh), 0)
    draw = ImageDraw.Draw(mask)
    draw.ellipse((ow * 0.25, 0, ow * 0.75, oh * 0.4), fill=255)
    draw.polygon([(ow * 0.3, oh * 0.3), (ow * 0.7, oh * 0.3), (ow, oh - 1), (0, oh - 1)], fill=255)
    out = [Image.new("RGB", (ow, oh), (shade, shade, shade)), mask, 0, 0, True]
    _place(out, luma, rng)
    return out


def _change(pieces: list[list], luma: np.ndarray, rng: random.Random) -> None:  # type: ignore[type-arg]
    """One step of the scene: one or two objects moved, or one added (at a new place) or
    removed."""
    what = rng.choice(("move", "move", "move two", "add", "remove"))
    shown = [p for p in pieces if p[4]]
    hidden = [p for p in pieces if not p[4]]
    if what == "remove" and len(shown) > 3:
        rng.choice(shown)[4] = False
        return
    if what == "add" and hidden:
        moved = [rng.choice(hidden)]
    else:
        moved = rng.sample(shown, 2 if what == "move two" else 1)
    for p in moved:
        _place(p, luma, rng)
        p[4] = True


def _render(bg: Image.Image, pieces: list[list]) -> Image.Image:  # type: ignore[type-arg]
    """The background with the pieces shown pasted on, in order."""
    img = bg.copy()
    for piece, mask, x, y, shown in pieces:
        if shown:
            img.paste(piece, (x, y), mask)
    return img


SCENE_COPIES: tuple[Callable[[Image.Image], bytes], ...] = (
    lambda im: jpeg(im, 70),
    lambda im: jpeg(crop(im, *[0.03] * 4), 90),
    lambda im: jpeg(im.resize((im.width // 2, im.height // 2), 1), 90),
    lambda im: jpeg(ImageEnhance.Brightness(im).enhance(1.15), 90),
)


def _scene_images(files: list[Path], backgrounds: int, shots: int, seed: int) -> list[bytes]:
    """Shots in order, background by background; after every second shot, its planted copy."""
    rng = random.Random(seed)
    out: list[bytes] = []
    for path in rng.sample(files, backgrounds):
        bg = load(path, 1024)
        luma = np.asarray(bg.convert("L"), dtype=np.float32)
        pieces = [_piece(luma, rng) for _ in range(12)]
        for p in rng.sample(pieces, 3):
            p[4] = False
        seen: set[bytes] = set()  # the pictures, not the pieces' states: a hidden piece's
        # place, or a piece moved under another, changes the state but not the picture
        for s in range(shots):
            img = _render(bg, pieces)
            while s and hashlib.sha1(img.tobytes()).digest() in seen:  # a new picture
                _change(pieces, luma, rng)
                img = _render(bg, pieces)
            seen.add(hashlib.sha1(img.tobytes()).digest())
            out.append(jpeg(img, 90))
            if s % 2 == 0:
                out.append(SCENE_COPIES[(s // 2) % len(SCENE_COPIES)](img))
    return out


def scenes(files: list[Path], backgrounds: int, shots: int, seed: int, cache: Path | None) -> None:
    key = f"scenes-{backgrounds}-{shots}-{seed}"
    recs = scan(lambda: _scene_images(files, backgrounds, shots, seed), cache, key)
    per = shots + -(-shots // 2)
    copy_of = {}  # planted copy -> its shot
    for b in range(backgrounds):
        at = b * per
        for s in range(shots):
            if s % 2 == 0:
                copy_of[at + 1] = at
                at += 2
            else:
                at += 1
    kinds, _ = classified(recs)
    planted_pairs = {(v, k) for k, v in copy_of.items()}
    same = [p for p in kinds if p[0] // per == p[1] // per and p not in planted_pairs]
    hits = sum(kinds.get(p) == verify.COPY for p in planted_pairs)
    local = sum(kinds.get(p) == verify.LOCAL for p in planted_pairs)
    false = sum(kinds[p] == verify.COPY for p in same)
    close = set(zip(*(x.tolist() for x in phash_close(recs)), strict=True))
    same_close = [p for p in close if p[0] // per == p[1] // per and p not in planted_pairs]
    hits_before = len(close & planted_pairs)
    counts = {NAMES[w]: sum(kinds[p] == w for p in same) for w in NAMES}
    n_same = backgrounds * per * (per - 1) // 2 - len(planted_pairs)
    print(
        f"\nsame scene, other content: {backgrounds} backgrounds x {shots} shots, "
        f"{len(planted_pairs)} planted copies, {n_same} other same-background pairs"
    )
    print(f"  other pairs that are candidates: {len(same)}: {counts}")
    print(f"  planted copies: COPY {hits}, LOCAL {local} of {len(planted_pairs)}")
    print(f"  precision of COPY {hits / max(1, hits + false):.3f}")
    precision = hits_before / max(1, hits_before + len(same_close))
    print(
        f"  before (pHash-256 within 24, all near copies): {len(same_close)} other pairs, "
        f"planted {hits_before}, precision {precision:.3f}"
    )
    ded = imagededup(recs, _scene_images(files, backgrounds, shots, seed))
    ded_same = [p for p in ded if p[0] // per == p[1] // per and p not in planted_pairs]
    ded_hits = len(ded & planted_pairs)
    print(
        f"  imagededup (64-bit pHash <= 10): {len(ded_same)} other pairs, planted {ded_hits}, "
        f"precision {ded_hits / max(1, ded_hits + len(ded_same)):.3f}"
    )


def distinct(files: list[Path], cache: Path | None, show: bool) -> None:
    recs = scan(lambda: [p.read_bytes() for p in files], cache, f"distinct-{len(files)}")
    kinds, cost = classified(recs)
    counts = {NAMES[w]: sum(k == w for k in kinds.values()) for w in NAMES}
    print(f"\ndistinct photos: {len(files)} photos; candidate pairs {len(kinds)}: {counts}")
    print(f"  classify: {1e3 * cost:.3f} ms CPU per candidate pair")
    if show:
        for (i, j), k in sorted(kinds.items()):
            if k == verify.COPY:
                print(f"  COPY {files[i].name} {files[j].name}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--sample", type=int, default=150, help="photos turned into copies")
    ap.add_argument("--backgrounds", type=int, default=10)
    ap.add_argument("--shots", type=int, default=30)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--cache", type=Path, help="keep scanned records here between runs")
    ap.add_argument("--skip-distinct", action="store_true", help="skip the whole-folder pairs")
    ap.add_argument("--show", action="store_true", help="list the distinct pairs called COPY")
    args = ap.parse_args()
    files = sorted(p for p in args.folder.iterdir() if p.is_file())
    planted(files, args.sample, args.seed, args.cache)
    scenes(files, args.backgrounds, args.shots, args.seed + 6, args.cache)
    if not args.skip_distinct:
        distinct(files, args.cache, args.show)
    print(f"\nCPU {_cpu():.0f} s")


if __name__ == "__main__":
    main()
