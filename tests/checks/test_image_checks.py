"""Every image check over a varied set of records: its judgement keeps the score convention,
and builds a value and a message for every flagged row, damaged records included.

The records are real measurements of images made by tests/builders.py plus hand-made edge
records (errors, missing or damaged stats, odd modes, EXIF variants, values at each threshold's
boundaries, values of the wrong type), judged under several settings. Then evaluate() reusing
another evaluation's outcomes gives what evaluating from scratch gives.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from PIL import Image

from imgeda_ci.checks.registry import ImageCheck, all_checks
from imgeda_ci.columns import Columns
from imgeda_ci.evaluate import Evaluation, evaluate
from imgeda_ci.model import ERROR_CODES, ImageRecord
from imgeda_ci.policy import default_policy, parse_policy
from tests.builders import blurred, dark, encode, overexposed, photo, truncated_jpeg, with_exif
from tests.checks.helpers import analyze


def _scanned() -> list[ImageRecord]:
    gray = photo(3, (160, 120)).convert("L")
    rgb_gray = gray.convert("RGB")
    letterbox = np.asarray(photo(4, (200, 150))).copy()
    letterbox[:30] = 0
    letterbox[-30:] = 0
    vignette = np.asarray(photo(5, (200, 200))).copy()
    for y0, x0 in ((0, 0), (0, 170), (170, 0), (170, 170)):
        vignette[y0 : y0 + 30, x0 : x0 + 30] = 0
    frames = [photo(i, (64, 48)).convert("P") for i in range(3)]
    gif = Image.new("P", (64, 48))
    import io

    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    gif.close()
    items: list[tuple[bytes | Image.Image, str, str]] = [
        (photo(0, (320, 240)), "a.jpg", "JPEG"),
        (photo(1, (320, 240)), "b.png", "PNG"),
        (dark(2, (320, 240)), "dark.jpg", "JPEG"),
        (overexposed(3, (320, 240)), "over.jpg", "JPEG"),
        (blurred(4, (320, 240)), "blur.jpg", "JPEG"),
        (gray, "gray.png", "PNG"),
        (rgb_gray, "rgbgray.jpg", "JPEG"),
        (photo(6, (160, 120)).convert("RGBA"), "rgba.png", "PNG"),
        (photo(7, (160, 120)).convert("P"), "pal.png", "PNG"),
        (photo(8, (160, 120)).convert("CMYK"), "cmyk.jpg", "JPEG"),
        (Image.fromarray(np.asarray(gray).astype(np.uint16) * 256), "deep.png", "PNG"),
        (photo(9, (20, 16)), "tiny.png", "PNG"),
        (photo(10, (1200, 100)), "pano.jpg", "JPEG"),
        (Image.fromarray(letterbox), "letterbox.png", "PNG"),
        (Image.fromarray(vignette), "vignette.png", "PNG"),
        (Image.new("RGB", (100, 100), (128, 128, 128)), "flat.png", "PNG"),
        (buf.getvalue(), "anim.gif", "GIF"),
        (with_exif(photo(11, (160, 120)), orientation=6), "rot.jpg", "JPEG"),
        (with_exif(photo(12, (160, 120)), gps=(48.85, 2.35)), "gps.jpg", "JPEG"),
        (with_exif(photo(13, (160, 120)), serial="X123"), "serial.jpg", "JPEG"),
        (encode(photo(14, (160, 120)), "PNG"), "mismatch.jpg", "PNG"),
        (truncated_jpeg(photo(15, (320, 240))), "trunc.jpg", "JPEG"),
        (b"", "empty.jpg", "JPEG"),
        (b"not an image at all", "junk.png", "PNG"),
    ]
    return [analyze(data, path, fmt) for data, path, fmt in items]


# values at and around every default threshold and its ramp's fine / worst points
BOUNDARY = (
    0, 0.0, 0.005, 0.01, 0.02, 0.04, 0.2, 0.5, 1, 1.0, 2.9999, 3, 3.0, 4.5, 5, 6, 9.99, 10, 12,
    12.0001, 24, 30, 45, 44.999, 48, 50, 90, 110, 142.5, 190, 190.0001, 240, 255, 1e9,
    0.3, 0.3001, 0.8, 0.8001, 74.999, 75,
)  # fmt: skip


def _edge_records(template: ImageRecord) -> list[ImageRecord]:
    recs: list[dict[str, Any]] = []

    def add(**fields: Any) -> None:
        rec: dict[str, Any] = copy.deepcopy(dict(template))
        for key, value in fields.items():
            if value is _DELETE:
                rec.pop(key, None)
            else:
                rec[key] = value
        rec["path"] = f"edge/{len(recs):03d}.jpg"
        recs.append(rec)

    _stats_edges(template["stats"], add)
    _field_edges(template["stats"], add)
    return recs  # type: ignore[return-value]


def _stats_edges(st: dict[str, Any], add: Any) -> None:
    for v in BOUNDARY:
        stats = copy.deepcopy(st)
        stats["luma_p"] = {k: v for k in ("p1", "p5", "p50", "p95", "p99", "p999")}
        for key in ("luma_std", "entropy", "sharpness", "blur_sigma", "chroma_p99"):
            stats[key] = v
        stats["clip"] = {"low": [v] * 4, "high": [v] * 4}
        stats["pad"] = {s: min(1.0, v) for s in ("top", "bottom", "left", "right")}
        stats["pad"]["left"] = stats["pad"]["right"] = 0.0
        stats["border"] = {
            "top": [v, 1.0], "bottom": [v, 1.0], "left": [128.0, 1.0], "right": [128.0, 1.0],
            "corners": min(v, 49.0), "center": v,
        }  # fmt: skip
        add(stats=stats)
        add(stats={**stats, "luma_std": 4.0})  # blur judged at the MIN_STD edge
        side = max(1, int(v)) if v < 1e6 else 100
        add(width=side, height=side * 3, pixels=side * side * 3, size=int(v * 1e6 / 10))


def _field_edges(st: dict[str, Any], add: Any) -> None:
    for code in ERROR_CODES:
        add(error={"code": code, "message": f"{code} happened"}, stats=_DELETE)
    add(error={"code": "truncated", "message": ""})  # with stats kept: still not measured
    add(error={"code": "decode_error", "message": "x"}, exif={"orientation": 6})
    add(error={"code": "decode_error", "message": "x"}, exif={})
    add(error={}, stats=st)  # an empty error is no error
    add(stats=_DELETE)
    add(stats=None)
    add(stats={})
    add(stats={**st, "luma_p": {"p99": True, "p5": False}})
    add(stats={**st, "luma_p": {"p5": "10"}})
    add(stats={**st, "luma_p": None})
    add(stats={**st, "luma_std": True, "entropy": "3", "sharpness": None})
    add(stats={**st, "luma_std": float("inf"), "sharpness": float("inf"), "chroma_p99": -1.0})
    add(stats={**st, "luma_std": 20.0, "sharpness": float("-inf")})
    add(stats={**st, "pad": None})
    add(stats={**st, "border": {"top": [], "bottom": (5.0, 1.0), "corners": "x", "center": 200}})
    add(
        stats={
            **st,
            "pad": {"top": 0.5, "bottom": True, "left": 0.0, "right": "x"},
            "border": {"top": [True], "bottom": [250], "left": [0], "right": ["a"]},
        }
    )
    add(stats={**st, "pad": {"top": 0.3}, "border": {"top": [3.0, 0.0]}})
    for mode in ("RGB", "L", "LA", "CMYK", "P", "I;16", "RGBA", "1", "F", None, 5, ""):
        add(mode=mode)
        add(mode=mode, stats={**st, "chroma_p99": 1})
    add(mode=_DELETE)
    for depth in (8, 16, 1, True, "16", 16.0, None):
        add(bit_depth=depth)
    for frames in (0, 1, 2, True, 2.0, "3", None):
        add(frames=frames)
    add(frames=_DELETE)
    for w, h in ((0, 10), (-5, 10), (True, 40), (40.0, 40), (None, 3), (31, 32), (32, 32)):
        add(width=w, height=h)
    add(width=_DELETE)
    for size in (-1, 0, 25_000_000, 25_000_001, 100_000_000, True, 1.5, None):
        add(size=size)
    add(size=_DELETE)
    for mm in (True, False, None, "yes", 0):
        add(ext_mismatch=mm, ext="jpg", format="PNG")
    add(ext_mismatch=_DELETE)
    for fmt in ("JPEG", "jpg", "MPO", "heic", "HEIF", "TIF", "tiff", "PSD", None, 5, ""):
        add(format=fmt)
    exifs: list[Any] = [
        None, {}, {"orientation": 6}, {"orientation": 1}, {"orientation": 9},
        {"orientation": True}, {"orientation": "6"}, {"orientation": 8.0},
        {"gps": True, "lat": 1.5, "lon": 2.5}, {"gps": True}, {"gps": 0}, {"gps": "yes"},
        {"owner": True}, {"serial": 1}, {"owner": True, "serial": True}, {"owner": ""},
    ]  # fmt: skip
    for exif in exifs:
        add(exif=exif)


_DELETE = object()

# damaged records: their values of the wrong shape are missing (imgeda_ci.measurements)
ODD: list[dict[str, Any]] = [
    {"path": "odd/nan.jpg", "stats": {"luma_std": float("nan"), "sharpness": 5.0}},
    {"path": "odd/np.jpg", "stats": {"luma_std": np.float64(3.0), "sharpness": np.float64(1)}},
    {"path": "odd/statslist.jpg", "stats": ["x"]},
    {"path": "odd/modelist.jpg", "mode": ["RGB"], "stats": {"chroma_p99": 1}},
    {"path": "odd/bigpix.jpg", "width": 2**30, "height": 2**30},
    {"path": "odd/exifstr.jpg", "exif": ""},
    {"path": "odd/exiflist.jpg", "exif": []},
]


@pytest.fixture(scope="module")
def records() -> list[ImageRecord]:
    scanned = _scanned()
    template = next(r for r in scanned if r["path"] == "a.jpg")
    return scanned + _edge_records(template) + ODD  # type: ignore[operator]


def _variants(check: ImageCheck) -> Iterator[tuple[float | None, dict[str, Any] | None]]:
    """Default settings, thresholds around the default (including degenerate ramps), options."""
    t = check.default_threshold
    thresholds: list[float | None] = [None]
    if t is not None:
        thresholds += [t, t * 0.5, t * 2, 0, 1, 45, 0.02]
    opts: list[dict[str, Any] | None] = [None]
    if check.id == "too_small":
        opts += [
            {"min_width": 33},
            {"min_height": 100, "min_pixels": 5000},
            {"min_width": True, "min_pixels": 1},
        ]
    if check.id == "disallowed_format":
        opts += [{"allowed": ("png",)}, {"allowed": ()}, {"allowed": ("jpg", "tif")}]
    if check.id == "unusual_mode":
        opts += [{"allowed_modes": ("RGB", "L", "RGBA")}, {"allowed_modes": ()}]
        opts += [{"max_bit_depth": 16}, {"max_bit_depth": 1}, {"max_bit_depth": None}]
    if check.id == "border_artifact":
        opts += [{"corner_delta": None}, {"corner_delta": 0}, {"corner_delta": 50.5}]
    yield from itertools.product(thresholds, opts)


def _image_checks() -> list[ImageCheck]:
    return [c for c in all_checks().values() if isinstance(c, ImageCheck)]


@pytest.mark.parametrize("check_id", sorted(c.id for c in _image_checks()))
def test_judgement_keeps_the_score_convention(check_id: str, records: list[ImageRecord]) -> None:
    check = all_checks()[check_id]
    assert isinstance(check, ImageCheck)
    judged_rows = 0
    for threshold, options in _variants(check):
        judged = check.judge(Columns(records), threshold, options)
        for a in (judged.applies, judged.flagged, judged.score):
            assert a.shape == (len(records),)
        for i in np.flatnonzero(judged.applies).tolist():
            where = f"{check_id} t={threshold} {options} {records[i]['path']}"
            score = float(judged.score[i])
            assert 0.0 <= score <= 1.0, where
            assert (score < 0.5) == bool(judged.flagged[i]), f"{where}: {score}"
            judged_rows += 1
            if judged.flagged[i]:
                assert judged.message(i), where
                value = judged.value(i)
                assert value is None or isinstance(value, int | float | str), where
    assert judged_rows > 0


def _key(ev: Evaluation) -> Any:
    return (
        [(f.to_json(), f.scope) for f in ev.findings],
        ev.quality,
        [(r.check, r.scope, r.images, r.checked) for r in ev.runs],
        ev.applied,
        ev.waiver_hits,
    )


POLICY = """
checks:
  dark: {threshold: 60}
  too_small: {options: {min_width: 100}}
