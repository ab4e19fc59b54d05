from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from imgeda_ci.checks.registry import get
from tests.builders import overexposed, photo
from tests.checks.helpers import analyze, flagged, run


def _gain(img: Image.Image, gain: float, offset: float) -> Image.Image:
    arr = np.asarray(img).astype(np.float32) * gain + offset
    return Image.fromarray(np.clip(arr, 0, 255).round().astype(np.uint8), "RGB")


def test_blown_out_photo_is_flagged_and_the_photo_is_not() -> None:
    """``v * 2.5 + 40`` blows most of the picture; with a dark object in it (a tenth of the
    picture) the shadows stay: ``overexposed`` (darkest 5% bright) misses it,
    ``clipped_highlights`` does not."""
    for fmt in ("PNG", "JPEG"):
        img = _gain(photo(1), 2.5, 40)
        ImageDraw.Draw(img).rectangle((0, 0, 200, 150), fill=(30, 25, 20))
        rec = analyze(img, fmt=fmt, path=f"b.{fmt.lower()}")
        assert flagged("clipped_highlights", rec)
        assert not flagged("overexposed", rec)
        assert not flagged("clipped_highlights", analyze(photo(1), fmt=fmt, path="p.x"))


def test_washed_out_is_not_clipped() -> None:
    """A washed-out picture (no pixel blown) is ``overexposed``'s, not this check's."""
    rec = analyze(overexposed(1))
    assert flagged("overexposed", rec)
    assert not flagged("clipped_highlights", rec)


def test_boundary_and_message() -> None:
    rec = analyze(_gain(photo(2), 2.0, 50))
    share = rec["stats"]["clip"]["high"][3]
    assert not flagged("clipped_highlights", rec, threshold=share)
    assert flagged("clipped_highlights", rec, threshold=share - 0.001)
    out = run("clipped_highlights", rec, threshold=share - 0.001)
    assert out is not None and out.value == share and "blown" in out.reason


def test_default_documented() -> None:
    c = get("clipped_highlights")
    doc = __import__("imgeda_ci.checks.clipping", fromlist=["x"]).__doc__ or ""
    assert c.default_threshold == 0.3 and "Tuned with" in doc and "recall" in doc


def test_unmeasured_record_does_not_apply() -> None:
    rec = {"path": "x.jpg", "error": {"code": "truncated", "message": ""}}
    assert run("clipped_highlights", rec) is None
