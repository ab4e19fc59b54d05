"""Hand-made manifests for policy and gate tests (the checks' own tests use real images)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from imgeda_ci import manifest
from imgeda_ci.model import ImageRecord


def good(path: str, **over: Any) -> ImageRecord:
    """A record that passes every default check."""
    rec: dict[str, Any] = {
        "path": path,
        "size": 60_000,
        "sha256": f"{abs(hash(path)):064x}"[-64:],
        "error": None,
        "ext": path.rsplit(".", 1)[-1],
        "format": "JPEG",
        "ext_mismatch": False,
        "width": 640,
        "height": 480,
        "pixels": 640 * 480,
        "mode": "RGB",
        "bit_depth": 8,
        "channels": 3,
        "frames": 1,
        "exif": None,
        "stats": {
            "luma_mean": 120.0,
            "luma_std": 50.0,
            "luma_p": {"p1": 10, "p5": 25, "p50": 120, "p95": 220, "p99": 240, "p999": 250},
            "dynamic_range": 230,
            "entropy": 7.2,
            "chroma_p99": 80,
            "sharpness": 400.0,
            "blur_sigma": 0.45,
            "border": {
                "top": [110.0, 30.0],
                "bottom": [100.0, 30.0],
                "left": [105.0, 30.0],
                "right": [100.0, 30.0],
                "corners": 100.0,
                "center": 120.0,
            },
            "pad": {"top": 0.0, "bottom": 0.0, "left": 0.0, "right": 0.0},
        },
    }
    for k, v in over.items():
        if k in ("p99", "p999", "p5"):
            rec["stats"]["luma_p"][k] = v
        elif k in ("sharpness", "blur_sigma"):
            rec["stats"][k] = v
        else:
            rec[k] = v
    return rec  # type: ignore[return-value]


def corrupt(path: str, code: str = "decode_error") -> ImageRecord:
    return {"path": path, "size": 100, "sha256": None, "error": {"code": code, "message": "bad"}}


def write(tmp: Path, records: list[ImageRecord], name: str = "m.jsonl") -> Path:
    p = tmp / name
    manifest.write(p, {"imgeda_ci_manifest": 1}, records)
    return p
