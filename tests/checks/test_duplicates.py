"""Duplicate and leakage checks on images made here and analysed by the real scanner."""

from __future__ import annotations

import hashlib
import io
from functools import lru_cache
from pathlib import Path

import pytest

from imgeda_ci.checks.registry import DatasetContext, Finding, all_policy_keys, get
from imgeda_ci.dupes import DEFAULT_THRESHOLD
from imgeda_ci.model import ImageRecord
from imgeda_ci.scan.hashes import hamming
from tests.checks.helpers import analyze
from tests.conftest import REPO
from tests.dupes.scenes import COPIES, jpeg, scene, shot

RACCOON = REPO.parent / "shared" / "corpora" / "voc-raccoon"
T = DEFAULT_THRESHOLD
#: copies the default threshold is meant to catch (measured on real photos: >= 99% of them)
MUST_CATCH = ("jpeg", "resize", "brightness", "blur")


def run(check: str, ctx: DatasetContext, **options: object) -> list[Finding]:
    c = get(check)
    assert c.kind == "dataset"
    return c.run(ctx, None, options or None)  # type: ignore[arg-type]


@lru_cache(maxsize=1)
def planted() -> tuple[ImageRecord, ...]:
    """Per scene: the original, its copies, and two other shots of the same scene."""
    recs = []
    for s in range(4):
        canvas = scene(100 + s)
        original = shot(canvas)
        recs.append(analyze(jpeg(original, 95), f"s{s}/original.jpg"))
        for name, make in COPIES.items():
            recs.append(analyze(make(original), f"s{s}/copy {name}.jpg"))
        for k, (dx, dy) in enumerate(((96, 0), (240, 180))):
            recs.append(analyze(jpeg(shot(canvas, dx, dy), 95), f"s{s}/other shot {k}.jpg"))
    return tuple(recs)


def test_planted_copies_recall_and_other_framings_not_grouped() -> None:
    recs = list(planted())
    by_path = {r["path"]: r for r in recs}
    findings = run("near_duplicate", DatasetContext(records=recs))
    groups: dict[str, set[str]] = {}
    for f in findings:
        assert f.paths[1] == f.data["keeper"] and f.data["kind"] == "near"
        d = hamming(by_path[f.paths[0]]["phash"], by_path[f.paths[1]]["phash"])
        assert f.data["distance"] == d
        groups.setdefault(f.data["group"], {f.paths[1]}).add(f.paths[0])
    grouped = {p for g in groups.values() for p in g}
    within, caught, must, must_caught = 0, 0, 0, 0
    for s in range(4):
        orig = by_path[f"s{s}/original.jpg"]
        for name in COPIES:
            copy = by_path[f"s{s}/copy {name}.jpg"]
            d = hamming(orig["phash"], copy["phash"])
            found = copy["path"] in grouped and orig["path"] in grouped
            if name.startswith(MUST_CATCH):
                assert d <= T, (s, name, d)
                must, must_caught = must + 1, must_caught + found
            if d <= T:
                within, caught = within + 1, caught + found
        for k in range(2):  # same scene, other framing: not a duplicate of anything
            other = f"s{s}/other shot {k}.jpg"
            assert other not in grouped
            assert (
                min(
                    hamming(by_path[other]["phash"], r["phash"]) for r in recs if r["path"] != other
                )
                > T
            )
    # every pair within T is a candidate; verification may drop one whose change looks local
    # (a brightness shift whose clipped colour channels change one spot more than the rest)
    assert must_caught >= must - 1, (must_caught, must)
    assert caught >= within - 3, (caught, within)  # watermarks are local changes
    # each copy counts once, keepers never
    assert len({f.paths[0] for f in findings}) == len(findings)
    assert not {f.paths[0] for f in findings} & {f.paths[1] for f in findings}


