"""Recognise formats by their bytes, and the format an extension promises.

Pillow identifies what it can decode. This module names the image formats it cannot (HEIF/HEIC,
AVIF, JPEG XL, SVG, camera raw, ...) so those files are reported as ``unsupported_format`` rather
than as "not an image", and maps extensions to formats for the ``ext_mismatch`` fact.

HEIF/HEIC is decoded by pillow-heif when it is installed (``pip install 'imgeda-ci[heif]'``): its
opener is registered with Pillow the first time a file's bytes say HEIF, so nothing is imported
for datasets without one. AVIF is decoded by Pillow itself when it was built with libavif (the
PyPI wheels since 11.3).
"""

from __future__ import annotations

import re
from functools import lru_cache

from PIL import Image

#: Image extensions always discovered, whether or not this installation can decode them.
BASE_EXTENSIONS: frozenset[str] = frozenset(
    {"jpg", "jpeg", "jpe", "jfif", "png", "gif", "bmp", "tif", "tiff", "webp"}
)
#: Image formats a folder of training data may hold that Pillow cannot decode without a plugin.
FOREIGN_EXTENSIONS: dict[str, str] = {
    "heic": "HEIF",
    "heif": "HEIF",
    "hif": "HEIF",
    "avif": "AVIF",
    "jxl": "JXL",
    "svg": "SVG",
    "cr2": "RAW",
    "cr3": "RAW",
    "nef": "RAW",
    "arw": "RAW",
    "dng": "RAW",
    "orf": "RAW",
    "rw2": "RAW",
    "raf": "RAW",
}

#: Formats that are the same family for the extension check.
_EQUIVALENT = {"MPO": "JPEG"}


@lru_cache(maxsize=1)
def pillow_extensions() -> dict[str, str]:
    """Extensions (no dot, lower case) of the formats this Pillow can open -> format name."""
    Image.init()
    return {
        ext.lstrip(".").lower(): fmt
        for ext, fmt in Image.registered_extensions().items()
        if fmt in Image.OPEN
    }


@lru_cache(maxsize=1)
def image_extensions() -> frozenset[str]:
    """Every extension discovery treats as an image."""
    return BASE_EXTENSIONS | frozenset(pillow_extensions()) | frozenset(FOREIGN_EXTENSIONS)


def format_for_extension(ext: str) -> str | None:
    ext = ext.lower()
    return pillow_extensions().get(ext) or FOREIGN_EXTENSIONS.get(ext)


@lru_cache(maxsize=1)
def register_heif() -> bool:
    """Register pillow-heif's HEIF/HEIC opener with Pillow; False when it is not installed."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        return False
    register_heif_opener()
    return True


def prepare_decoder(head: bytes) -> None:
    """Before Pillow opens a file: load the optional decoder its first bytes call for."""
    if head[4:8] == b"ftyp" and sniff(head) == "HEIF":
        register_heif()


def undecodable(name: str) -> tuple[str, str]:
    """(error code, message) for an image in a format Pillow could not open: why, and the fix."""
    if name == "HEIF" and register_heif():
        return "decode_error", "HEIF/HEIC file that pillow-heif cannot read (damaged or cut short)"
    if name == "HEIF":
        return "unsupported_format", (
            "HEIF/HEIC image; install the [heif] extra to decode it: pip install 'imgeda-ci[heif]'"
        )
    if name == "AVIF":
        return "unsupported_format", (
            "AVIF image, and this Pillow was built without AVIF: pip install -U Pillow (>= 11.3)"
        )
    return "unsupported_format", (
        f"{name} image, which this installation cannot decode (install a Pillow plugin)"
    )


#: The first line of a Git LFS pointer file (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md).
LFS_VERSION = b"version https://git-lfs.github.com/spec/v1\n"
_LFS_MAX = 1024  # the spec: pointer files are under 1024 bytes
_LFS_OID = re.compile(rb"^oid sha256:([0-9a-f]{64})$", re.MULTILINE)
_LFS_SIZE = re.compile(rb"^size ([0-9]+)$", re.MULTILINE)


def lfs_pointer(data: bytes) -> tuple[str, int] | None:
    """(content SHA-256, content size) named by a Git LFS pointer file; None for other bytes."""
    if len(data) >= _LFS_MAX or not data.startswith(LFS_VERSION):
        return None
    oid, size = _LFS_OID.search(data), _LFS_SIZE.search(data)
    if oid is None or size is None:
        return None
    return oid.group(1).decode("ascii"), int(size.group(1))


def lfs_message(size: int) -> str:
    """The one-line message of an ``lfs_pointer`` record: what it is, and the fix."""
    return (
        f"a Git LFS pointer to a {size}-byte file, not the image: fetch the content "
        "(GitHub Action: `lfs: true` on actions/checkout; locally: git lfs pull)"
    )


def same_family(a: str, b: str) -> bool:
    return _EQUIVALENT.get(a, a) == _EQUIVALENT.get(b, b)


def sniff(head: bytes) -> str | None:
    """Name a format Pillow may not decode, from the first bytes of a file."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return "AVIF"
        if brand in (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"):
            return "HEIF"
        if brand in (b"crx "):
            return "RAW"
        return "MP4"  # ISO base media: video, not an image
    if head.startswith(b"\xff\x0a") or head.startswith(b"\x00\x00\x00\x0cJXL \r\n\x87\n"):
        return "JXL"
    stripped = head.lstrip()
    if stripped.startswith(b"<svg") or (stripped.startswith(b"<?xml") and b"<svg" in head):
        return "SVG"
    if head.startswith(b"%PDF"):
        return "PDF"
    return None


#: Sniffed names that are not images at all.
NOT_IMAGES = frozenset({"MP4", "PDF"})
#: Sniffed names that are images (-> unsupported_format); others are "not an image".
IMAGE_FORMATS_WITHOUT_DECODER = frozenset({"HEIF", "AVIF", "JXL", "SVG", "RAW"})


#: Extensions that are certainly not images: never opened to sniff.
TEXT_EXTENSIONS = frozenset(
    {"txt", "xml", "json", "jsonl", "yaml", "yml", "csv", "tsv", "md", "rst", "py", "html",
     "htm", "js", "css", "toml", "ini", "cfg", "log", "sh", "parquet", "zip", "gz", "tar",
     "mp4", "mov", "avi", "mkv", "pdf", "pt", "pth", "onnx", "npy", "npz", "pkl", "h5"}
)  # fmt: skip
_MAGIC = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",  # TIFF little-endian
    b"MM\x00*",  # TIFF big-endian
    b"BM",
)


def looks_like_image(head: bytes) -> bool:
    """True when the first bytes are those of a common image format (for files whose
    extension does not say so)."""
    if head.startswith(_MAGIC):
        return not head.startswith(b"BM") or (len(head) >= 14 and head[6:10] == b"\0\0\0\0")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return True
    return sniff(head) in IMAGE_FORMATS_WITHOUT_DECODER
