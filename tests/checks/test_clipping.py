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


def _document(seed: int) -> Image.Image:
    """A white page with lines of dark text-like strokes and a chart: most of it is 255, and
    the white ends at once on dark ink."""
    rng = np.random.default_rng(seed)
    img = Image.new("RGB", (640, 480), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    for y in range(30, 300, 18):  # text lines: short dark words
        x = 30
        while x < 600:
            w = int(rng.integers(12, 60))
            draw.rectangle((x, y, x + w, y + 9), fill=(20, 20, 30))
            x += w + int(rng.integers(6, 14))
    for k in range(8):  # a bar chart
        top = int(rng.integers(320, 440))
        draw.rectangle((60 + 60 * k, top, 100 + 60 * k, 460), fill=(40, 90, 170))
    return img


def test_a_white_ground_behind_ink_is_not_blown_out() -> None:
    """A document is mostly white (over the threshold) but its white ends on ink: the rim of
    the blown area is dark, unlike a blown photo's, so the default does not flag it;
    ``min_rim: 0`` judges on the share alone."""
    for seed in (1, 2):
        rec = analyze(_document(seed), fmt="PNG", path="doc.png")
        clip = rec["stats"]["clip"]
        assert clip["high"][3] > 0.5 and clip["rim"] < 0.5
        assert not flagged("clipped_highlights", rec)
        assert flagged("clipped_highlights", rec, min_rim=0.0)
    blown = analyze(_gain(photo(1), 2.5, 40), fmt="JPEG", path="b.jpg")
    assert blown["stats"]["clip"]["rim"] > 0.9
    assert flagged("clipped_highlights", blown, min_rim=0.9)


def test_rim_is_measured_only_where_enough_is_blown() -> None:
    assert analyze(photo(1), fmt="JPEG", path="p.jpg")["stats"]["clip"]["rim"] is None
    white = analyze(Image.new("RGB", (64, 48), (255, 255, 255)), path="w.png")
    assert white["stats"]["clip"]["rim"] == 1.0  # blown everywhere: no rim, fully blown
