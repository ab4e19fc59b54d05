from __future__ import annotations

from tests.builders import photo
from tests.checks.helpers import analyze, flagged, run


def test_too_small_default_and_boundary() -> None:
    rec = analyze(photo(1, (40, 31)))
    assert flagged("too_small", rec)  # 31 < 32
    assert not flagged("too_small", analyze(photo(1, (40, 32))))
    assert not flagged("too_small", rec, threshold=31)


def test_too_small_options() -> None:
    rec = analyze(photo(1, (300, 200)))
    assert not flagged("too_small", rec)
    assert flagged("too_small", rec, min_width=301)
    assert not flagged("too_small", rec, min_width=300)
    assert flagged("too_small", rec, min_height=201)
    assert flagged("too_small", rec, min_pixels=60001)
    assert not flagged("too_small", rec, min_pixels=60000)


def test_odd_aspect_ratio_both_orientations() -> None:
    wide, tall = analyze(photo(1, (400, 100))), analyze(photo(1, (100, 400)))
    assert flagged("odd_aspect_ratio", wide) and flagged("odd_aspect_ratio", tall)
    assert not flagged("odd_aspect_ratio", wide, threshold=4.0)  # 4.0 is not above 4.0
    assert flagged("odd_aspect_ratio", wide, threshold=3.99)
    assert not flagged("odd_aspect_ratio", analyze(photo(1, (300, 100))))  # exactly 3


def test_large_file() -> None:
    rec = analyze(photo(1), path="a.png")
    mb = rec["size"] / 1e6
    assert not flagged("large_file", rec)
    assert not flagged("large_file", rec, threshold=mb)
    assert flagged("large_file", rec, threshold=mb * 0.99)
    out = run("large_file", rec)
    assert out is not None and out.value == round(mb, 3)
