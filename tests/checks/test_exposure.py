from __future__ import annotations

import numpy as np
from PIL import Image

from imgeda_ci.checks.registry import get
from tests.builders import dark, overexposed, photo
from tests.checks.helpers import analyze, flagged, run


def test_dark_photo_is_flagged_and_normal_is_not() -> None:
    assert flagged("dark", analyze(dark(1), fmt="JPEG", path="d.jpg"))
    assert not flagged("dark", analyze(photo(1), fmt="JPEG", path="p.jpg"))


def test_underexposed_by_a_quarter_is_flagged() -> None:
    """Brightness x0.25 leaves the brightest 1% above 45 (the old rule's threshold) but takes
    even the brightest 0.1% far below a well-exposed photo's."""
    for fmt in ("PNG", "JPEG"):
        arr = np.asarray(photo(1)).astype(np.float32) * 0.25
        rec = analyze(Image.fromarray(arr.round().astype(np.uint8)), fmt=fmt, path="u.x")
        assert rec["stats"]["luma_p"]["p99"] > 45
        assert flagged("dark", rec)


def test_dark_boundary_at_threshold() -> None:
    rec = analyze(dark(2))
    top = rec["stats"]["luma_p"]["p999"]
    assert not flagged("dark", rec, threshold=top)  # p99.9 == threshold: not below
    assert flagged("dark", rec, threshold=top + 1)
    out = run("dark", rec)
    assert out is not None and out.value == top


def test_dark_uses_percentiles_not_the_mean() -> None:
    """A dark scene with a bright subject (mean low, p99.9 high) is not underexposed."""
    from PIL import ImageDraw

    img = dark(3)
    ImageDraw.Draw(img).rectangle((280, 200, 360, 280), fill=(250, 250, 250))
    rec = analyze(img)
    assert rec["stats"]["luma_mean"] < 40  # imgeda's mean test would call it dark
    assert not flagged("dark", rec)


def test_overexposed_and_boundary() -> None:
    rec = analyze(overexposed(1))
    assert flagged("overexposed", rec)
    assert not flagged("overexposed", analyze(photo(4)))
    p5 = rec["stats"]["luma_p"]["p5"]
    assert not flagged("overexposed", rec, threshold=p5)
    assert flagged("overexposed", rec, threshold=p5 - 1)


def test_defaults_documented() -> None:
    for cid in ("dark", "overexposed"):  # clipped_highlights: test_clipping
        c = get(cid)
        assert c.default_threshold is not None
        doc = __import__("imgeda_ci.checks.exposure", fromlist=["x"]).__doc__ or ""
        assert "Tuned with" in doc and "flagged" in doc and "recall" in doc


def test_unmeasured_record_does_not_apply() -> None:
    assert run("dark", {"path": "x.jpg", "error": {"code": "truncated", "message": ""}}) is None
