from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tests.builders import encode, photo
from tests.checks.helpers import analyze, flagged, run


def test_extension_mismatch() -> None:
    png = encode(photo(1), "PNG")
    assert flagged("extension_mismatch", analyze(png, path="a.jpg"))
    assert not flagged("extension_mismatch", analyze(png, path="a.png"))


def test_disallowed_format() -> None:
    rec = analyze(encode(photo(1), "BMP"), path="a.bmp")
    assert not flagged("disallowed_format", rec)  # BMP is in the default list
    assert flagged("disallowed_format", rec, allowed=("jpeg", "png"))
    jpg = analyze(encode(photo(1), "JPEG"), path="a.jpg")
    assert not flagged("disallowed_format", jpg, allowed=("jpg",))  # jpg = jpeg


def test_unusual_mode() -> None:
    assert not flagged("unusual_mode", analyze(photo(1)))
    rgba = photo(1).convert("RGBA")
    assert flagged("unusual_mode", analyze(rgba))
    assert not flagged("unusual_mode", analyze(rgba), allowed_modes=("RGB", "RGBA"))
    assert flagged("unusual_mode", analyze(encode(photo(1).convert("CMYK"), "JPEG"), "c.jpg"))
    assert flagged("unusual_mode", analyze(photo(1).convert("P")))
    deep = Image.fromarray(np.full((50, 50), 40000, dtype=np.uint16))
    rec16 = analyze(deep)
    assert rec16["bit_depth"] == 16
    out = run("unusual_mode", rec16, options={"allowed_modes": ("RGB", "L", rec16["mode"])})
    assert out is not None and out.flagged and "16-bit" in out.reason


def test_animated() -> None:
    frames = [photo(i, (64, 48)) for i in range(3)]
    import io

    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    assert flagged("animated", analyze(buf.getvalue(), path="a.gif"))
    assert not flagged("animated", analyze(frames[0]))


def test_avif_is_allowed_by_default_when_pillow_decodes_it() -> None:
    from PIL import features

    if not features.check("avif"):
        pytest.skip("this Pillow was built without AVIF")
    rec = analyze(encode(photo(1), "AVIF"), path="a.avif")
    assert rec["error"] is None and rec["format"] == "AVIF"
    assert not flagged("extension_mismatch", rec)
    assert not flagged("disallowed_format", rec)  # the default list names AVIF
    assert flagged("disallowed_format", rec, allowed=("jpeg", "png"))
