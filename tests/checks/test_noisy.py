"""The ``noisy`` check on images made here and analysed by the real scanner."""

from __future__ import annotations

import numpy as np
from PIL import Image

from imgeda_ci.checks.results import fmt
from tests.builders import photo
from tests.checks.helpers import analyze, flagged, run


def _noisy(seed: int, sigma: float) -> Image.Image:
    base = np.asarray(photo(seed, (480, 360)), dtype=np.float64)
    noise = np.random.default_rng(seed).normal(0.0, sigma, base.shape)
    return Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8))


def test_grainy_photo_is_flagged_clean_is_not() -> None:
    assert flagged("noisy", analyze(_noisy(1, 20), "n.png"))
    # the builder's photo carries a fine grain (sigma 6) that JPEG, as a camera saves it, smooths
    assert not flagged("noisy", analyze(photo(1, (480, 360)), "c.jpg", "JPEG"))


def test_boundary_at_threshold() -> None:
    rec = analyze(_noisy(2, 8), "n.png")
    level = rec["stats"]["noise"]
    assert flagged("noisy", rec, threshold=level - 0.01)
    assert not flagged("noisy", rec, threshold=level)


def test_message_names_the_level_and_the_threshold() -> None:
    out = run("noisy", analyze(_noisy(3, 25), "n.png"))
    assert out is not None and out.flagged
    assert isinstance(out.value, float)
    assert out.reason == f"noise {fmt(out.value)} > 6.5"


def test_record_without_the_measurement_is_not_judged() -> None:
    """A manifest made before the measurement existed: the check does not apply."""
    rec = analyze(photo(4, (160, 120)), "old.png")
    del rec["stats"]["noise"]
    assert run("noisy", rec) is None