overrides:
  - paths: ["edge/0*"]
    checks:
      dark: {threshold: 20, severity: error}
      blurry: {severity: "off"}
      border_artifact: {options: {corner_delta: 10}}
  - paths: ["edge/01*"]
    checks:
      dark: {threshold: 100}
waivers:
  - paths: ["edge/00*"]
    checks: [low_contrast]
    reason: known
"""


@pytest.mark.parametrize("policy_text", ["", POLICY])
def test_evaluate_reusing_outcomes_equals_evaluating(
    policy_text: str, records: list[ImageRecord]
) -> None:
    policy = parse_policy(policy_text) if policy_text else default_policy()
    head = evaluate(records, policy)
    assert len(head.findings) > 50
    base = [dict(r) for r in records[::2]] + [{**records[1], "sha256": "other"}]
    reused_key = _key(evaluate(base, policy, reuse=head))  # type: ignore[arg-type]
    plain_key = _key(evaluate(base, policy))  # type: ignore[arg-type]
    assert sorted(map(repr, reused_key[0])) == sorted(map(repr, plain_key[0]))
    assert reused_key[1:] == plain_key[1:]


def _pixels(r: Any) -> float | None:
    """Width x height by the measurement rule: ints or floats, not bools; no error."""
    w, h = r.get("width"), r.get("height")
    ok = all(type(v) in (int, float) and v == v for v in (w, h))
    return None if r.get("error") or not ok else float(w * h)


def _bytes(r: Any) -> float | None:
    s = r.get("size")
    return None if r.get("error") or type(s) not in (int, float) else float(s)


def test_outliers_match_the_plain_values(records: list[ImageRecord]) -> None:
    """The outlier checks flag what the fences of the plain values say."""
    from imgeda_ci.checks import outliers
    from imgeda_ci.checks.registry import DatasetContext

    rows = [{**r, "path": f"{k}/{r['path']}"} for k in range(3) for r in records]
    for check_id, get in (("resolution_outlier", _pixels), ("file_size_outlier", _bytes)):
        for k in (0.0, 0.5, 3.0):
            found = all_checks()[check_id].run(DatasetContext(rows), k)  # type: ignore[arg-type]
            vals = [(r["path"], v) for r in rows if (v := get(r)) is not None and v > 0]
            logs = np.log10(np.asarray([v for _, v in vals]))
            q1, q3 = (float(x) for x in np.percentile(logs, [25, 75]))
            lo = min(q1 - k * (q3 - q1), q1 - outliers.MIN_FACTOR)
            hi = max(q3 + k * (q3 - q1), q3 + outliers.MIN_FACTOR)
            want = [pv for pv, lv in zip(vals, logs.tolist(), strict=True) if not lo <= lv <= hi]
            assert [(f.paths[0], f.value) for f in found] == want


def test_evaluate_reads_the_columns_it_is_given(records: list[ImageRecord]) -> None:
    """Columns passed in are the ones the image and the dataset checks read (their cache
    fills), and the result is the same as with columns made inside."""
    cols = Columns(records)
    given = evaluate(records, default_policy(), cols=cols)
    assert _key(given) == _key(evaluate(records, default_policy()))
    assert "stats.luma_p.p999" in cols._measured  # the image checks read these columns
    assert "dupes.content" in cols._derived  # and so did the duplicate checks
