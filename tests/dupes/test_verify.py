"""The verifier tells a copy from the same framing with a local change and from another picture.

Thumbnails are the ones a scan stores (:func:`imgeda_ci.scan.copysig.copy_signature`) of
photo-like synthetic scenes (tests/dupes/scenes.py) and of their copies.
"""

from __future__ import annotations

import base64
import io
import zlib

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from imgeda_ci.dupes import verify
from imgeda_ci.scan import thumb
from imgeda_ci.scan.copysig import copy_signature
from tests.dupes.scenes import COPIES, crop, jpeg, scene, shot

ROT = Image.Transpose


def thumbs(*images: Image.Image) -> verify.F32:
    """The stored thumbnails of ``images`` (each through a JPEG file, as a scan reads it)."""
    out, valid = verify.decode(
        [copy_signature(Image.open(io.BytesIO(jpeg(im))).convert("L"))[1] for im in images]
    )
    assert valid.all()
    return out


def kind(a: Image.Image, b: Image.Image) -> int:
    t = thumbs(a, b)
    return int(verify.classify(t[:1], t[1:])[0])


def with_objects(img: Image.Image, places: list[tuple[float, float]], size: float) -> Image.Image:
    """``img`` with dark chess-piece-like objects of ``size`` (share of the width) at
    ``places`` (shares of the sides)."""
    out = img.copy()
    draw = ImageDraw.Draw(out)
    w, h = out.size
    ow, oh = w * size, w * size * 1.5
    for fx, fy in places:
        x, y = w * fx, h * fy
        draw.ellipse((x + ow * 0.25, y, x + ow * 0.75, y + oh * 0.4), fill=(20, 20, 20))
        draw.polygon(
            [
                (x + ow * 0.3, y + oh * 0.3),
                (x + ow * 0.7, y + oh * 0.3),
                (x + ow, y + oh),
                (x, y + oh),
            ],
            fill=(20, 20, 20),
        )
    return out


BASE = [(0.2, 0.3), (0.5, 0.6), (0.7, 0.25)]

UNIFORM = {
    **{name: make for name, make in COPIES.items() if name != "watermark"},
    "crop 5%/side": lambda im: jpeg(crop(im, 0.05, 0.05, 0.05, 0.05)),
    "crop 3% left": lambda im: jpeg(crop(im, 0.03, 0, 0, 0)),
    "crop 5% bottom": lambda im: jpeg(crop(im, 0, 0, 0, 0.05)),
}


@pytest.mark.parametrize("name", list(UNIFORM))
def test_a_uniform_change_is_a_copy(name: str) -> None:
    for seed in (1, 2):
        img = with_objects(shot(scene(seed), 40, 30), BASE, 0.05)
        copy = Image.open(io.BytesIO(UNIFORM[name](img)))
        assert kind(img, copy) == verify.COPY, seed


def test_a_turned_copy_is_a_copy_under_its_turn() -> None:
    img = shot(scene(3), 40, 30)
    t = thumbs(img, img.transpose(ROT.ROTATE_90))
    # variant 5 of orientation.VARIANT_NAMES brings the turned copy back
    turned = [int(verify.classify(t[:1], verify.orient(t[1:], np.array([v])))[0]) for v in range(8)]
    assert verify.COPY in turned
    assert turned[0] != verify.COPY  # unturned, it is not a copy


@pytest.mark.parametrize("size", [0.03, 0.05, 0.07])
def test_a_moved_object_is_a_local_change_not_a_copy(size: float) -> None:
    for seed in (1, 2):
        bg = shot(scene(seed), 40, 30)
        first = with_objects(bg, BASE, size)
        moved = with_objects(bg, [BASE[0], BASE[1], (0.35, 0.7)], size)
        assert kind(first, moved) == verify.LOCAL, seed


def test_an_added_or_removed_object_is_a_local_change() -> None:
    bg = shot(scene(4), 40, 30)
    first = with_objects(bg, BASE, 0.05)
    assert kind(first, with_objects(bg, BASE[:2], 0.05)) == verify.LOCAL
    assert kind(first, with_objects(bg, [*BASE, (0.4, 0.1)], 0.05)) == verify.LOCAL


def test_a_watermark_is_a_copy_or_a_local_change() -> None:
    for seed in (1, 2, 3):
        img = shot(scene(seed), 40, 30)
        marked = Image.open(io.BytesIO(COPIES["watermark"](img)))
        assert kind(img, marked) in (verify.COPY, verify.LOCAL)


def test_other_pictures_are_different() -> None:
    for seed in (1, 2, 3):
        assert kind(shot(scene(seed)), shot(scene(seed + 10))) == verify.DIFFERENT


def test_near_flat_pictures_are_never_called_copies() -> None:
    grey = Image.new("RGB", (320, 240), (128, 128, 128))
    white = Image.new("RGB", (320, 240), (250, 250, 250))
    assert kind(grey, white) != verify.COPY
    sea = Image.new("RGB", (320, 240), (40, 60, 90))
    boat = with_objects(sea, [(0.3, 0.4)], 0.04)
    other_boat = with_objects(sea, [(0.6, 0.5)], 0.04)
    assert kind(boat, other_boat) != verify.COPY


