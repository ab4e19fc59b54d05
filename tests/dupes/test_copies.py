"""Cropped, mirrored and rotated copies are near copies; the same scene with moved objects is not.

Records come from the real scanner (:func:`imgeda_ci.scan.analyze.analyze_bytes`) on synthetic
photo-like scenes (tests/dupes/scenes.py), so the copy signature and the thumbnail are the ones
a scan writes.
"""

from __future__ import annotations

import base64
import random

import numpy as np
import pytest
from PIL import Image, ImageDraw

from imgeda_ci.dupes import (
    NearOptions,
    copies,
    find_base_duplicates,
    find_groups,
    find_leaks,
    splits_of,
    verify,
)
from imgeda_ci.dupes.hashindex import distances, from_hex, near_pairs
from imgeda_ci.model import ImageRecord
from imgeda_ci.scan.analyze import analyze_bytes
from imgeda_ci.scan.copysig import copy_signature
from imgeda_ci.scan.settings import Settings
from tests.dupes import copy_oracle
from tests.dupes.scenes import crop, jpeg, scene, shot

OPTS = NearOptions(24)
ROT = Image.Transpose


def record(data: bytes, path: str) -> ImageRecord:
    rec = analyze_bytes(data, Settings(), use_alarm=False)
    rec["path"] = path
    return rec


def near_pairs_of(recs: list[ImageRecord]) -> set[frozenset[str]]:
    """{member, keeper} paths of the near groups."""
    return {
        frozenset((recs[m]["path"], recs[g.keeper]["path"]))
        for g in find_groups(recs, OPTS)
        if g.kind == "near"
        for m, _ in g.members
    }


COPIES = {
    "crop 5%/side": lambda im: jpeg(crop(im, 0.05, 0.05, 0.05, 0.05)),
    "crop 3%/side": lambda im: jpeg(crop(im, 0.03, 0.03, 0.03, 0.03)),
    "crop 5% left": lambda im: jpeg(crop(im, 0.05, 0, 0, 0)),
    "crop 5% bottom": lambda im: jpeg(crop(im, 0, 0, 0, 0.05)),
    "crop 5% left+top": lambda im: jpeg(crop(im, 0.05, 0.05, 0, 0)),
    "mirror": lambda im: jpeg(im.transpose(ROT.FLIP_LEFT_RIGHT)),
    "rot90": lambda im: jpeg(im.transpose(ROT.ROTATE_90)),
    "rot270 + crop 3%": lambda im: jpeg(crop(im.transpose(ROT.ROTATE_270), *[0.03] * 4)),
}


@pytest.mark.parametrize("name", list(COPIES))
def test_cropped_mirrored_and_rotated_copies_are_near_copies(name: str) -> None:
    found = 0
    for seed in (1, 2, 3):
        img = shot(scene(seed), 40, 30)
        recs = [record(jpeg(img), "a.jpg"), record(COPIES[name](img), "b.jpg")]
        recs.append(record(jpeg(shot(scene(seed + 10))), "other.jpg"))
        pairs = near_pairs_of(recs)
        found += {"a.jpg", "b.jpg"} in pairs
        assert not any("other.jpg" in p for p in pairs)
    # real photos: 0.91-0.98 of each such copy is found (benchmarks/bench_nearcopy.py); of
    # these synthetic ones, a 5% crop of the second scene is just over the line
    assert found >= (2 if name == "crop 5%/side" else 3)


def _pieces(size: tuple[int, int], rng: random.Random) -> list[list[int]]:
    w, h = size
    return [[rng.randrange(w - 24), rng.randrange(h - 36), rng.choice((20, 235))] for _ in range(8)]


def _board(img: Image.Image, pieces: list[list[int]]) -> Image.Image:
    """Chess-piece-like objects (24x36 px, dark or light) on ``img``."""
    out = img.copy()
    draw = ImageDraw.Draw(out)
    for x, y, shade in pieces:
        fill = (shade,) * 3
        draw.ellipse((x + 6, y, x + 18, y + 14), fill=fill)
        draw.polygon([(x + 7, y + 11), (x + 17, y + 11), (x + 24, y + 36), (x, y + 36)], fill)
    return out


def same_scene(seed: int) -> tuple[Image.Image, Image.Image]:
    """One background, the same pieces, one of them moved."""
    rng = random.Random(seed)
    background = shot(scene(seed), 20, 20)
    pieces = _pieces(background.size, rng)
    first = _board(background, pieces)
    for p in rng.sample(pieces, 1):
        p[0], p[1] = rng.randrange(60, background.width - 90), rng.randrange(60, 380)
    return first, _board(background, pieces)


