from __future__ import annotations

from tests.builders import encode, photo, truncated_jpeg
from tests.checks.helpers import analyze, flagged, run

IDS = ("unreadable", "truncated", "decompression_bomb", "empty_file")


def only(rec: dict, expected: str | None) -> None:  # type: ignore[type-arg]
    hits = [cid for cid in IDS if flagged(cid, rec)]
    assert hits == ([expected] if expected else [])


def test_each_bad_file_has_exactly_one_error_check() -> None:
    only(analyze(b"", "e.jpg"), "empty_file")
    only(analyze(truncated_jpeg(), "t.jpg"), "truncated")
    only(analyze(b"this is not an image at all", "n.jpg"), "unreadable")
    only(analyze(photo(1)), None)


def test_bomb_and_error_code_as_value() -> None:
    from imgeda_ci.scan.analyze import analyze_bytes, finalize
    from imgeda_ci.scan.settings import Settings

    rec = finalize(
        analyze_bytes(encode(photo(1), "PNG"), Settings(max_pixels=1000), use_alarm=False), "b.png"
    )
    only(rec, "decompression_bomb")
    out = run("unreadable", analyze(b"GIF89a garbage", "g.gif"))
    assert out is not None and out.value == rec_code(analyze(b"GIF89a garbage", "g.gif"))


def rec_code(rec: dict) -> str:  # type: ignore[type-arg]
    return str(rec["error"]["code"])
