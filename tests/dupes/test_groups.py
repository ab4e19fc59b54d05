"""Groups: disjoint kinds, best keeper, no chaining, independent of record order."""

from __future__ import annotations

import itertools
import random

from imgeda_ci.dupes import NearOptions, find_groups
from imgeda_ci.model import ImageRecord
from imgeda_ci.scan.hashes import hamming

ZERO = "0" * 64


def _flip(h: str, bits: range | list[int]) -> str:
    v = int(h, 16)
    for b in bits:
        v ^= 1 << (255 - b)
    return f"{v:064x}"


def _rec(path: str, phash: str, *, sha: str = "", pix: str = "", pixels: int = 100) -> ImageRecord:
    return {
        "path": path,
        "sha256": sha or path.ljust(64, "0"),
        "pixel_sha256": pix or ("p" + path).ljust(64, "0"),
        "phash": phash,
        "dhash": ZERO,
        "pixels": pixels,
        "size": 1000,
        "error": None,
    }


def test_chain_is_not_one_group() -> None:
    a = _rec("a.jpg", ZERO, pixels=300)
    b = _rec("b.jpg", _flip(ZERO, range(0, 6)), pixels=200)  # 6 from a
    c = _rec("c.jpg", _flip(ZERO, range(0, 12)), pixels=100)  # 6 from b, 12 from a
    groups = find_groups([a, b, c], NearOptions(8))
    assert len(groups) == 1
    g = groups[0]
    assert g.kind == "near" and g.keeper == 0 and g.members == ((1, 6),)
    # c is near b only, and b is taken: c stays alone rather than chaining to a


def test_kinds_are_disjoint_and_keeper_is_best() -> None:
    h = _flip(ZERO, range(100, 140))
    recs = [
        _rec("small_copy.jpg", h, sha="s" * 64, pixels=50),
        _rec("big.jpg", h, sha="s" * 64, pixels=50),  # same bytes: same pixel count, path wins
        _rec("resaved.png", h, pix="pbig.jpg".ljust(64, "0"), pixels=50),
        _rec("near.jpg", _flip(h, [3, 9]), pixels=400),
        _rec("far.jpg", _flip(h, range(0, 100))),
    ]
    recs[0]["pixel_sha256"] = recs[1]["pixel_sha256"]
    groups = find_groups(recs, NearOptions(8))
    kinds = {g.kind: g for g in groups}
    assert set(kinds) == {"bytes", "pixels", "near"}
    assert recs[kinds["bytes"].keeper]["path"] == "big.jpg"
    assert [recs[m]["path"] for m, _ in kinds["bytes"].members] == ["small_copy.jpg"]
    assert [recs[m]["path"] for m, _ in kinds["pixels"].members] == ["resaved.png"]
    assert recs[kinds["near"].keeper]["path"] == "near.jpg"  # most pixels
    assert [(recs[m]["path"], d) for m, d in kinds["near"].members] == [("big.jpg", 2)]
    members = [m for g in groups for m, _ in g.members]
    assert len(members) == len(set(members))


def test_groups_never_exceed_threshold_and_ignore_order() -> None:
    rng = random.Random(3)
    centres = [f"{rng.getrandbits(256):064x}" for _ in range(8)]
    recs = [
        _rec(
            f"img{k:03d}.jpg",
            _flip(c, rng.sample(range(256), rng.randint(0, 14))),
            pixels=rng.randint(1, 9),
        )
        for k, c in enumerate(centres * 6)
    ]
    t = 10
    groups = find_groups(recs, NearOptions(t))
    assert any(g.kind == "near" for g in groups)
    grouped: set[str] = set()
    for g in groups:
        everyone = [g.keeper, *(m for m, _ in g.members)]
        for x in everyone:
            for y in everyone:
                assert hamming(recs[x]["phash"], recs[y]["phash"]) <= t
        grouped.update(recs[k]["path"] for k in everyone)
    # what is kept (keepers and images in no group) is pairwise farther than t apart: of every
    # pair within t at least one image is reported
    members = {m for g in groups for m, _ in g.members}
    kept = [r for k, r in enumerate(recs) if k not in members]
    for x, y in itertools.combinations(kept, 2):
        assert hamming(x["phash"], y["phash"]) > t, (x["path"], y["path"])
    assert len(members) == sum(len(g.members) for g in groups)
    shuffled = recs[:]
    rng.shuffle(shuffled)

    def named(rs: list[ImageRecord]) -> set[tuple[str, str, tuple[str, ...]]]:
        return {
            (g.kind, rs[g.keeper]["path"], tuple(sorted(rs[m]["path"] for m, _ in g.members)))
            for g in find_groups(rs, NearOptions(t))
        }

    assert named(recs) == named(shuffled)


def test_dhash_confirmation_only_removes_matches() -> None:
    a = _rec("a.jpg", ZERO)
    b = _rec("b.jpg", _flip(ZERO, [1, 2]))
    b["dhash"] = _flip(ZERO, range(40))
    assert len(find_groups([a, b], NearOptions(8))) == 1
    assert find_groups([a, b], NearOptions(8, dhash_threshold=30)) == []
    assert len(find_groups([a, b], NearOptions(8, dhash_threshold=40))) == 1


def test_errors_and_missing_hashes_are_skipped() -> None:
    a = _rec("a.jpg", ZERO)
    b = _rec("b.jpg", ZERO)
    b["error"] = {"code": "truncated", "message": "cut"}
    c: ImageRecord = {"path": "c.jpg", "sha256": None, "error": None}
    assert find_groups([a, b, c], NearOptions(8)) == []
