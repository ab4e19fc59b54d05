"""The fit's tone terms (:data:`imgeda_ci.dupes.fit.TONE_CLIP`): a crop that bends the tone
map is a copy; an object added, removed or moved still is a change."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from imgeda_ci.dupes import fit, verify
from tests.dupes.scenes import crop, jpeg, scene, shot
from tests.dupes.test_verify import BASE, kind, with_objects


@pytest.mark.parametrize("seed", [2, 14])
def test_a_crop_that_bends_the_tone_map_is_a_copy(seed: int) -> None:
    """Cropping 5% off each side drops a border's levels from the histogram, so the quantile
    tone map of :mod:`imgeda_ci.dupes.align` bends: a curve in the levels no gain and offset
    undo (LOCAL with the seven-term fit)."""
    img = shot(scene(seed), 40, 30)
    copy = Image.open(io.BytesIO(jpeg(crop(img, 0.05, 0.05, 0.05, 0.05))))
    assert kind(img, copy) == verify.COPY


def test_the_tone_terms_are_clipped_standard_scores() -> None:
    """The second and third Hermite polynomials of the standard scores, clipped: a level only a
    few pixels have (a small bright object on a dark picture) gets no term of its own."""
    b = np.full((1, verify.T, verify.T), 40.0, dtype=np.float32)
    b[0, ::2] = 50.0
    b[0, 30:33, 30:33] = 250.0
    terms = fit.terms(b)
    spread = float(b.std()) + 1
    z = np.clip((b[0] - b.mean()) / spread, -fit.TONE_CLIP, fit.TONE_CLIP).reshape(-1)
    assert np.allclose(terms[0, 7], (z * z - 1) * spread, atol=1e-3)
    assert np.allclose(terms[0, 8], (z**3 - 3 * z) * spread, atol=1e-3)
    top = fit.TONE_CLIP**3 - 3 * fit.TONE_CLIP  # the object's, at the clip
    assert float(terms[0, 8].max()) == pytest.approx(top * spread, rel=1e-4)


@pytest.mark.parametrize("size", [0.03, 0.05])
def test_an_object_moved_near_a_crop_edge_is_still_a_change(size: float) -> None:
    """A crop of 5% per side of a shot with an object moved to 8-10% from the edge: LOCAL."""
    for seed in (2, 14):
        bg = shot(scene(seed), 40, 30)
        first = with_objects(bg, BASE, size)
        moved = with_objects(bg, [BASE[0], BASE[1], (0.08, 0.8)], size)
        cropped = Image.open(io.BytesIO(jpeg(crop(moved, 0.05, 0.05, 0.05, 0.05))))
        assert kind(first, cropped) == verify.LOCAL, seed
        assert kind(cropped, first) == verify.LOCAL, seed
