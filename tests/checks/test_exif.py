from __future__ import annotations

from tests.builders import photo, with_exif
from tests.checks.helpers import analyze, flagged, run


def test_orientation() -> None:
    assert flagged("exif_orientation", analyze(with_exif(photo(1), orientation=6), "a.jpg"))
    assert not flagged("exif_orientation", analyze(with_exif(photo(1), orientation=1), "a.jpg"))
    assert not flagged("exif_orientation", analyze(photo(1)))


def test_gps() -> None:
    rec = analyze(with_exif(photo(1), gps=(48.8584, 2.2945)), "a.jpg")
    out = run("gps_location", rec)
    assert out is not None and out.flagged and "48.858" in out.reason
    assert not flagged("gps_location", analyze(with_exif(photo(1), make="X"), "a.jpg"))


def test_identity() -> None:
    assert flagged("exif_identity", analyze(with_exif(photo(1), serial="12345"), "a.jpg"))
    assert not flagged("exif_identity", analyze(with_exif(photo(1), make="Canon"), "a.jpg"))