@pytest.mark.parametrize("seed", [2, 4, 6, 7])
def test_the_same_scene_with_moved_objects_is_not_a_copy(seed: int) -> None:
    first, second = same_scene(seed)
    recs = [record(jpeg(first), "a.jpg"), record(jpeg(second), "b.jpg")]
    recs.append(record(jpeg(first, 70), "a_copy.jpg"))
    ph = from_hex([r["phash"] for r in recs])
    assert int(distances(ph[:1], ph[1:2])[0]) <= 24  # the pHash alone calls them copies
    assert near_pairs_of(recs) == {frozenset(("a_copy.jpg", "a.jpg"))}


def test_leakage_and_base_duplicates_read_the_same_relation() -> None:
    img = shot(scene(17), 40, 30)
    first, second = same_scene(7)
    recs = [
        record(jpeg(img), "train/a.jpg"),
        record(jpeg(img.transpose(ROT.ROTATE_90)), "test/a_rotated.jpg"),
        record(jpeg(first), "train/board.jpg"),
        record(jpeg(second), "test/board_moved.jpg"),
    ]
    leaks, _ = find_leaks(recs, splits_of(recs), OPTS)
    assert {(recs[lk.image]["path"], recs[lk.other]["path"]) for lk in leaks} == {
        ("test/a_rotated.jpg", "train/a.jpg")
    }
    base = [recs[0], recs[2]]
    head = [*base, dict(recs[1], path="new/rotated.jpg"), dict(recs[3], path="new/moved.jpg")]
    dupes, _ = find_base_duplicates(head, base, OPTS)
    assert [(head[d.image]["path"], base[d.base]["path"]) for d in dupes] == [
        ("new/rotated.jpg", "train/a.jpg")
    ]


def test_verification_tells_uniform_from_local_changes() -> None:
    img = shot(scene(3), 40, 30)
    first, second = same_scene(3)

    def thumb(im: Image.Image) -> verify.F32:
        return verify.decode([copy_signature(im.convert("L"))[1]])[0]

    a = thumb(img)
    uniform = [img.point(lambda v: min(255, int(v * 1.2))), crop(img, 0.04, 0, 0, 0.02)]
    for other in uniform:
        assert verify.is_copy(a, thumb(other))[0]
    assert not verify.is_copy(thumb(first), thumb(second))[0]
    assert not verify.is_copy(a, thumb(shot(scene(4))))[0]


TURNS = (  # the eight rotations/mirrors, order of VARIANT_NAMES
    (),
    (ROT.FLIP_LEFT_RIGHT,),
    (ROT.FLIP_TOP_BOTTOM,),
    (ROT.ROTATE_180,),
    (ROT.TRANSPOSE,),
    (ROT.FLIP_LEFT_RIGHT, ROT.TRANSPOSE),
    (ROT.FLIP_TOP_BOTTOM, ROT.TRANSPOSE),
    (ROT.TRANSVERSE,),
)


def turned(img: Image.Image, v: int) -> Image.Image:
    for t in TURNS[v]:
        img = img.transpose(t)
    return img


def test_a_turned_image_has_the_same_canonical_entries() -> None:
    img = shot(scene(5), 40, 30).convert("L")
    sigs = [copy_signature(turned(img, v))[0] for v in range(8)]
    sig, has = copies.parse(sigs)
    code, _ = copies.codes(sig)
    assert has.all() and (sig[:, 0] == sig[0, 0]).all()  # one canonical whole hash
    for v in range(8):  # the turn making it canonical undoes the turn first
        assert code[v, 0] == copies.MUL[code[0, 0], copies.INV[v]]
        assert sorted(sig[v, 1:11].tolist()) == sorted(sig[0, 1:11].tolist())  # crops: a set
    thumbs, _ = verify.decode([copy_signature(turned(img, v))[1] for v in range(8)])
    for v in range(1, 8):
        got = copies.candidates(sig[[0, v]], has[[0, v]])
        assert got.dist.tolist() == [0]
        variant = int(got.variant[0]) if got.query[0] == 0 else int(copies.INV[got.variant[0]])
        assert variant == v  # the original turned by ``variant`` is the turned image
        oriented = verify.orient(thumbs[:1], np.array([variant]))
        assert np.abs(oriented[0] - thumbs[v]).max() <= 2


def _sig(rng: np.random.Generator, hashes: list[int], tail: int) -> str:
    raw = b"".join(h.to_bytes(8, "big") for h in hashes) + tail.to_bytes(5, "big")
    return base64.b64encode(raw).decode("ascii")


