"""One image in, one record out: never raises for a bad image.

The bytes are read once (SHA-256 and git blob id from the same buffer) and decoded once. JPEGs
are draft-decoded (DCT scaling) to the smallest scale that still covers the analysis size, then
resized to fit ``analysis_size`` and turned upright by EXIF orientation, and every pixel
measurement is taken on that small image (see :mod:`imgeda_ci.scan.measure`).

Depths: ``fast`` stops after the header (format, size, mode, EXIF; no pixel decode), for
pre-commit; ``standard`` decodes and measures; ``deep`` additionally decodes JPEGs at full
resolution so that ``pixel_sha256`` is the hash of the decoded pixels for every format.
"""

from __future__ import annotations

import hashlib
import io
import os
import signal
import threading
import warnings
from collections.abc import Callable, Container, Iterator
from contextlib import contextmanager
from typing import Any

from PIL import Image, ImageFile, UnidentifiedImageError

from imgeda_ci.model import ErrorInfo, ImageRecord
from imgeda_ci.scan import sniff
from imgeda_ci.scan.exif import parse_exif
from imgeda_ci.scan.failures import classify
from imgeda_ci.scan.failures import error as _error
from imgeda_ci.scan.jpeg import jpeg_coded_sha256, jpeg_damage
from imgeda_ci.scan.pixels import hash_pixels, measure_image
from imgeda_ci.scan.readers import GIT_BLOB, read_locator
from imgeda_ci.scan.settings import Settings

# We check the pixel count ourselves (before allocating) and record it; Pillow's own check
# would raise without telling the size.
Image.MAX_IMAGE_PIXELS = None
ImageFile.LOAD_TRUNCATED_IMAGES = False

_BIT_DEPTH = {"1": 1, "I;16": 16, "I;16B": 16, "I;16L": 16, "I;16N": 16, "I": 32, "F": 32}
#: Error codes that belong to a file's bytes, and so may be reused from a cache by content.
#: Not ``unsupported_format``: it depends on the decoders installed (the ``[heif]`` extra, a
#: Pillow with AVIF), so such a file is read again by the next scan.
CONTENT_ERRORS = frozenset(
    {
        "empty_file",
        "not_an_image",
        "truncated",
        "decode_error",
        "decompression_bomb",
        "corrupt_data",
    }
)


class ImageTimeout(BaseException):
    """Raised inside the decoder by the per-image alarm. A ``BaseException``, so that the
    handlers that turn every decoder exception into a record let it through."""


def git_oid(data: bytes, *, sha256: bool = False) -> str:
    """The git blob id of ``data`` (SHA-1 object format; SHA-256 with ``sha256``)."""
    h = hashlib.new("sha256" if sha256 else "sha1", usedforsecurity=False)
    h.update(b"blob %d\0" % len(data))
    h.update(data)
    return h.hexdigest()


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`ImageTimeout` after ``seconds`` (main thread only; else no limit)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def _alarm(signum: int, frame: object) -> None:
        raise ImageTimeout

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def analyze_path(
    path: str,
    settings: Settings,
    known: Container[str] = (),
    *,
    use_alarm: bool = True,
    reader: Callable[[str], tuple[bytes | None, ErrorInfo | None]] | None = None,
) -> ImageRecord:
    """Read and analyse one file. When its SHA-256 is in ``known``, skip the decode and return
    ``{"sha256": ..., "cached": True}`` for the caller to fill from its cache."""
    data, err = (reader or read_locator)(path)
    if data is None:
        size = -1
        try:
            size = os.stat(path).st_size
        except OSError:
            pass
        rec: ImageRecord = {"size": size, "sha256": None, "git_oid": None}
        rec["depth"] = settings.depth
        rec["error"] = err
        return rec
    sha = hashlib.sha256(data).hexdigest()
    if path.startswith(GIT_BLOB):  # a committed LFS pointer names its content's SHA-256
        sha = _lfs_content_sha(data, known) or sha
    if sha in known:
        return {"sha256": sha, "cached": True}  # type: ignore[typeddict-unknown-key]
    return analyze_bytes(data, settings, sha256=sha, use_alarm=use_alarm)


def _lfs_content_sha(data: bytes, known: Container[str]) -> str | None:
    """The SHA-256 of the content a Git LFS pointer stands for, when a record of it is known:
    a base read from git blobs then costs no LFS download."""
    pointer = sniff.lfs_pointer(data)
    return pointer[0] if pointer and pointer[0] in known else None


def analyze_bytes(
    data: bytes, settings: Settings, *, sha256: str | None = None, use_alarm: bool = True
) -> ImageRecord:
    """Analyse the bytes of one image file (content fields only; no path fields)."""
    rec: ImageRecord = {
        "size": len(data),
        "sha256": sha256 or hashlib.sha256(data).hexdigest(),
        "git_oid": git_oid(data),
        "depth": settings.depth,
        "error": None,
        "format": None,
    }
    if not data:
        rec["error"] = _error("empty_file", "the file is empty (0 bytes)")
        return rec
    pointer = sniff.lfs_pointer(data)
    if pointer:  # never reused from a cache: the same blob id is the image once pulled
        rec["error"] = _error("lfs_pointer", sniff.lfs_message(pointer[1]))
        return rec
    try:
        with time_limit(settings.timeout if use_alarm else None), warnings.catch_warnings():
            # what Pillow warns of (damaged metadata, corrupt EXIF) is recorded, not printed
            warnings.simplefilter("ignore")
            _analyze_image(data, settings, rec)
    except ImageTimeout:
        rec["error"] = _error(
            "timeout", f"decoding took longer than {settings.timeout:g} s; see --timeout"
        )
    except Exception as exc:  # any decoder or plugin exception: a record, never a traceback
        rec["error"] = classify(exc)
    return rec


