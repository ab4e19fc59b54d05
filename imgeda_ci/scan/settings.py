"""Analysis settings: what a record's measurements depend on, and their hash.

A cached record is reused only when both its content hash and the settings hash match, so a
change of analysis size, depth or algorithm version re-analyses everything exactly once.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

import orjson

from imgeda_ci.model import DEPTHS, Depth

#: Bump when a measurement's definition changes: old records are then re-analysed.
ALGORITHM_VERSION = 7  # 2: phash_flips; 3: noise; 4: clipping, blur width; 5: copysig, thumb;
# 6: thumb 64x64, band-limited; 7: thumb from a bilinear, not box, working image

DEFAULT_ANALYSIS_SIZE = 512
#: Pillow's own hard limit (2 x MAX_IMAGE_PIXELS): larger images are refused before decoding.
DEFAULT_MAX_PIXELS = 178_956_970
DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class Settings:
    depth: Depth = "standard"
    analysis_size: int = DEFAULT_ANALYSIS_SIZE
    max_pixels: int = DEFAULT_MAX_PIXELS
    #: per-image time limit in seconds (not part of the hash: it changes no measurement)
    timeout: float = DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        if self.depth not in DEPTHS:
            raise ValueError(f"depth must be one of {', '.join(DEPTHS)}")
        if not 32 <= self.analysis_size <= 4096:
            raise ValueError("analysis size must be between 32 and 4096")
        if self.max_pixels < 1:
            raise ValueError("max pixels must be positive")
        if self.timeout <= 0:
            raise ValueError("timeout must be positive")

    def hashed(self) -> dict[str, object]:
        d = asdict(self)
        d.pop("timeout")
        d["algorithm"] = ALGORITHM_VERSION
        return d

    @property
    def hash(self) -> str:
        return hashlib.sha256(orjson.dumps(self.hashed(), option=orjson.OPT_SORT_KEYS)).hexdigest()[
            :16
        ]
