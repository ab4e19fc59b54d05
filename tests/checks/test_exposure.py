from __future__ import annotations

from imgeda_ci.checks.registry import get
from tests.builders import dark, overexposed, photo
from tests.checks.helpers import analyze, flagged, run


def test_dark_photo_is_flagged_and_normal_is_not() -> None:
    assert flagged("dark", analyze(dark(1), fmt="JPEG", path="d.jpg"))
    assert not flagged("dark", analyze(photo(1), fmt="JPEG", path="p.jpg"))


def test_dark_boundary_at_threshold() -> None:
    rec = analyze(dark(2))
    p99 = rec["stats"]["luma_p"]["p99"]
    assert not flagged("dark", rec, threshold=p99)  # p99 == threshold: not below
    assert flagged("dark", rec, threshold=p99 + 1)
    out = run("dark", rec)
    assert out is not None and out.value == p99


def test_dark_uses_percentiles_not_the_mean() -> None:
    """A dark scene with a bright subject (mean low, p99 high) is not underexposed."""
    from PIL import Image, ImageDraw

    img = dark(3)
    ImageDraw.Draw(img).rectangle((280, 200, 360, 280), fill=(250, 250, 250))
    rec = analyze(img)
    assert rec["stats"]["luma_mean"] < 40  # imgeda's mean test would call it dark
    assert not flagged("dark", rec)
    assert Image  # keep the import local


def test_overexposed_and_boundary() -> None:
    rec = analyze(overexposed(1))
    assert flagged("overexposed", rec)
    assert not flagged("overexposed", analyze(photo(4)))
    p5 = rec["stats"]["luma_p"]["p5"]
    assert not flagged("overexposed", rec, threshold=p5)
    assert flagged("overexposed", rec, threshold=p5 - 1)


def test_defaults_documented() -> None:
    for cid in ("dark", "overexposed"):
        c = get(cid)
        assert c.default_threshold is not None
        doc = __import__("imgeda_ci.checks.exposure", fromlist=["x"]).__doc__ or ""
        assert "Tuned on" in doc and "flagged" in doc


def test_unmeasured_record_does_not_apply() -> None:
    assert run("dark", {"path": "x.jpg", "error": {"code": "truncated", "message": ""}}) is None
