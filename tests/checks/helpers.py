"""Records for check tests: images made here, analysed by the real scanner."""

from __future__ import annotations

from typing import Any

from PIL import Image

from imgeda_ci.checks.registry import Outcome, get
from imgeda_ci.model import ImageRecord
from imgeda_ci.scan.analyze import analyze_bytes, finalize
from imgeda_ci.scan.settings import Settings
from tests.builders import encode

SETTINGS = Settings()


def analyze(data: bytes | Image.Image, path: str = "img.png", fmt: str = "PNG") -> ImageRecord:
    raw = data if isinstance(data, bytes) else encode(data, fmt)
    return finalize(analyze_bytes(raw, SETTINGS, use_alarm=False), path)


def run(
    check_id: str,
    rec: ImageRecord,
    threshold: float | None = None,
    options: dict[str, Any] | None = None,
) -> Outcome | None:
    check = get(check_id)
    assert check.kind == "image"
    return check.run(rec, threshold, options)  # type: ignore[call-arg,arg-type]


def flagged(check_id: str, rec: ImageRecord, threshold: float | None = None, **opts: Any) -> bool:
    out = run(check_id, rec, threshold, opts or None)
    assert out is not None, f"{check_id} did not apply"
    assert 0.0 <= out.score <= 1.0
    assert (out.score < 0.5) == out.flagged, f"{check_id}: score {out.score} vs flag"
    return out.flagged
