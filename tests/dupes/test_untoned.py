"""The verifier's second look without the tone map (:data:`imgeda_ci.dupes.verify.UNTONED_LEVEL`):
a crop of a picture dominated by one level (a page, a screenshot) is a copy; an object added
to it still is a change."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image, ImageDraw

from imgeda_ci.dupes import verify
from tests.dupes.scenes import crop, jpeg, scene, shot
from tests.dupes.test_verify import kind


def page(seed: int) -> Image.Image:
    """A near-white page: lines of a drawing, captions, and a photo in a black frame."""
    img = Image.new("RGB", (640, 480), (250, 250, 250))
    draw = ImageDraw.Draw(img)
    rng = random.Random(seed)
    for _ in range(14):
        x0, y0 = rng.uniform(30, 300), rng.uniform(30, 440)
        end = (x0 + rng.uniform(-120, 120), y0 + rng.uniform(-120, 120))
        draw.line((x0, y0, *end), fill=(40, 40, 40), width=2)
    for k in range(6):
        draw.text((40, 20 + 70 * k), f"figure {seed}.{k}", fill=(30, 30, 30))
    img.paste((10, 10, 10), (330, 200, 610, 410))
    img.paste(shot(scene(seed), 40, 30).resize((260, 190)), (340, 210))
    return img


def _cropped(img: Image.Image) -> Image.Image:
    return Image.open(io.BytesIO(jpeg(crop(img, 0.05, 0.05, 0.05, 0.05))))


@pytest.mark.parametrize("seed", [0, 3, 6])
def test_a_crop_of_a_page_is_a_copy(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cropping 5% of white margin off each side changes the share of white so much that the
    quantile tone map takes the photo's levels elsewhere: LOCAL when toned only (the second
    look turned off), COPY with it."""
    img = page(seed)
    assert kind(img, _cropped(img)) == verify.COPY
    monkeypatch.setattr(verify, "UNTONED_LEVEL", 0.0)  # every pixel changed: no second look
    assert kind(img, _cropped(img)) == verify.LOCAL


@pytest.mark.parametrize("seed", [0, 3, 6])
def test_an_object_on_a_page_is_still_a_change(seed: int) -> None:
    """A grey box drawn on the page, or a white patch over the photo, with and without the
    crop: LOCAL."""
    img = page(seed)
    boxed, patched = img.copy(), img.copy()
    ImageDraw.Draw(boxed).rectangle((150, 300, 182, 348), fill=(60, 60, 60))
    ImageDraw.Draw(patched).ellipse((460, 250, 492, 298), fill=(240, 240, 240))
    for changed in (boxed, patched):
        assert kind(img, changed) == verify.LOCAL
        assert kind(img, _cropped(changed)) == verify.LOCAL
