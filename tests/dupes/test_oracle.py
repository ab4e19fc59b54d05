"""The vectorised duplicate searches give exactly what the plain per-record ones give
(:mod:`tests.dupes.oracle`), on random datasets full of planted copies, errors, ties and gaps."""

from __future__ import annotations

import random

import pytest

from imgeda_ci.dupes import NearOptions, find_base_duplicates, find_groups, find_leaks, splits_of
from imgeda_ci.model import ImageRecord
from tests.dupes import oracle


def _flip(rng: random.Random, h: int, bits: int) -> int:
    for b in rng.sample(range(256), bits):
        h ^= 1 << b
    return h


def dataset(seed: int, n: int = 300) -> list[ImageRecord]:
    rng = random.Random(seed)
    centres = [rng.getrandbits(256) for _ in range(n // 6)]
    recs: list[ImageRecord] = []
    for k in range(n):
        c = rng.choice(centres)
        ph = _flip(rng, c, rng.choice([0, 0, 2, 5, 9, 14, 20, 26, 40, 90]))
        dh = _flip(rng, c, rng.randint(0, 40))
        split = rng.choice(["train", "train", "val", "test", "misc"])
        rec: ImageRecord = {
            "path": f"{split}/{rng.randint(0, 3)}/img{k:04d}.jpg",
            "sha256": f"{rng.randint(0, n // 2):064x}" if rng.random() < 0.3 else f"s{k:063d}",
            "pixel_sha256": f"{rng.randint(0, n // 3):064x}" if rng.random() < 0.3 else None,
            "phash": f"{ph:064x}",
            "dhash": f"{dh:064x}",
            "pixels": rng.choice([100, 200, 200, 400]),
            "size": rng.choice([10, 20, 20]),
            "error": None,
        }
        roll = rng.random()
        if roll < 0.05:
            rec["error"] = {"code": "truncated", "message": "cut"}
        elif roll < 0.08:
            rec["phash"] = None
        elif roll < 0.10:
            rec["dhash"] = None
        elif roll < 0.12:
            del rec["pixels"]
            rec["width"], rec["height"] = 10, rng.choice([10, 20])
        recs.append(rec)
    rng.shuffle(recs)
    return recs


OPTIONS = [
    NearOptions(8),
    NearOptions(24),
    NearOptions(24, dhash_threshold=18),
    NearOptions(12, orientation_invariant=True),
]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("opts", OPTIONS, ids=str)
def test_groups_and_leaks_match_the_oracle(seed: int, opts: NearOptions) -> None:
    recs = dataset(seed)
    groups = find_groups(recs, opts)
    assert groups == oracle.find_groups(recs, opts)
    assert {g.kind for g in groups} == {"bytes", "pixels", "near"}
    splits = splits_of(recs)
    leaks = find_leaks(recs, splits, opts)
    assert leaks == oracle.find_leaks(recs, splits, opts)
    assert len(leaks[0]) > 10


@pytest.mark.parametrize("seed", [4, 5])
@pytest.mark.parametrize("opts", OPTIONS, ids=str)
def test_base_duplicates_match_the_oracle(seed: int, opts: NearOptions) -> None:
    rng = random.Random(seed)
    base = dataset(seed)
    fresh = dataset(seed + 100, 60)
    head = [dict(r) for r in base if rng.random() > 0.1]  # some removed
    for r in head[:20]:  # renamed
        r["path"] = "moved/" + str(r["path"])
    for r in head[20:40]:  # modified in place
        r["sha256"] = f"m{rng.getrandbits(60):063d}"
        r["phash"] = fresh[rng.randrange(60)]["phash"]
    head += [dict(r, path=f"new/{k}.jpg") for k, r in enumerate(fresh)]  # added
    head += [dict(r, path=f"copy/{k}.jpg") for k, r in enumerate(base[:15])]  # copies of base
    rng.shuffle(head)
    got = find_base_duplicates(head, base, opts)
    assert got == oracle.find_base_duplicates(head, base, opts)
    assert len(got[0]) >= 15
