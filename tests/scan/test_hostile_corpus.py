"""Hostile input never reaches a traceback: every decoder or plugin exception is a record with a
stable code and the library's message (issue 17)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from imgeda_ci.scan.analyze import analyze_bytes
from imgeda_ci.scan.settings import Settings
from tests.scan.hostile_corpus import (
    code,
    crafted_files,
    dds,
    picture,
    scan_cli,
    valid_files,
    write_all,
)

S = Settings()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (dds(4, b"DX10", dxgi=93), "Unimplemented DXGI format 93"),
        (dds(8), "Unknown pixel format flags 8"),
        (dds(4, b"ZZZZ"), "Unimplemented pixel format 1515870810"),
    ],
    ids=["dxgi-93", "flags-8", "fourcc-ZZZZ"],
)
def test_a_dds_variant_pillow_does_not_implement_is_unsupported_format(
    data: bytes, message: str
) -> None:
    rec = analyze_bytes(data, S)
    assert rec["error"] == {"code": "unsupported_format", "message": message}


_PNG = picture().convert("RGB")

#: (exception raised by the plugin, expected code, expected message)
EXCEPTIONS = [
    (KeyError("tEXt"), "decode_error", "KeyError: 'tEXt'"),
    (TypeError("unsupported operand"), "decode_error", "TypeError: unsupported operand"),
    (ZeroDivisionError("division by zero"), "decode_error", "ZeroDivisionError: division by zero"),
    (
        RecursionError("maximum recursion depth exceeded"),
        "decode_error",
        "RecursionError: maximum recursion depth exceeded",
    ),
    (IndexError(), "decode_error", "IndexError"),
    (MemoryError(), "decode_error", "out of memory while decoding"),
    (
        Image.DecompressionBombError("Image size (9 pixels) exceeds limit"),
        "decompression_bomb",
        "Image size (9 pixels) exceeds limit",
    ),
    (
        NotImplementedError("Unimplemented DXGI format 93"),
        "unsupported_format",
        "Unimplemented DXGI format 93",
    ),
    (OSError("unknown PCX mode"), "unsupported_format", "unknown PCX mode"),
    (OSError("image mode is not supported"), "unsupported_format", "image mode is not supported"),
    (OSError("Unsupported BMP compression (9)"), "decode_error", "Unsupported BMP compression (9)"),
    (EOFError(), "truncated", "EOFError"),
    (ValueError("first line\n  second line"), "decode_error", "first line second line"),
]


#: Pillow's ImageFile turns these into SyntaxError in a plugin's ``_open`` and tries the next
#: plugin: no plugin claims the file
_CLAIM_REFUSED = (IndexError, TypeError, KeyError, EOFError)


@pytest.mark.parametrize("stage", ["open", "load"])
@pytest.mark.parametrize(
    ("exc", "expected", "message"), EXCEPTIONS, ids=[type(e[0]).__name__ for e in EXCEPTIONS]
)
def test_any_plugin_exception_is_a_record(
    monkeypatch: pytest.MonkeyPatch,
    stage: str,
    exc: BaseException,
    expected: str,
    message: str,
) -> None:
    def boom(*args: object, **kw: object) -> None:
        raise exc

    monkeypatch.setattr(
        PngImagePlugin.PngImageFile, f"_{stage}" if stage == "open" else stage, boom
    )
    buf = io.BytesIO()
    _PNG.save(buf, "PNG")
    rec = analyze_bytes(buf.getvalue(), S)
    if stage == "open" and isinstance(exc, _CLAIM_REFUSED):
        expected, message = "not_an_image", "not an image format Pillow knows"
    assert rec["error"] == {"code": expected, "message": message}
    assert rec["sha256"] and rec["size"] == len(buf.getvalue())


def test_the_hostile_corpus_gets_one_record_each_and_no_traceback(tmp_path: Path) -> None:
    """Every format Pillow writes, decoded cleanly; every crafted file (odd DDS formats, huge
    declared sizes, zero-length chunks, damaged ICO/ICNS/PSD/TGA/FLI headers) with its code."""
    valid = valid_files()
    crafted = crafted_files()
    write_all(tmp_path / "ds", [*valid.items(), *((n, d) for n, (d, _) in crafted.items())])
    proc, records = scan_cli(tmp_path / "ds", tmp_path / "m.jsonl", "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert set(records) == set(valid) | set(crafted)
    wrong = {n: records[n]["error"] for n in valid if code(records[n]) is not None}
    wrong |= {
        n: records[n]["error"] for n, (_, ok) in crafted.items() if code(records[n]) not in ok
    }
    assert not wrong
    assert all(
        len(str(r["error"]["message"]).splitlines()) == 1 for r in records.values() if r["error"]
    )
