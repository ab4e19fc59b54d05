"""One file in, one record out: every error code from a file made here, and the measurements."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import zlib
from importlib.util import find_spec
from pathlib import Path

import imagehash
import numpy as np
import pytest
from PIL import Image

from imgeda_ci.model import ERROR_CODES
from imgeda_ci.scan.analyze import analyze_bytes, analyze_path, finalize, git_oid
from imgeda_ci.scan.hashes import hamming, hash_base
from imgeda_ci.scan.settings import Settings
from tests.builders import encode, photo, truncated_jpeg, with_exif

S = Settings()


def code(rec: dict) -> str | None:  # type: ignore[type-arg]
    err = rec.get("error")
    return err["code"] if err else None


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height, with a tiny (invalid) IDAT."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 16))
        + chunk(b"IEND", b"")
    )


# --- every error code -------------------------------------------------------------------------


def test_empty_file() -> None:
    assert code(analyze_bytes(b"", S)) == "empty_file"


def test_not_an_image() -> None:
    rec = analyze_bytes(b"hello, I am a text file\n" * 10, S)
    assert code(rec) == "not_an_image"
    assert rec["sha256"]


def test_git_lfs_pointer() -> None:
    oid = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393"
    ptr = f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize 12345\n"
    rec = analyze_bytes(ptr.encode(), S)
    assert code(rec) == "lfs_pointer"
    assert rec["error"] and "12345-byte" in rec["error"]["message"]
    # a text that merely starts like one (no oid line) is not
    assert code(analyze_bytes(ptr.split("oid")[0].encode() * 3, S)) == "not_an_image"


def test_unsupported_format_heic() -> None:
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(200)
    rec = analyze_bytes(heic, S)
    # without the [heif] extra: a format this install cannot decode; with it: a broken HEIC
    assert code(rec) == ("decode_error" if find_spec("pillow_heif") else "unsupported_format")
    assert rec["format"] == "HEIF"


def test_truncated_jpeg() -> None:
    assert code(analyze_bytes(truncated_jpeg(keep=0.5), S)) == "truncated"


def test_truncated_png() -> None:
    data = encode(photo(3), "PNG")
    assert code(analyze_bytes(data[: len(data) // 2], S)) == "truncated"


def test_decode_error_png() -> None:
    png = encode(photo(3), "PNG")
    k = png.find(b"IDAT") + 2000
    bad = png[:k] + bytes(200) + png[k + 200 :]
    assert code(analyze_bytes(bad, S)) == "decode_error"


def test_corrupt_jpeg_restart_intervals() -> None:
    data = encode(photo(2), "JPEG", quality=85, restart_marker_blocks=4)
    assert code(analyze_bytes(data, S)) is None
    i, j = data.find(b"\xff\xd3"), data.find(b"\xff\xd4")
    rec = analyze_bytes(data[:i] + data[j:], S)
    assert code(rec) == "corrupt_data"
    assert "restart markers" in rec["error"]["message"]  # type: ignore[index]


def test_decompression_bomb_refused_before_decoding() -> None:
    rec = analyze_bytes(png_header_only(100_000, 100_000), S)
    assert code(rec) == "decompression_bomb"
    assert rec["pixels"] == 10_000_000_000
    assert "stats" not in rec


def test_decompression_bomb_limit_is_a_setting() -> None:
    data = encode(photo(1, (100, 100)), "PNG")
    assert code(analyze_bytes(data, Settings(max_pixels=10_000))) is None
    assert code(analyze_bytes(data, Settings(max_pixels=9_999))) == "decompression_bomb"


def test_vanished_and_read_error(tmp_path: Path) -> None:
    assert code(analyze_path(str(tmp_path / "gone.jpg"), S)) == "vanished"
    (tmp_path / "dir.jpg").mkdir()
    assert code(analyze_path(str(tmp_path / "dir.jpg"), S)) == "read_error"


def test_permission_denied(tmp_path: Path) -> None:
    p = tmp_path / "secret.jpg"
    p.write_bytes(encode(photo(1)))
    p.chmod(0o000)
    tmp_path.chmod(0o755)
    if os.geteuid() != 0:
        assert code(analyze_path(str(p), S)) == "permission_denied"
        return
    # root reads everything: ask a forked child that dropped to an unprivileged user
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            os.setgid(65534)
            os.setuid(65534)
            os.write(w, str(code(analyze_path(str(p), S))).encode())
        finally:
            os._exit(0)
    os.close(w)
    os.waitpid(pid, 0)
    got = os.read(r, 100).decode()
    os.close(r)
    assert got == "permission_denied"


def test_timeout_in_decoder() -> None:
    # a 60 MP PNG of zeros compresses to a few hundred KB and takes far more than 1 ms to decode
    big = Image.new("L", (8000, 7500))
    data = encode(big, "PNG", compress_level=1)
    rec = analyze_bytes(data, Settings(timeout=0.001))
    assert code(rec) == "timeout"


def test_every_error_code_is_documented_and_tested() -> None:
    tests = Path(__file__).parent
    remote = sorted(tests.parent.glob("remote/test_*.py"))  # download and bucket error codes
    sources = [Path(__file__), tests / "test_pool.py", *remote]
    here = "".join(p.read_text() for p in sources)
    for c in ERROR_CODES:
        assert f'"{c}"' in here, f"no test produces error code {c}"


# --- facts and measurements -------------------------------------------------------------------


def test_header_facts_and_hashes() -> None:
    data = encode(photo(5, (800, 600)), "JPEG", quality=90)
    rec = analyze_bytes(data, S)
    assert code(rec) is None
    assert (rec["width"], rec["height"], rec["pixels"]) == (800, 600, 480_000)
    assert (rec["format"], rec["mode"], rec["channels"], rec["bit_depth"], rec["frames"]) == (
        "JPEG", "RGB", 3, 8, 1,
    )  # fmt: skip
    assert rec["git_oid"] == git_oid(data)
    assert rec["stats"]["analysis_size"] == [512, 384]
    assert len(rec["phash"]) == len(rec["dhash"]) == 64


def test_git_oid_matches_git(tmp_path: Path) -> None:
    data = encode(photo(1))
    (tmp_path / "a.jpg").write_bytes(data)
    out = subprocess.run(
        ["git", "hash-object", str(tmp_path / "a.jpg")], capture_output=True, text=True
    )
    if out.returncode != 0:
        pytest.skip("git is not installed")
    assert out.stdout.strip() == git_oid(data)


def test_git_oid_matches_a_sha256_repository(tmp_path: Path) -> None:
    data = encode(photo(1))
    (tmp_path / "a.jpg").write_bytes(data)
    init = subprocess.run(
        ["git", "init", "-q", "--object-format=sha256", str(tmp_path / "r")], capture_output=True
    )
    if init.returncode != 0:
        pytest.skip("this git cannot make SHA-256 repositories")
    out = subprocess.run(
        ["git", "-C", str(tmp_path / "r"), "hash-object", str(tmp_path / "a.jpg")],
        capture_output=True,
        text=True,
    )
    assert out.stdout.strip() == git_oid(data, sha256=True)
    assert len(git_oid(data, sha256=True)) == 64


def test_hashes_equal_imagehash_on_the_same_image() -> None:
    img = photo(7).convert("L")
    base = hash_base(img)
    from imgeda_ci.scan.hashes import dhash, phash

    assert phash(base) == str(imagehash.phash(base, hash_size=16))
    assert dhash(base) == str(imagehash.dhash(base, hash_size=16))


def test_sixteen_bit_png_is_scaled_not_clipped() -> None:
    arr = (np.linspace(0, 65535, 256 * 64).reshape(64, 256)).astype(np.uint16)
    data = encode(Image.fromarray(arr), "PNG")
    rec = analyze_bytes(data, S)
    assert code(rec) is None
    assert rec["bit_depth"] == 16
    assert 120 < rec["stats"]["luma_mean"] < 135  # a full ramp, not clipped to white


def test_palette_alpha_cmyk_and_animation() -> None:
    pal = photo(1).convert("P")
    assert analyze_bytes(encode(pal, "PNG"), S)["mode"] == "P"
    cmyk = analyze_bytes(encode(photo(1).convert("CMYK"), "JPEG"), S)
    assert cmyk["mode"] == "CMYK" and cmyk["channels"] == 4 and code(cmyk) is None
    frames = [photo(i, (64, 48)) for i in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    assert analyze_bytes(buf.getvalue(), S)["frames"] == 3


def test_dark_and_bright_luma_percentiles() -> None:
    dark = analyze_bytes(encode(Image.new("RGB", (300, 200), (10, 10, 10))), S)["stats"]
    bright = analyze_bytes(encode(Image.new("RGB", (300, 200), (250, 250, 250))), S)["stats"]
    assert dark["luma_p"]["p95"] < 20 < 240 < bright["luma_p"]["p5"]


@pytest.mark.slow
def test_blur_lowers_sharpness_at_any_resolution() -> None:
    from PIL import ImageFilter

    for size in ((640, 480), (2560, 1920)):
        sharp = photo(3, size)
        blurred = sharp.filter(ImageFilter.GaussianBlur(size[0] / 200))
        s1 = analyze_bytes(encode(sharp, "PNG"), S)["stats"]["sharpness"]
        s2 = analyze_bytes(encode(blurred, "PNG"), S)["stats"]["sharpness"]
        assert s2 < s1 / 3


def test_gray_rgb_has_no_chroma() -> None:
    gray_rgb = photo(2).convert("L").convert("RGB")
    st = analyze_bytes(encode(gray_rgb, "PNG"), S)["stats"]
    assert st["chroma_p99"] == 0 and st["colorfulness"] == 0
    assert analyze_bytes(encode(photo(2), "PNG"), S)["stats"]["colorfulness"] > 10


def test_letterbox_padding_measured() -> None:
    img = Image.new("RGB", (640, 480), (0, 0, 0))
    img.paste(photo(4, (640, 360)), (0, 60))
    pad = analyze_bytes(encode(img, "PNG"), S)["stats"]["pad"]
    assert pad["top"] == pytest.approx(0.125, abs=0.01)
    assert pad["bottom"] == pytest.approx(0.125, abs=0.01)
    assert pad["left"] == 0.0


def test_gps_serial_and_make() -> None:
    rec = analyze_bytes(with_exif(photo(1), make="Canon", gps=(43.4674, -11.885), serial="X1"), S)
    ex = rec["exif"]
    assert ex is not None
    assert ex["make"] == "Canon" and ex["gps"] and ex["serial"]
    assert ex["lat"] == pytest.approx(43.4674, abs=1e-4)
    assert ex["lon"] == pytest.approx(-11.885, abs=1e-4)


def test_invalid_exif_does_not_fail_the_image() -> None:
    data = encode(photo(1))
    app1 = b"Exif\x00\x00" + b"II*\x00" + struct.pack("<I", 0x46000001) + bytes(20)
    seg = b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1
    rec = analyze_bytes(data[:2] + seg + data[2:], S)
    assert code(rec) is None
    assert rec["stats"]


_INVERSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


@pytest.mark.parametrize("orientation", range(2, 9))
def test_exif_orientation_gives_the_upright_measurements(orientation: int) -> None:
    upright = photo(11, (640, 480))
    ref = analyze_bytes(encode(upright, "PNG"), S)
    stored = upright.transpose(_INVERSE[orientation])
    rec = analyze_bytes(with_exif(stored, "PNG", orientation=orientation), S)
    assert rec["exif"]["orientation"] == orientation  # type: ignore[index]
    a, b = ref["stats"], rec["stats"]
    assert b["analysis_size"] == a["analysis_size"] == [512, 384]
    for key in ("luma_mean", "luma_std", "entropy", "colorfulness", "sharpness"):
        assert b[key] == pytest.approx(a[key], rel=1e-3), key
    assert b["mean"] == pytest.approx(a["mean"], rel=1e-3)
    assert b["border"]["top"] == pytest.approx(a["border"]["top"], rel=1e-3)
    assert hamming(rec["phash"], ref["phash"]) == 0
    assert hamming(rec["dhash"], ref["dhash"]) == 0


def test_pixel_identity_ignores_metadata() -> None:
    img = photo(9)
    plain = encode(img, "JPEG", quality=88)
    comment = b"edited by someone"
    segment = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    tagged = plain[:2] + segment + plain[2:]  # same coded pixels, different bytes
    a, b = analyze_bytes(plain, S), analyze_bytes(tagged, S)
    assert a["sha256"] != b["sha256"]
    assert a["pixel_sha256"] == b["pixel_sha256"]
    png, bmp = analyze_bytes(encode(img, "PNG"), S), analyze_bytes(encode(img, "BMP"), S)
    assert png["pixel_sha256"] == bmp["pixel_sha256"]
    assert analyze_bytes(encode(img, "JPEG", quality=60), S)["pixel_sha256"] != a["pixel_sha256"]


def test_extension_mismatch() -> None:
    png = analyze_bytes(encode(photo(1), "PNG"), S)
    assert finalize(dict(png), "a/photo.jpg")["ext_mismatch"] is True  # type: ignore[arg-type]
    assert finalize(dict(png), "a/photo.PNG")["ext_mismatch"] is False  # type: ignore[arg-type]
    jpg = analyze_bytes(encode(photo(1), "JPEG"), S)
    assert finalize(dict(jpg), "x.jpeg")["ext_mismatch"] is False  # type: ignore[arg-type]


def test_fast_depth_does_not_decode() -> None:
    rec = analyze_bytes(truncated_jpeg(keep=0.6), Settings(depth="fast"))
    assert code(rec) is None  # the header is fine; only a decode finds the truncation
    assert rec["depth"] == "fast" and "stats" not in rec and rec["width"] == 640


def test_deep_depth_hashes_full_pixels() -> None:
    img = photo(2)
    jpg = encode(img, "JPEG", quality=95)
    deep = analyze_bytes(jpg, Settings(depth="deep"))
    decoded = Image.open(io.BytesIO(jpg))
    decoded.load()
    png = analyze_bytes(encode(decoded, "PNG"), Settings(depth="deep"))
    assert deep["pixel_sha256"] == png["pixel_sha256"]


def test_deterministic() -> None:
    data = encode(photo(4), "JPEG")
    assert analyze_bytes(data, S) == analyze_bytes(data, S)
