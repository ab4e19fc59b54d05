"""Conformance on ../shared/corpora/exif-samples (skipped when absent)."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

from imgeda_ci import manifest
from imgeda_ci.scan.api import scan_folder

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".tiff", ".tif", ".heic", ".heif")


def test_exif_samples(corpora: Path, tmp_path: Path) -> None:
    root = corpora / "exif-samples"
    out = tmp_path / "m.jsonl"
    scan_folder(root, out, use_git=False)
    recs = {r["path"]: r for r in manifest.load(out)[1]}

    # every image file is recorded, including the one whose name ends in a quote
    on_disk = {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.suffix.lower().rstrip('"') in IMAGE_SUFFIXES
    }
    assert on_disk == set(recs)
    assert len(recs) == 101

    assert recs["jpg/corrupted.jpg"]["error"]["code"] == "corrupt_data"  # type: ignore[index]
    heif = {p: r for p, r in recs.items() if p.lower().endswith((".heic", ".heif"))}
    assert len(heif) == 5 and all(r["format"] == "HEIF" for r in heif.values())
    bad = {p: r["error"] for p, r in recs.items() if r["error"]}
    if find_spec("pillow_heif") is None:  # without the [heif] extra: the hint names it
        assert all(r["error"]["code"] == "unsupported_format" for r in heif.values())  # type: ignore[index]
        assert all("imgeda-ci[heif]" in r["error"]["message"] for r in heif.values())  # type: ignore[index]
        assert set(bad) == {"jpg/corrupted.jpg", *heif}
    else:  # with it, every phone's HEIC is decoded, measured, and its EXIF read
        assert set(bad) == {"jpg/corrupted.jpg"}
        assert recs["heic/IMG_5195.HEIC"]["exif"]["make"] == "Apple"  # type: ignore[index]
        assert recs["heic/IMG_5195.HEIC"]["exif"]["gps"]  # type: ignore[index]
        for p, r in heif.items():
            w, h = r["stats"]["analysis_size"]
            assert max(w, h) == 512 and (w > h) == (r["width"] > r["height"]), p

    gps = {p: r for p, r in recs.items() if p.startswith("jpg/gps/")}
    assert len(gps) == 9
    for p, r in gps.items():
        ex = r["exif"]
        assert ex and ex.get("gps") and "lat" in ex and "lon" in ex, p
    assert recs["jpg/gps/DSCN0010.jpg"]["exif"]["lat"] == 43.4674483  # type: ignore[index]

    orient = {p: r for p, r in recs.items() if p.startswith("jpg/orientation/")}
    assert len(orient) == 16
    for p, r in orient.items():
        expected = int(Path(p).stem.rsplit("_", 1)[1])
        assert r["exif"]["orientation"] == expected, p  # type: ignore[index]
        landscape = p.split("/")[-1].startswith("landscape")
        w, h = r["stats"]["analysis_size"]
        assert (w > h) == landscape, p  # upright after orientation

    # damaged EXIF blocks do not fail the images
    for p, r in recs.items():
        if p.startswith("jpg/invalid/"):
            assert r["error"] is None and r["stats"], p
