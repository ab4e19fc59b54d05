from __future__ import annotations

import numpy as np
from PIL import Image

from tests.builders import photo
from tests.checks.helpers import analyze, flagged


def flat(value: int = 120, noise: float = 2.0) -> Image.Image:
    rng = np.random.default_rng(0)
    arr = value + rng.normal(0, noise, (240, 320, 3))
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def test_low_contrast() -> None:
    assert flagged("low_contrast", analyze(flat()))
    assert not flagged("low_contrast", analyze(photo(1)))


def test_low_contrast_boundary() -> None:
    rec = analyze(flat(noise=5))
    std = rec["stats"]["luma_std"]
    assert not flagged("low_contrast", rec, threshold=std)
    assert flagged("low_contrast", rec, threshold=std + 0.01)


def test_low_information() -> None:
    blank = Image.new("RGB", (200, 200), (30, 30, 30))
    assert flagged("low_information", analyze(blank))
    assert not flagged("low_information", analyze(photo(2)))
    two_tone = Image.new("L", (200, 200), 0)
    two_tone.paste(255, (0, 0, 100, 200))
    rec = analyze(two_tone)
    ent = rec["stats"]["entropy"]
    assert abs(ent - 1.0) < 0.05  # half black, half white = 1 bit
    assert not flagged("low_information", rec, threshold=ent)
    assert flagged("low_information", rec, threshold=ent + 0.001)


def test_messages_name_the_value_and_the_threshold() -> None:
    from imgeda_ci.checks.registry import get

    rec = {"stats": {"luma_std": 3.5, "entropy": 0.5}}
    contrast = get("low_contrast").run(rec, 6, {})  # type: ignore[arg-type, call-arg]
    entropy = get("low_information").run(rec, 1.0, {})  # type: ignore[arg-type, call-arg]
    assert contrast is not None and contrast.reason == "luma std 3.5 < 6"
    assert entropy is not None and entropy.reason == "luma entropy 0.5 bits < 1"
    assert contrast.score == 3.5 / 12 and entropy.score == 0.5 / 2