def test_is_copy_is_classify_copy() -> None:
    img = shot(scene(5), 40, 30)
    t = thumbs(img, img, with_objects(img, BASE, 0.05), shot(scene(6)))
    a, b = t[[0, 0, 0]], t[[1, 2, 3]]
    assert verify.is_copy(a, b).tolist() == (verify.classify(a, b) == verify.COPY).tolist()
    assert verify.is_copy(a, b).tolist() == [True, False, False]


def test_the_thumbnail_is_64x64_band_limited_luma_in_4096_bytes() -> None:
    img = shot(scene(7), 40, 30).convert("L")
    _, stored = copy_signature(img)
    pixels = thumb.unpack(stored)
    assert pixels is not None and pixels.shape == (64, 64) and thumb.RAW_BYTES == 4096
    assert len(stored) < 4096  # packed: 5,464 characters as plain base64
    work = img.convert("F").resize((128, 128), Image.Resampling.BILINEAR)
    assert stored == thumb.thumbnail(work)
    # Pillow's own Gaussian (radius = sigma, here 2 pixels of the 128 image), then 2x2 boxes
    blurred = img.resize((128, 128), Image.Resampling.BILINEAR).filter(ImageFilter.GaussianBlur(2))
    small = np.asarray(blurred.resize((64, 64), Image.Resampling.BOX), dtype=np.float64)
    inner = (pixels - small)[3:-3, 3:-3]
    assert np.abs(inner).max() <= 3
    sharp = np.asarray(img.resize((64, 64), Image.Resampling.BOX), dtype=np.float64)[3:-3, 3:-3]
    assert np.abs(sharp - small[3:-3, 3:-3]).max() > 10  # a box average alone differs


def test_a_packed_thumbnail_unpacks_to_its_levels_and_nothing_else_does() -> None:
    rng = np.random.default_rng(3)
    for levels in (rng.integers(0, 256, (64, 64)), np.full((64, 64), 255), np.zeros((64, 64))):
        pixels = levels.astype(np.uint8)
        back = thumb.unpack(thumb.pack(pixels))
        assert back is not None and back.dtype == np.uint8
        assert np.array_equal(back, pixels)
    b64 = lambda raw: base64.b64encode(raw).decode("ascii")  # noqa: E731
    for bad in (
        None,
        42,
        "not base64!",
        b64(bytes(4096)),  # the plain bytes, not deflated
        b64(bytes(1024)),  # scan algorithm 5's 32x32 thumbnail
        b64(zlib.compress(bytes(4095))),  # one byte short
        b64(zlib.compress(bytes(10_000_000))),  # inflates far past a thumbnail: cut off
        b64(zlib.compress(bytes(4096)) + b"tail"),
    ):
        assert thumb.unpack(bad) is None, bad
    pics, valid = verify.decode([thumb.pack(np.zeros((64, 64), np.uint8)), "x", None])
    assert valid.tolist() == [True, False, False] and pics.shape == (3, 64, 64)


def _water(seed: int, x: int, y: int) -> Image.Image:
    """Near-flat water (grain of 3 levels) with one dark boat of ~12% of the width."""
    rng = np.random.default_rng(seed)
    base = np.full((480, 640, 3), (120, 110, 95), np.float32) + rng.normal(0, 3, (480, 640, 1))
    img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    ImageDraw.Draw(img).rectangle((x, y, x + 80, y + 16), fill=(40, 40, 45))
    return img


def test_a_weak_match_of_near_flat_pictures_is_at_most_the_same_scene() -> None:
    """Matched on the copy signature only, two near-flat pictures are not called copies: the
    verification could lay one small object onto another. Where the thumbnails have contrast,
    or the match is not weak, the verdict stands."""
    water = thumbs(_water(1, 100, 120), crop(_water(1, 100, 120), 0.02, 0.02, 0.02, 0.02))
    scene_pair = thumbs(shot(scene(3), 40, 30), crop(shot(scene(3), 40, 30), 0.02, 0, 0, 0))
    assert float(water.reshape(2, -1).std(axis=1).min()) < verify.FLAT_STD
    assert int(verify.classify(scene_pair[:1], scene_pair[1:])[0]) == verify.COPY
    copy = np.array([verify.COPY], dtype=np.int8)
    assert verify.weak_match(copy, water[:1], water[1:])[0] == verify.LOCAL
    assert verify.weak_match(copy, scene_pair[:1], scene_pair[1:])[0] == verify.COPY
    local = np.array([verify.LOCAL], dtype=np.int8)
    assert verify.weak_match(local, scene_pair[:1], scene_pair[1:])[0] == verify.LOCAL


def test_no_pairs_give_no_verdicts() -> None:
    none = np.zeros((0, verify.T, verify.T), dtype=np.float32)
    assert verify.classify(none, none).shape == (0,)
    assert verify.weak_match(np.zeros(0, dtype=np.int8), none, none).shape == (0,)
