"""Hostile image files made here: every format Pillow can write (and a few it only reads, built by
hand), damaged headers, odd DDS pixel formats, huge declared sizes, zero-length chunks, and seeded
random byte flips and truncations of the valid files.

Used by ``tests/scan/test_hostile_corpus.py``, ``tests/scan/test_decode_fuzz.py`` and
``benchmarks/bench_hostile.py``. Nothing is read from disk or the network.
"""

from __future__ import annotations

import io
import random
import struct
import subprocess
import sys
import warnings
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from PIL import Image

#: format -> (extension, mode to save in, save options)
WRITABLE: dict[str, tuple[str, str, dict[str, object]]] = {
    "PNG": ("png", "RGB", {}),
    "PNG16": ("png", "I;16", {}),
    "JPEG": ("jpg", "RGB", {"quality": 85}),
    "JPEG_PROGRESSIVE": ("jpg", "RGB", {"progressive": True}),
    "GIF": ("gif", "P", {}),
    "BMP": ("bmp", "RGB", {}),
    "BMP_RLE": ("bmp", "P", {}),
    "TIFF": ("tif", "RGB", {}),
    "TIFF_LZW": ("tif", "RGB", {"compression": "tiff_lzw"}),
    "TIFF_DEFLATE": ("tif", "RGB", {"compression": "tiff_adobe_deflate"}),
    "TIFF_JPEG": ("tif", "RGB", {"compression": "jpeg"}),
    "TIFF_PACKBITS": ("tif", "L", {"compression": "packbits"}),
    "WEBP": ("webp", "RGB", {"quality": 80}),
    "WEBP_LOSSLESS": ("webp", "RGBA", {"lossless": True}),
    "ICO": ("ico", "RGBA", {"sizes": [(32, 32)]}),
    "ICNS": ("icns", "RGBA", {}),
    "TGA": ("tga", "RGB", {}),
    "TGA_RLE": ("tga", "RGB", {"compression": "tga_rle"}),
    "PCX": ("pcx", "RGB", {}),
    "PPM": ("ppm", "RGB", {}),
    "SGI": ("sgi", "RGB", {}),
    "DDS": ("dds", "RGB", {}),
    "IM": ("im", "RGB", {}),
    "QOI": ("qoi", "RGB", {}),
    "MSP": ("msp", "1", {}),
    "XBM": ("xbm", "1", {}),
    "BLP": ("blp", "P", {}),
    "JPEG2000": ("jp2", "RGB", {}),
    "DIB": ("dib", "RGB", {}),
}


