from __future__ import annotations

from tests.builders import encode, photo
from tests.checks.helpers import analyze, flagged, run


def test_rgb_file_with_gray_pixels() -> None:
    gray_rgb = photo(1).convert("L").convert("RGB")
    rec = analyze(encode(gray_rgb, "JPEG", quality=90), path="g.jpg")
    assert rec["mode"] == "RGB"
    assert flagged("grayscale", rec)
    assert not flagged("grayscale", analyze(photo(1)))


def test_gray_file_is_not_flagged() -> None:
    rec = analyze(photo(1).convert("L"))
    assert rec["mode"] == "L"
    assert run("grayscale", rec) is None


def test_boundary() -> None:
    rec = analyze(photo(3))
    chroma = rec["stats"]["chroma_p99"]
    assert not flagged("grayscale", rec, threshold=chroma)
    assert flagged("grayscale", rec, threshold=chroma + 1)
