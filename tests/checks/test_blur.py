from __future__ import annotations

from PIL import Image

from tests.builders import blurred, photo
from tests.checks.helpers import analyze, flagged, run


def test_blurred_photo_is_flagged_sharp_is_not() -> None:
    assert flagged("blurry", analyze(blurred(1, radius=6)))
    assert not flagged("blurry", analyze(photo(1)))


def test_boundary_at_threshold() -> None:
    rec = analyze(blurred(2, radius=3))
    sharp = rec["stats"]["sharpness"]
    assert not flagged("blurry", rec, threshold=sharp)
    assert flagged("blurry", rec, threshold=sharp + 0.01)


def test_flat_image_is_not_judged() -> None:
    """No contrast, nothing to be sharp about: low_contrast's business, not blurry's."""
    assert run("blurry", analyze(Image.new("RGB", (300, 200), (90, 100, 110)))) is None
