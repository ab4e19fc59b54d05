"""same_scene: one framing with an object moved is reported for information, not as a copy."""

from __future__ import annotations

import pytest

from imgeda_ci.checks.registry import DatasetContext, get
from imgeda_ci.dupes.hashindex import distances, from_hex
from tests.checks.helpers import analyze
from tests.dupes.scenes import jpeg
from tests.dupes.test_copies import same_scene


def run(check_id: str, ctx: DatasetContext) -> list:  # type: ignore[type-arg]
    return list(get(check_id).run(ctx, None, {}))  # type: ignore[arg-type,call-arg]


@pytest.mark.parametrize("seed", [2, 6])
def test_moved_object_is_the_same_scene_not_a_near_copy(seed: int) -> None:
    first, second = same_scene(seed)
    recs = [
        analyze(jpeg(first, 95), "train/board.jpg"),
        analyze(jpeg(second, 95), "test/board moved.jpg"),
        analyze(jpeg(first, 70), "train/board copy.jpg"),
    ]
    ph = from_hex([r["phash"] for r in recs])
    assert int(distances(ph[:1], ph[1:2])[0]) <= 24  # the pHash alone calls them copies
    ctx = DatasetContext(records=recs)
    scenes = run("same_scene", ctx)
    assert [f.paths for f in scenes] == [("test/board moved.jpg", "train/board.jpg")]
    assert scenes[0].severity == "info" and scenes[0].data["partners"] == 1
    near = run("near_duplicate", ctx)
    assert [f.paths for f in near] == [("train/board copy.jpg", "train/board.jpg")]
    assert run("leakage", ctx) == []  # the moved board is no leak


def test_copies_and_different_pictures_are_not_the_same_scene() -> None:
    first, _ = same_scene(4)
    other, _ = same_scene(9)
    recs = [analyze(jpeg(first, 95), "a.jpg"), analyze(jpeg(first, 60), "a small.jpg")]
    recs.append(analyze(jpeg(other, 95), "other.jpg"))
    assert run("same_scene", DatasetContext(records=recs)) == []