def picture(size: tuple[int, int] = (48, 40), seed: int = 0) -> Image.Image:
    """A small textured RGB picture (gradients and noise), so that codecs have real work."""
    rng = np.random.default_rng(seed)
    w, h = size
    y, x = np.mgrid[0:h, 0:w]
    arr = np.stack([x * 255 // w, y * 255 // h, (x * y) % 256], axis=-1)
    arr = np.clip(arr + rng.integers(-20, 20, arr.shape), 0, 255).astype(np.uint8)
    return Image.fromarray(arr, "RGB")


def _save(name: str, img: Image.Image) -> bytes:
    _ext, mode, options = WRITABLE[name]
    fmt = name.split("_")[0].replace("PNG16", "PNG")
    buf = io.BytesIO()
    converted = img.convert("L").convert(mode) if mode in ("I;16", "1") else img.convert(mode)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # IM: removed in Pillow 15
        converted.save(buf, fmt, **options)
    return buf.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(width: int, height: int, idat: bytes | None = None, *, extra: bytes = b"") -> bytes:
    """An 8-bit RGB PNG of the declared size; ``idat`` None: black (at most 64 KiB of rows)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"\0" * min(height * (1 + 3 * width), 1 << 16)  # all of a small image's rows
    body = zlib.compress(rows) if idat is None else idat
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + extra
        + _chunk(b"IDAT", body)
        + _chunk(b"IEND", b"")
    )


def dds(pfflags: int, fourcc: bytes = b"\0\0\0\0", dxgi: int | None = None, size: int = 4) -> bytes:
    """A DDS file: 124-byte header, the given pixel-format flags / FourCC / DXGI format."""
    head = struct.pack("<6I", 0x1007, size, size, 0, 0, 0) + bytes(44)
    pixel_format = struct.pack("<2I", 32, pfflags) + fourcc + struct.pack("<5I", 0, 0, 0, 0, 0)
    out = b"DDS " + struct.pack("<I", 124) + head + pixel_format + bytes(20)
    if dxgi is not None:
        out += struct.pack("<5I", dxgi, 3, 0, 1, 0)
    return out + bytes(size * size * 4)


def psd(width: int, height: int, *, mode: int = 3, channels: int = 3, depth: int = 8) -> bytes:
    """A flat, uncompressed PSD (mode 3 = RGB) of mid-grey."""
    head = b"8BPS" + struct.pack(">H6xHIIHH", 1, channels, height, width, depth, mode)
    pixels = bytes([128]) * (width * height * channels * max(1, depth // 8))
    return head + struct.pack(">III", 0, 0, 0) + struct.pack(">H", 0) + pixels


def fli(width: int, height: int, *, frames: int = 1, magic: int = 0xAF11) -> bytes:
    """An FLI animation whose frames are one FLI_COPY chunk (raw palette indices) each."""
    body = (bytes(range(256)) * (width * height // 256 + 1))[: width * height]
    chunk = struct.pack("<IH", 6 + len(body), 16) + body + b"\0" * (len(body) % 2)
    frame = struct.pack("<IHH8x", 16 + len(chunk), 0xF1FA, 1) + chunk
    head = struct.pack(
        "<IHHHHHHI", 128 + len(frame) * frames, magic, frames, width, height, 8, 0, 5
    )
    return head + bytes(128 - len(head)) + frame * frames


def valid_files(seed: int = 0) -> dict[str, bytes]:
    """One valid file of each format: name -> bytes (the name ends with the extension)."""
    img = picture(seed=seed)
    out = {f"{name.lower()}.{WRITABLE[name][0]}": _save(name, img) for name in WRITABLE}
    out["psd.psd"] = psd(24, 16)
    out["fli.fli"] = fli(24, 16, frames=2)
    out["dds_dxt1.dds"] = dds(4, b"DXT1", size=8)
    return out


#: crafted name -> (bytes, the error codes it may get); None: it decodes without an error
Crafted = dict[str, tuple[bytes, frozenset[str | None]]]


def _codes(*codes: str | None) -> frozenset[str | None]:
    return frozenset(codes)


UNSUPPORTED = _codes("unsupported_format")
BOMB = _codes("decompression_bomb")
BROKEN = _codes("decode_error", "truncated")
#: a damaged header Pillow's plugins refuse at open (SyntaxError): no plugin claims the file
UNCLAIMED = _codes("not_an_image")


def _ihdr(width: int, height: int) -> bytes:
    return _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))


def _dds_files() -> Crafted:
    """Pillow's DDS plugin raises NotImplementedError for the first five (issue 17)."""
    dx10, luminance = b"DX10", dds(0x20000)
    return {
        "dds_dxgi_93.dds": (dds(4, dx10, dxgi=93), UNSUPPORTED),
        "dds_dxgi_0.dds": (dds(4, dx10, dxgi=0), UNSUPPORTED),
        "dds_flags_8.dds": (dds(8), UNSUPPORTED),
        "dds_flags_0.dds": (dds(0), UNSUPPORTED),
        "dds_fourcc_zzzz.dds": (dds(4, b"ZZZZ"), UNSUPPORTED),
        "dds_luminance_12bit.dds": (_patch(luminance, 88, struct.pack("<I", 12)), BROKEN),
        "dds_header_size_0.dds": (_patch(dds(4), 4, bytes(4)), BROKEN),
        "dds_huge.dds": (_patch(dds(4, b"DXT1"), 12, struct.pack("<2I", 70000, 70000)), BOMB),
    }


def _png_files() -> Crafted:
    magic, iend = b"\x89PNG\r\n\x1a\n", _chunk(b"IEND", b"")
    empty_text = _chunk(b"tEXt", b"") + _chunk(b"zTXt", b"")
    return {
        "png_bomb.png": (png(100_000, 100_000), BOMB),
        "png_wide_bomb.png": (png(2**31 - 1, 1), BOMB),
        "png_empty_idat.png": (png(16, 16, b""), BROKEN),
        "png_no_idat.png": (magic + _ihdr(4, 4) + iend, BROKEN),
        "png_zero_size.png": (png(0, 0), UNCLAIMED),
        "png_bad_zlib.png": (png(16, 16, b"\x78\x9c" + bytes(40)), BROKEN),
        "png_empty_text.png": (png(4, 4, extra=empty_text), _codes(None)),
        "png_bad_iccp.png": (png(4, 4, extra=_chunk(b"iCCP", b"x\0\7" + bytes(8))), UNCLAIMED),
    }


def _other_files() -> Crafted:
    def saved(name: str) -> bytes:
        return _save(name, picture((8, 8)))

    ico_entry = struct.pack("<BBBBHHII", 16, 16, 0, 0, 1, 32, 10**6, 22)
    icns_block = b"icns" + struct.pack(">I", 24) + b"ic08" + struct.pack(">I", 4) + bytes(8)
    tga_7bit = struct.pack("<BBBHHBHHHHBB", 0, 0, 2, 0, 0, 0, 0, 0, 8, 8, 7, 0) + bytes(64)
    return {
        "psd_bomb.psd": (psd(30_000, 30_000)[:26] + bytes(100), BOMB),
        "psd_mode_99.psd": (psd(8, 8, mode=99), UNCLAIMED),
        "psd_depth_7.psd": (psd(8, 8, depth=7), UNCLAIMED),
        "psd_channels_0.psd": (psd(8, 8, channels=0), BROKEN),
        "fli_zero_size.fli": (fli(0, 0), UNCLAIMED),
        "fli_cut.fli": (fli(8, 8, frames=3)[:140], UNCLAIMED),
        "gif_zero_frame.gif": (
            b"GIF89a" + bytes([4, 0, 4, 0, 0, 0, 0]) + b"," + bytes(9) + b";",
            BROKEN,
        ),
        "ico_no_images.ico": (b"\0\0\1\0\0\0", UNCLAIMED),
        "ico_bad_entry.ico": (b"\0\0\1\0\1\0" + ico_entry, UNCLAIMED),
        "icns_empty.icns": (b"icns" + struct.pack(">I", 8), UNCLAIMED),
        "icns_bad_block.icns": (icns_block, UNCLAIMED),
        "tga_7bit.tga": (tga_7bit, UNCLAIMED),
        "bmp_compression_9.bmp": (_patch(saved("BMP"), 30, struct.pack("<I", 9)), BROKEN),
        "bmp_huge.bmp": (_patch(saved("BMP"), 18, struct.pack("<ii", 60_000, 60_000)), BOMB),
        "tiff_huge.tif": (_patch_tiff_size(saved("TIFF"), 100_000), BOMB),
        "sgi_mode_9.sgi": (_patch(saved("SGI"), 10, struct.pack(">H", 9)), UNSUPPORTED),
        "pcx_version_3.pcx": (_patch(saved("PCX"), 3, b"\x03"), UNSUPPORTED),
        "qoi_huge.qoi": (_patch(saved("QOI"), 4, struct.pack(">II", 50_000, 50_000)), BOMB),
        "jpeg_header_only.jpg": (_save("JPEG", picture())[:200], BROKEN),
        "webp_empty_vp8.webp": (b"RIFF" + struct.pack("<I", 12) + b"WEBPVP8 " + bytes(4), BROKEN),
    }


def crafted_files() -> Crafted:
    """Files with one planted problem each, and the error codes each may get."""
    return {**_dds_files(), **_png_files(), **_other_files()}


def _patch(data: bytes, at: int, new: bytes) -> bytes:
    return data[:at] + new + data[at + len(new) :]


def _patch_tiff_size(data: bytes, side: int) -> bytes:
    """Make the ImageWidth (256) and ImageLength (257) tags of a little-endian TIFF LONGs of
    ``side``."""
    (ifd,) = struct.unpack("<I", data[4:8])
    (count,) = struct.unpack("<H", data[ifd : ifd + 2])
    for k in range(count):
        at = ifd + 2 + 12 * k
        (tag,) = struct.unpack("<H", data[at : at + 2])
        if tag in (256, 257):
            data = _patch(data, at + 2, struct.pack("<HII", 4, 1, side))
    return data


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One seeded mutation: flips of a few bytes, a truncation, a zeroed or duplicated span."""
    kind = rng.randrange(5)
    n = len(data)
    if kind == 0:  # a few random bytes changed, mostly near the header
        buf = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(min(n, 256)) if rng.random() < 0.7 else rng.randrange(n)
            buf[i] = rng.randrange(256)
        return bytes(buf)
    if kind == 1:  # single bit flips anywhere
        buf = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(n)
            buf[i] ^= 1 << rng.randrange(8)
        return bytes(buf)
    if kind == 2:  # truncated
        return data[: rng.randrange(1, n)]
    if kind == 3:  # a span zeroed or set to 0xFF
        i = rng.randrange(n)
        j = min(n, i + rng.randint(1, 64))
        return data[:i] + bytes([rng.choice((0, 255))]) * (j - i) + data[j:]
    i = rng.randrange(n)  # a span repeated
    j = min(n, i + rng.randint(1, 64))
    return data[:j] + data[i:j] * rng.randint(1, 4) + data[j:]


def fuzzed(
    count: int, seed: int, base: dict[str, bytes] | None = None
) -> Iterator[tuple[str, bytes]]:
    """``count`` mutated copies of the valid files, round-robin over formats: (name, bytes)."""
    rng = random.Random(seed)
    base = base or valid_files(seed)
    names = sorted(base)
    for k in range(count):
        name = names[k % len(names)]
        stem, ext = name.rsplit(".", 1)
        yield f"fuzz_{k:05d}_{stem}.{ext}", mutate(base[name], rng)


def write_all(folder: Path, files: Iterable[tuple[str, bytes]]) -> list[str]:
    """Write ``(name, bytes)`` pairs into ``folder``; the names, in order."""
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for name, data in files:
        (folder / name).write_bytes(data)
        names.append(name)
    return names


def scan_cli(
    folder: Path, manifest: Path, *options: str, timeout: float = 300
) -> tuple[subprocess.CompletedProcess[str], dict[str, dict[str, Any]]]:
    """``imgeda-ci scan`` as a subprocess (so its stderr is the tool's own): the finished
    process and the manifest's records by path."""
    cmd = [sys.executable, "-m", "imgeda_ci", "scan", str(folder), "-o", str(manifest)]
    proc = subprocess.run(
        [*cmd, "--no-git", *options],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    records: dict[str, dict[str, Any]] = {}
    if manifest.exists():
        for line in manifest.read_bytes().splitlines()[1:]:
            rec = orjson.loads(line)
            records[rec["path"]] = rec
    return proc, records


def code(rec: dict[str, Any]) -> str | None:
    err = rec.get("error")
    return str(err["code"]) if err else None