def test_exact_and_pixel_duplicates_are_separate_kinds() -> None:
    img = shot(scene(7))
    data = jpeg(img, 90)
    recs = [
        analyze(data, "a/photo.jpg"),
        analyze(data, "b/photo copy.jpg"),
        analyze(img, "c/photo.png", "PNG"),
        analyze(img, "c/photo_again.png", "PNG"),
    ]
    # a PNG re-saved with other settings: other bytes, same pixels
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=1)
    recs.append(analyze(buf.getvalue(), "d/photo fast.png"))
    ctx = DatasetContext(records=recs)
    exact = run("duplicate_exact", ctx)
    pixels = run("duplicate_pixels", ctx)
    near = run("near_duplicate", ctx)
    assert sorted(f.paths for f in exact) == [
        ("b/photo copy.jpg", "a/photo.jpg"),
        ("c/photo_again.png", "c/photo.png"),
    ]
    # the keeper has the most pixels, then the largest file: the fast PNG is the largest
    assert [f.paths for f in pixels] == [("c/photo.png", "d/photo fast.png")]
    assert [f.paths for f in near] == [("a/photo.jpg", "d/photo fast.png")]  # JPEG vs PNG
    assert all(f.data["distance"] == 0 for f in exact + pixels)
    assert {f.data["kind"] for f in exact} == {"bytes"} and pixels[0].data["kind"] == "pixels"


def test_leakage_check_names_both_paths() -> None:
    img = shot(scene(8))
    recs = [
        analyze(jpeg(img, 95), "train/cat.jpg"),
        analyze(jpeg(img, 60), "test/cat small.jpg"),
        analyze(jpeg(shot(scene(9)), 95), "test/dog.jpg"),
    ]
    ctx = DatasetContext(records=recs)
    leaks = run("leakage", ctx)
    assert [f.paths for f in leaks] == [("test/cat small.jpg", "train/cat.jpg")]
    assert leaks[0].severity == "error"
    assert leaks[0].data["split"] == "test" and leaks[0].data["other_split"] == "train"
    assert leaks[0].data["matches"] == ["train/cat.jpg"]
    ctx2 = DatasetContext(records=recs, extra={"splits": {"test": ["train/*"]}})
    assert [f.paths for f in run("leakage", ctx2)] == []  # every image in one split now


def test_duplicate_of_base_flags_only_added_copies() -> None:
    img = shot(scene(10))
    base = [analyze(jpeg(img, 95), "a.jpg"), analyze(jpeg(shot(scene(11)), 95), "b.jpg")]
    head = [*base, analyze(jpeg(img, 70), "new/a again.jpg")]
    found = run("duplicate_of_base", DatasetContext(records=head, base=base))
    assert [f.paths for f in found] == [("new/a again.jpg", "a.jpg")]
    assert found[0].data["kind"] == "near"
    assert run("duplicate_of_base", DatasetContext(records=head)) == []
    assert run("duplicate_of_base", DatasetContext(records=base, base=base)) == []


def test_policy_keys() -> None:
    import imgeda_ci.policy  # noqa: F401  (declares max_duplicate_pct)

    keys = all_policy_keys()
    assert keys["max_near_duplicate_pct"].checks == ("near_duplicate",)
    assert keys["max_near_duplicate_pct"].sets == "max_pct"
    assert keys["max_leakage_count"].checks == ("leakage",)
    assert keys["max_leakage_count"].sets == "max_count"
    assert set(keys["max_duplicate_pct"].checks) == {"duplicate_exact", "duplicate_pixels"}
    assert get("near_duplicate").default_threshold == T


@pytest.mark.corpora
@pytest.mark.skipif(not RACCOON.is_dir(), reason="../shared/corpora/voc-raccoon is absent")
def test_conformance_voc_raccoon_byte_identical_pairs() -> None:
    recs: list[ImageRecord] = []
    for p in sorted(RACCOON.rglob("*")):
        if p.is_file() and p.suffix.lower() in (".jpg", ".jpeg", ".png"):
            data = p.read_bytes()
            recs.append(
                {
                    "path": p.relative_to(RACCOON).as_posix(),
                    "size": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "error": None,
                }
            )
    assert len(recs) == 200
    found = run("duplicate_exact", DatasetContext(records=recs))
    pairs = {tuple(sorted(Path(p).name for p in f.paths)) for f in found}
    assert pairs == {
        ("raccoon-52.jpg", "raccoon-74.jpg"),
        ("raccoon-11.jpg", "raccoon-116.jpg"),
        ("raccoon-120.jpg", "raccoon-83.jpg"),
        ("raccoon-65.jpg", "raccoon-98.jpg"),
    }
