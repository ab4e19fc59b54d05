"""Seeded fuzzing of the decoders through the CLI: random byte flips, bit flips, truncations,
zeroed and repeated spans of a valid file of every format. Every file gets a record with a
documented code, stderr holds no traceback, no worker dies and no image reaches the per-image
time limit (issue 17)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from imgeda_ci.model import ERROR_CODES
from tests.scan.hostile_corpus import code, fuzzed, scan_cli, write_all

#: per-image limit for the fuzzed scans: far above any of these small files' decode time
LIMIT = 10.0


def _fuzz(tmp_path: Path, count: int, seed: int) -> dict[str, int]:
    names = write_all(tmp_path / "fuzz", fuzzed(count, seed))
    start = time.monotonic()
    proc, records = scan_cli(
        tmp_path / "fuzz", tmp_path / "m.jsonl", "-q", "--workers", "2", "--timeout", str(LIMIT)
    )
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, proc.stderr[-2000:]
    # quiet: nothing at all on stderr: no traceback, no stack dump, no libtiff complaint
    assert proc.stderr == "", proc.stderr[-4000:]
    assert set(records) == set(names)  # every file has a record
    codes = {name: code(rec) for name, rec in records.items()}
    assert all(c is None or c in ERROR_CODES for c in codes.values())
    dead = {n: records[n]["error"] for n, c in codes.items() if c in ("worker_crashed", "timeout")}
    assert not dead  # no worker death, no hang past the per-image limit
    messages = [r["error"]["message"] for r in records.values() if r["error"]]
    assert all("\n" not in m and len(m) <= 300 for m in messages)
    assert elapsed < 60 + count * 0.5  # nothing waited on a hung worker
    return {c or "ok": sum(1 for v in codes.values() if v == c) for c in set(codes.values())}


def test_fuzzed_files_of_every_format_get_records_and_no_traceback(tmp_path: Path) -> None:
    counts = _fuzz(tmp_path, 800, seed=17)
    # the mutations reach the decoders: failures of several kinds, and some files still decode
    assert counts.get("ok", 0) > 0
    assert {"decode_error", "truncated", "not_an_image"} <= set(counts)


@pytest.mark.slow
def test_fuzz_three_thousand_files(tmp_path: Path) -> None:
    counts = _fuzz(tmp_path, 3000, seed=1717)
    assert sum(counts.values()) == 3000


def test_the_jpeg_structure_readers_never_raise() -> None:
    """jpeg_damage and jpeg_coded_sha256 read segment headers of files the decoder accepted:
    a segment that claims more bytes than the file has must not raise (it used to: IndexError,
    struct.error, and the record said "index out of range")."""
    import random

    from imgeda_ci.scan.jpeg import jpeg_coded_sha256, jpeg_damage
    from tests.builders import encode, photo, with_exif
    from tests.scan.hostile_corpus import mutate

    bases = [
        encode(photo(1, (200, 150)), "JPEG", restart_marker_blocks=4),
        encode(photo(2, (160, 120)), "JPEG", progressive=True),
        with_exif(photo(3, (120, 90)), orientation=6, make="X", gps=(1.0, 2.0)),
    ]
    rng = random.Random(5)
    for k in range(6000):
        data = mutate(bases[k % len(bases)], rng)
        jpeg_damage(data)
        jpeg_coded_sha256(data, 1)


def test_pillow_warnings_on_damaged_files_are_not_printed() -> None:
    """Two fuzzed TIFFs whose damaged EXIF makes Pillow warn ("Corrupt EXIF data") while the
    header facts are read, outside the EXIF reader: the scan's log gets no warning text."""
    import warnings

    from imgeda_ci.scan.analyze import analyze_bytes
    from imgeda_ci.scan.settings import Settings

    warned = {"fuzz_01562_tiff_jpeg.tif", "fuzz_02940_tiff_packbits.tif"}
    files = [data for name, data in fuzzed(3000, seed=1717) if name in warned]
    assert len(files) == 2
    for data in files:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            rec = analyze_bytes(data, Settings())
        assert rec["error"] is not None
        assert [str(w.message) for w in caught] == []
