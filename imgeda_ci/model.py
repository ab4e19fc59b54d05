"""Plain typed records shared by every stage.

The manifest is JSON Lines: one header object, then one :class:`ImageRecord` per image, sorted by
``path``. Records hold *measurements*, never verdicts: "dark" or "blurry" is decided at judge time
from thresholds in the policy, so a new policy never needs a rescan.

Field reference (``schema`` version 1). A field that could not be measured is absent or ``None``.
Each field's type, unit and export column are declared in :mod:`imgeda_ci.measurements`, which
also decides how a value of the wrong shape is read.

Identity and file facts (every depth):
  path          POSIX path relative to the scanned root (or the URL for remote sources)
  size          file size in bytes
  sha256        SHA-256 of the file's bytes (``None`` when the bytes could not be read)
  git_oid       git blob id (SHA-1 of ``"blob <size>\\0" + bytes``): lets a scan inside a git work
                tree reuse a record without reading the file at all
  depth         tier reached: "fast" (header only), "standard" (decoded), "deep"
  error         ``None`` or ``{"code": ..., "message": ...}``; codes in :data:`ERROR_CODES`
  ext           lower-case extension without the dot ("" when none)
  format        format by content (Pillow's name, e.g. "JPEG", or a sniffed name such as "HEIF")
  ext_mismatch  True when the extension names another format than the content

Header facts (fast and up):
  width, height stored size in pixels (before EXIF orientation); pixels = width * height
  mode          Pillow mode ("RGB", "L", "CMYK", "I;16", ...); bit_depth per channel; channels
  frames        number of frames (animated GIF/WebP/TIFF pages)
  icc           True when an ICC profile is embedded
  exif          ``None`` or ExifFacts: make, model, software, datetime, orientation (1..8), gps
                (bool), lat, lon, alt, serial (bool: a body/lens serial number is present), owner
                (bool: owner/artist name present), invalid (bool: the EXIF block is damaged)

Measurements (standard and deep), taken on the EXIF-oriented image scaled to fit
``analysis_size`` (JPEG draft decoding, any other format box-reduced by the same factor, alpha
ignored; then an antialiased resize):
  stats.mean / stats.std      per-channel mean and std of R, G, B (0..255)
  stats.luma_mean, luma_std   ITU-R 601 luma mean and standard deviation (= RMS contrast)
  stats.luma_p                luma percentiles {"p1","p5","p50","p95","p99","p999"}
  stats.clip                  {"low","high"}: [R, G, B, luma] shares of pixels at 0-4 (crushed)
                              and at 251-255 (blown); "rim": the share of the pixels
                              bordering blown luma that are bright (>= 200), None when under
                              5% is blown; see imgeda_ci.scan.clipping
  stats.dynamic_range         luma p99 - p1
  stats.entropy               Shannon entropy of the 256-bin luma histogram, bits (0..8)
  stats.colorfulness          Hasler-Süsstrunk colourfulness (0 = gray)
  stats.chroma_p99            99th percentile of max(R,G,B) - min(R,G,B): ~0 for gray pixels
  stats.sharpness             variance of the 4-neighbour Laplacian of luma at analysis size
  stats.blur_sigma            blur width of luma's edges at analysis size, px: the Gaussian sigma
                              with the same Laplacian-to-gradient energy ratio (contrast-free;
                              see imgeda_ci.scan.blur)
  stats.edge_density          share of pixels whose Laplacian magnitude exceeds 20
  stats.noise                 noise sigma of luma at analysis size (Immerkaer, per block, texture
                              discounted; see imgeda_ci.scan.noise)
  stats.border                {"top","bottom","left","right"}: [mean, std] of luma in a strip of
                              4% of the side; "corners": mean luma of the four 10% corners;
                              "center": mean luma of the middle 50% box
  stats.pad                   {"top","bottom","left","right"}: fraction of rows/columns at that
                              edge that are flat (std <= 4) and match the outermost row/column
  stats.analysis_size         [w, h] actually analysed
  phash         256-bit perceptual hash (DCT, imagehash-compatible, hash_size 16), 64 hex chars
  dhash         256-bit difference hash (hash_size 16), 64 hex chars
  phash_flips   pHashes of the image mirrored left-right, top-bottom, and rotated 180 degrees
                (3 x 64 hex chars): exact orientation-invariant duplicate matching
  copysig       eleven 64-bit DCT sign hashes in canonical orientation, their orientation codes
                and flags (base64, 124 chars): the whole image and ten crops (2.5%/5% off every
                side, 5% off one side or two at a corner): candidates for cropped, mirrored and
                rotated copies (imgeda_ci.scan.copysig)
  thumb         the image as 64x64 band-limited luma, deflated, base64 (~2.5 KB): verifies a copy
  pixel_sha256  identity of the decoded pixels: for JPEG the SHA-256 of the coded image data
                (quantisation/Huffman tables and entropy-coded scans, metadata segments ignored)
                plus orientation; for other formats the SHA-256 of mode, size and raw pixels of
                frame 0. Equal values mean identical pixels whatever the metadata.

Dataset facts added by the format readers (see imgeda_ci.formats): split, labels.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

SCHEMA_VERSION = 1

Depth = Literal["fast", "standard", "deep"]
DEPTHS: tuple[Depth, ...] = ("fast", "standard", "deep")

#: Stable error codes a record may carry, with what each means.
ERROR_CODES: dict[str, str] = {
    "empty_file": "the file has zero bytes",
    "not_an_image": "the bytes are not an image format Pillow or the sniffer knows",
    "lfs_pointer": "a Git LFS pointer file, not the image: the LFS content was not fetched "
    "(actions/checkout `lfs: true`, or git lfs pull)",
    "unsupported_format": "a known image format, or a variant of one, that this installation "
    "cannot decode (e.g. HEIC without a plugin, a DDS DXGI format Pillow does not implement)",
    "truncated": "the image data ends before the image is complete",
    "decode_error": "the decoder rejected the image data",
    "corrupt_data": "the image decodes, but its coded data is damaged (e.g. JPEG restart "
    "intervals missing): parts of the picture are filled in by the decoder",
    "decompression_bomb": "the pixel count exceeds max_pixels; refused before decoding",
    "permission_denied": "the file could not be opened for reading",
    "vanished": "the file disappeared between discovery and reading",
    "read_error": "an operating-system error while reading the file",
    "timeout": "decoding took longer than the per-image time limit",
    "worker_crashed": "the worker process analysing this image died",
}


class ErrorInfo(TypedDict):
    code: str
    message: str


class ExifFacts(TypedDict, total=False):
    make: str
    model: str
    software: str
    datetime: str
    orientation: int
    gps: bool
    lat: float
    lon: float
    alt: float
    serial: bool
    owner: bool
    invalid: bool  # the EXIF block was damaged; the other keys hold what could be read


class ImageRecord(TypedDict, total=False):
    path: str
    size: int
    sha256: str | None
    git_oid: str | None
    depth: Depth
    error: ErrorInfo | None
    ext: str
    format: str | None
    ext_mismatch: bool
    width: int
    height: int
    pixels: int
    mode: str
    bit_depth: int
    channels: int
    frames: int
    icc: bool
    exif: ExifFacts | None
    stats: dict[str, Any]
    phash: str
    dhash: str
    phash_flips: str
    copysig: str
    thumb: str
    pixel_sha256: str
    split: str | None
    labels: dict[str, Any]


class ManifestHeader(TypedDict, total=False):
    imgeda_ci_manifest: int  # schema version; its presence marks the header line
    tool_version: str
    root: str
    settings: dict[str, Any]
    settings_hash: str
    counts: dict[str, int]
    created: str
    warnings: list[str]
    dataset: dict[str, Any]  # dataset layout facts from imgeda_ci.formats


#: Fields that depend on where a file is, not on its bytes. A record reused from a cache by
#: content gets these recomputed for its new path.
PATH_FIELDS: tuple[str, ...] = ("path", "ext", "ext_mismatch", "split", "labels")


def is_ok(record: ImageRecord) -> bool:
    """True when the image was read without error."""
    return not record.get("error")


def error_code(record: ImageRecord) -> str | None:
    err = record.get("error")
    return err["code"] if err else None