def _near(rng: np.random.Generator, h: int, bits: int) -> int:
    for b in rng.choice(64, size=bits, replace=False).tolist():
        h ^= 1 << b
    return h


def signatures(seed: int, n: int, clustered: bool) -> list[object]:
    """Random signatures with planted near entries (a turn of one whole hash, a few bits off,
    as another's entry); ``clustered``: every hash a few bits from one of a few centres."""
    rng = np.random.default_rng(seed)
    centres = [int(c) for c in rng.integers(0, 2**63, size=6)]

    def value() -> int:
        if clustered:
            return _near(rng, centres[int(rng.integers(6))], int(rng.integers(0, 9)))
        return int(rng.integers(0, 2**63)) * 2 + int(rng.integers(2))

    rows = [[value() for _ in range(copies.ENTRIES)] for _ in range(n)]
    tails = [int(rng.integers(0, 2**36)) << 4 for _ in range(n)]
    for k in range(0, n - 1, 3):  # planted: an entry of k+1 near an allowed turn of k
        flags = (tails[k] >> 4) & 7
        turn = int(rng.choice(np.flatnonzero(copies.allowed(np.array([flags]))[0])))
        whole = int(copies.orientations(np.array([rows[k][0]], dtype=np.uint64))[0, turn])
        rows[k + 1][int(rng.integers(copies.ENTRIES))] = _near(rng, whole, int(rng.integers(7)))
    out: list[object] = [_sig(rng, r, t) for r, t in zip(rows, tails, strict=True)]
    out[5], out[9] = None, out[9][:-1] + "!"  # type: ignore[index]
    return out


@pytest.mark.parametrize(("seed", "clustered"), [(3, False), (4, True), (5, True)])
def test_candidates_are_exactly_the_brute_force_pairs(seed: int, clustered: bool) -> None:
    sigs = signatures(seed, 120, clustered)
    sig, has = copies.parse(sigs)
    got = copies.candidates(sig, has)
    want = copy_oracle.candidates(sigs, copies.COPY_RADIUS)
    cols = (got.query, got.index, got.variant, got.dist)
    rows = zip(*(c.tolist() for c in cols), strict=True)
    assert {(min(q, i), max(q, i)): (q, i, v, d) for q, i, v, d in rows} == want
    assert len(got.query) == len(want) >= 30


def _with_repeats(sigs: list[object]) -> list[object]:
    """``sigs`` with some signatures repeated: a run of ten copies, pairs, a planted pair's
    member repeated (identical files, or one picture at several paths)."""
    out = list(sigs)
    out[20:30] = [out[10]] * 10
    out[40], out[41], out[50] = out[41], out[41], out[0]
    out[60:63] = [out[1]] * 3
    return out


@pytest.mark.parametrize(("seed", "clustered"), [(3, False), (4, True)])
def test_candidates_among_repeated_signatures_are_the_brute_force_pairs(
    seed: int, clustered: bool
) -> None:
    """Items with the same signature are searched once and spread over (copies.candidates):
    every pair and its closest match is still the brute force's, sided or not."""
    sigs = _with_repeats(signatures(seed, 120, clustered))
    sig, has = copies.parse(sigs)
    want = copy_oracle.candidates(sigs, copies.COPY_RADIUS)
    got = copies.candidates(sig, has)
    cols = (got.query, got.index, got.variant, got.dist)
    rows = list(zip(*(c.tolist() for c in cols), strict=True))
    assert {(min(q, i), max(q, i)): (q, i, v, d) for q, i, v, d in rows} == want
    assert len(rows) == len(want) and (20, 29) in want and want[(20, 29)] == (20, 29, 0, 0)
    side = np.random.default_rng(seed).random(len(sigs)) < 0.5
    sided = copies.candidates(sig, has, side)
    cols = (sided.query, sided.index, sided.variant, sided.dist)
    rows = list(zip(*(c.tolist() for c in cols), strict=True))
    cross = {k: v for k, v in want.items() if side[k[0]] != side[k[1]]}
    assert {(min(q, i), max(q, i)): (q, i, v, d) for q, i, v, d in rows} == cross
    assert len(rows) == len(cross) >= 30


def test_near_pairs_of_64_bit_rows_match_brute_force() -> None:
    rng = np.random.default_rng(4)
    h = rng.integers(0, 2**63, size=(3000, 1), dtype=np.uint64)
    h[1::7] = h[::7][: len(h[1::7])] ^ np.uint64(0b1011)
    res = near_pairs(h, 4)
    d = np.bitwise_count(res.unique[:, None, 0] ^ res.unique[None, :, 0])
    i, j = np.nonzero(np.triu((d <= 4) & (d > 0), 1))
    assert set(zip(res.i.tolist(), res.j.tolist(), strict=False)) == set(
        zip(i.tolist(), j.tolist(), strict=False)
    )
    assert len(i) >= 400