def _open(data: bytes, rec: ImageRecord) -> Image.Image | None:
    sniff.prepare_decoder(data[:64])
    try:
        return Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        name = sniff.sniff(data[:64])
        rec["format"] = name
        if name in sniff.IMAGE_FORMATS_WITHOUT_DECODER:
            rec["error"] = _error(*sniff.undecodable(name))
        else:
            what = f"a {name} file" if name else "not an image format Pillow knows"
            rec["error"] = _error("not_an_image", what)
    return None


def _header_facts(img: Image.Image, data: bytes, rec: ImageRecord) -> None:
    rec["format"] = img.format
    w, h = img.size
    rec["width"], rec["height"], rec["pixels"] = w, h, w * h
    rec["mode"] = img.mode
    rec["channels"] = len(img.getbands())
    depth = _BIT_DEPTH.get(img.mode, 8)
    if img.format == "PNG" and len(data) > 25 and data[12:16] == b"IHDR":
        depth = data[24]  # the file's true sample depth (Pillow may widen or narrow it)
    elif img.format == "TIFF":
        bps = getattr(img, "tag_v2", {}).get(258)
        if isinstance(bps, tuple) and bps:
            depth = int(bps[0])
        elif isinstance(bps, int):
            depth = bps
    rec["bit_depth"] = depth
    rec["frames"] = int(getattr(img, "n_frames", 1) or 1)
    rec["icc"] = bool(img.info.get("icc_profile"))


def _exif(img: Image.Image, rec: ImageRecord, after_load: bool) -> None:
    if img.format == "PNG" and not after_load and "exif" not in img.info:
        return  # a PNG's eXIf chunk may follow the pixels; read it after the decode
    try:
        rec["exif"] = parse_exif(img.getexif())
    except Exception:
        rec["exif"] = {"invalid": True}


def _target(w: int, h: int, size: int) -> tuple[int, int]:
    scale = min(1.0, size / max(w, h))
    return max(1, round(w * scale)), max(1, round(h * scale))


def _analyze_image(data: bytes, settings: Settings, rec: ImageRecord) -> None:
    img = _open(data, rec)
    if img is None:
        return
    try:
        _decode_and_measure(img, data, settings, rec)
    finally:
        img.close()


def _decode_and_measure(
    img: Image.Image, data: bytes, settings: Settings, rec: ImageRecord
) -> None:
    """Header facts and EXIF; then, unless the depth is ``fast`` or the image too large, the
    decode, the damage checks, the pixel hash and the measurements."""
    _header_facts(img, data, rec)
    _exif(img, rec, after_load=False)
    if rec["pixels"] > settings.max_pixels:
        rec["error"] = _error(
            "decompression_bomb",
            f"{rec['width']}x{rec['height']} = {rec['pixels']:,} pixels exceeds the limit "
            f"of {settings.max_pixels:,}; raise --max-pixels if this image is legitimate",
        )
        return
    if settings.depth == "fast":
        return
    coded = rec.get("format") in ("JPEG", "MPO") and settings.depth == "standard"
    size = img.size  # before a reduced-scale decode changes it
    target = _target(*size, settings.analysis_size)
    if coded:  # JPEG at standard depth: decoded at a reduced scale, hashed as coded
        img.draft(None, target)
    img.load()  # an exception is the record's error (analyze_bytes)
    if img.format == "PNG" or "exif" not in rec:
        _exif(img, rec, after_load=True)
    exif = rec.get("exif") or {}
    orientation = int(exif.get("orientation", 1))
    if rec.get("format") in ("JPEG", "MPO"):
        damage = jpeg_damage(data)
        if damage:
            code = "truncated" if damage.startswith("no end-of-image") else "corrupt_data"
            rec["error"] = _error(code, damage)
    _pixel_sha256(img, data, size, orientation, coded, rec)
    measure_image(img, orientation, target, settings, rec)


def _pixel_sha256(
    img: Image.Image,
    data: bytes,
    size: tuple[int, int],
    orientation: int,
    coded: bool,
    rec: ImageRecord,
) -> None:
    """The hash of the decoded pixels; of the coded data for a JPEG decoded at a reduced
    scale (the same for every decoder and scale)."""
    if coded:
        sha = jpeg_coded_sha256(data, orientation)
        if sha:
            rec["pixel_sha256"] = sha
        return
    w, h = size
    h_px = hashlib.sha256(f"{img.mode}\0{w}x{h}\0".encode())
    hash_pixels(img, h_px)
    rec["pixel_sha256"] = h_px.hexdigest()


def finalize(rec: ImageRecord, relpath: str) -> ImageRecord:
    """Add the path-dependent fields to a content record (in place) and return it."""
    rec["path"] = relpath
    base = relpath.rsplit("/", 1)[-1]
    ext = base.rsplit(".", 1)[-1].lower() if "." in base else ""
    rec["ext"] = ext
    fmt = rec.get("format")
    expected = sniff.format_for_extension(ext) if ext else None
    # an image whose extension names another format, or no image format at all
    rec["ext_mismatch"] = bool(
        fmt
        and fmt not in sniff.NOT_IMAGES
        and (expected is None or not sniff.same_family(fmt, expected))
    )
    return rec


def content_fields(rec: dict[str, Any]) -> dict[str, Any]:
    """A copy of a record without its path-dependent fields."""
    from imgeda_ci.model import PATH_FIELDS

    return {k: v for k, v in rec.items() if k not in PATH_FIELDS}
