from __future__ import annotations

from PIL import Image, ImageDraw

from tests.builders import photo
from tests.checks.helpers import analyze, flagged, run


def letterboxed(bar: int = 60) -> Image.Image:
    img = Image.new("RGB", (640, 480), (0, 0, 0))
    img.paste(photo(1, (640, 480 - 2 * bar)), (0, bar))
    return img


def test_letterbox_is_flagged_photo_is_not() -> None:
    rec = analyze(letterboxed())
    assert flagged("border_artifact", rec)
    out = run("border_artifact", rec)
    assert out is not None and isinstance(out.value, float) and 0.1 < out.value < 0.15
    assert not flagged("border_artifact", analyze(photo(2)))


def test_boundary_at_threshold() -> None:
    rec = analyze(letterboxed(30))
    frac = run("border_artifact", rec)
    assert frac is not None and isinstance(frac.value, float)
    assert not flagged("border_artifact", rec, threshold=frac.value, corner_delta=None)
    assert flagged("border_artifact", rec, threshold=frac.value - 0.001)


def test_flat_sky_is_not_padding() -> None:
    """A flat band at the top that is not black/white (a hazy sky) is not a bar."""
    img = photo(3)
    ImageDraw.Draw(img).rectangle((0, 0, 640, 100), fill=(170, 190, 210))
    assert not flagged("border_artifact", analyze(img))


def test_dark_corners() -> None:
    img = photo(4).point(lambda v: min(255, v + 60))
    mask = Image.new("L", img.size, 0)
    ImageDraw.Draw(mask).ellipse((0, 0, 640, 480), fill=255)
    out = Image.composite(img, Image.new("RGB", img.size, (0, 0, 0)), mask)
    rec = analyze(out)
    assert flagged("border_artifact", rec)
    assert not flagged("border_artifact", rec, corner_delta=255)