def test_orientation_invariant_pairs_are_verified_under_every_turn() -> None:
    img = shot(scene(9), 40, 30)
    first, second = same_scene(6)
    recs = [
        record(jpeg(img), "a.jpg"),
        record(jpeg(img.transpose(ROT.ROTATE_90), 80), "a_rotated.jpg"),
        record(jpeg(first), "board.jpg"),
        record(jpeg(second), "board_moved.jpg"),
    ]
    groups = find_groups(recs, NearOptions(24, orientation_invariant=True))
    pairs = {
        frozenset((recs[m]["path"], recs[g.keeper]["path"])) for g in groups for m, _ in g.members
    }
    assert pairs == {frozenset(("a.jpg", "a_rotated.jpg"))}


def test_orientation_invariant_pairs_verify_under_their_best_turn() -> None:
    """Without copy signatures only the pHash pair (matched under a turn) is there: verified
    under each of the eight turns, it is a copy under the right one and must stay near."""
    img = shot(scene(9), 40, 30)
    recs = [record(jpeg(img), "a.jpg"), record(jpeg(img.transpose(ROT.ROTATE_90), 80), "b.jpg")]
    for rec in recs:
        del rec["copysig"]
    groups = find_groups(recs, NearOptions(24, orientation_invariant=True))
    assert [(recs[m]["path"], recs[g.keeper]["path"]) for g in groups for m, _ in g.members] == [
        ("b.jpg", "a.jpg")
    ]


def test_sided_candidates_are_the_cross_pairs_of_the_full_search() -> None:
    rng = np.random.default_rng(5)
    imgs = [shot(scene(s), 40, 30) for s in (21, 22, 23)]
    data = [jpeg(im) for im in imgs]
    data += [jpeg(crop(im.transpose(ROT.ROTATE_90), *[0.03] * 4)) for im in imgs]
    recs = [record(d, f"{k}.jpg") for k, d in enumerate(data)]
    sig, has = copies.parse([r["copysig"] for r in recs])
    side = rng.random(len(recs)) < 0.5
    side[:3], side[3:] = True, False  # originals against their copies
    full = copies.candidates(sig, has)
    cross = {
        (min(a, b), max(a, b))
        for a, b in zip(full.query.tolist(), full.index.tolist(), strict=True)
        if side[a] != side[b]
    }
    sided = copies.candidates(sig, has, side)
    got = {
        (min(a, b), max(a, b))
        for a, b in zip(sided.query.tolist(), sided.index.tolist(), strict=True)
    }
    assert got == cross and {(0, 3), (1, 4), (2, 5)} <= got


def test_pictures_classify_each_pair_once_and_answer_as_classify() -> None:
    """The pHash pairs that near copies, leakage and the same scene each verify are classified
    once per run: a pair asked again is answered from the memo, and every answer is
    :func:`copypairs.classify`'s with a memo of its own."""
    from imgeda_ci.columns import Columns
    from imgeda_ci.dupes import copypairs
    from imgeda_ci.dupes.content import content_of, thumb_strings
    from imgeda_ci.dupes.verdictmemo import VerdictMemo

    img = shot(scene(12), 40, 30)
    first, second = same_scene(2)
    recs = [record(jpeg(im), f"{k}.jpg") for k, im in enumerate((img, img, first, second))]
    recs[1] = record(jpeg(img, 60), "1.jpg")
    c = content_of(Columns(recs))
    asked: list[int] = []

    def read(rows: np.ndarray) -> list[object]:
        asked.extend(rows.tolist())
        return thumb_strings(c, rows)

    pics = copypairs.Pictures(read, c.n, VerdictMemo())
    a, b, v = np.array([0, 2, 0]), np.array([1, 3, 2]), np.zeros(3, dtype=np.int64)
    fresh = copypairs.Pictures(lambda rows: thumb_strings(c, rows), c.n, VerdictMemo())
    want = copypairs.classify(fresh, a, b, v)
    assert copypairs.classify(pics, a, b, v).tolist() == want.tolist()
    assert want[0] == verify.COPY and want[1] == verify.LOCAL
    decoded = len(asked)
    assert copypairs.classify(pics, a[:2], b[:2], v[:2]).tolist() == want[:2].tolist()
    assert len(asked) == decoded  # nothing classified again
    turned = copypairs.classify(pics, a[:1], b[:1], np.array([4]))  # another turn: asked anew
    assert len(asked) > decoded and turned.shape == (1,)
