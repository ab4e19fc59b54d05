"""The eight dihedral variants are exact with ``phash_flips`` and only approximate without."""

from __future__ import annotations

import numpy as np
from PIL import Image

from imgeda_ci.dupes.orientation import VARIANT_NAMES, phash_flips, variants
from imgeda_ci.scan.hashes import phash
from tests.dupes.scenes import scene

TRANSFORMS = {
    "identity": lambda a: a,
    "mirror": np.fliplr,
    "flip": np.flipud,
    "rot180": lambda a: np.rot90(a, 2),
    "transpose": lambda a: a.T,
    "rot90": np.rot90,
    "rot270": lambda a: np.rot90(a, -1),
    "transverse": lambda a: np.rot90(a, 2).T,
}


def _base(seed: int) -> np.ndarray:
    gray = scene(seed).convert("L").resize((64, 64), Image.Resampling.LANCZOS)
    return np.asarray(gray)


def test_variants_with_flips_equal_the_hash_of_the_transformed_image() -> None:
    assert tuple(TRANSFORMS) == VARIANT_NAMES
    for seed in range(4):
        px = _base(seed)
        small = Image.fromarray(px, "L")
        got, exact = variants(phash(small), phash_flips(small))
        assert exact
        for name, hexhash in zip(VARIANT_NAMES, got, strict=True):
            moved = Image.fromarray(np.ascontiguousarray(TRANSFORMS[name](px)), "L")
            assert hexhash == phash(moved), (seed, name)


def test_without_flips_the_variants_are_approximate() -> None:
    wrong = 0
    for seed in range(4):
        small = Image.fromarray(_base(seed), "L")
        got, exact = variants(phash(small), None)
        assert not exact
        exact_got, _ = variants(phash(small), phash_flips(small))
        assert got[0] == exact_got[0] and got[4] == exact_got[4]  # identity, transpose: exact
        wrong += sum(a != b for a, b in zip(got, exact_got, strict=True))
    assert wrong > 0  # the sign patterns move the median: bits alone cannot tell


def test_orientation_invariant_matching_finds_rotated_copies() -> None:
    from imgeda_ci.dupes import NearOptions, find_groups

    px = _base(5)
    recs = []
    for name, arr in (("a.png", px), ("a_rot90.png", np.rot90(px)), ("b.png", _base(6))):
        small = Image.fromarray(np.ascontiguousarray(arr), "L")
        recs.append(
            {
                "path": name,
                "sha256": name.ljust(64, "0"),
                "phash": phash(small),
                "phash_flips": phash_flips(small),
                "pixels": 1,
                "size": 1,
                "error": None,
            }
        )
    assert find_groups(recs, NearOptions(8)) == []  # type: ignore[arg-type]
    groups = find_groups(recs, NearOptions(8, orientation_invariant=True))  # type: ignore[arg-type]
    assert [(g.kind, recs[g.keeper]["path"], g.members) for g in groups] == [
        ("near", "a.png", ((1, 0),))
    ]


def test_orientation_invariant_matching_keeps_the_plain_near_pairs() -> None:
    from imgeda_ci.dupes import NearOptions, find_groups
    from tests.dupes.test_groups import _flip, _rec

    h = _flip("0" * 64, range(40, 168))  # balanced bits, as a pHash has
    recs = [_rec("a.jpg", h, pixels=500), _rec("b.jpg", _flip(h, [3, 70, 200]))]
    for invariant in (False, True):
        groups = find_groups(recs, NearOptions(8, orientation_invariant=invariant))
        assert [(g.keeper, g.members) for g in groups] == [(0, ((1, 3),))], invariant
