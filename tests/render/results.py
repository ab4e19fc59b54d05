"""RunResults for renderer tests: small datasets made with the builders and scanned for real, and
large synthetic manifests (records written directly, no images) for size limits."""

from __future__ import annotations

from pathlib import Path

from imgeda_ci import manifest
from imgeda_ci.model import ImageRecord
from imgeda_ci.policy import default_policy, parse_policy
from imgeda_ci.run_result import RunResult, build_result
from imgeda_ci.scan.api import scan_folder
from tests.builders import photo, save, truncated_jpeg, with_exif

HOSTILE_NAMES = (
    "@octocat [click](javascript:alert(1)) <!-- imgeda-ci --> ![x](y).jpg",
    "#1 | owner#2 `code` *bold* _it_ <img src=x> www.evil.example $x$.jpg",
    "line\nbreak\r::error::injected%0A,title=x.jpg",
    "\u202eevil\u202cgpj.jpg",
)


def make_dataset(root: Path, *, hostile: bool = False) -> Path:
    """A dataset with good photos and one of several problems."""
    data = root / "data"
    for i in range(6):
        save(data / "train" / f"photo_{i}.jpg", photo(i, (160, 120)))
    (data / "train" / "truncated.jpg").parent.mkdir(parents=True, exist_ok=True)
    (data / "train" / "truncated.jpg").write_bytes(truncated_jpeg())
    (data / "train" / "corrupt.jpg").write_bytes(b"not an image at all")
    (data / "train" / "gps.jpg").write_bytes(with_exif(photo(9, (160, 120)), gps=(48.85, 2.29)))
    save(data / "train" / "tiny.jpg", photo(3, (20, 16)))
    if hostile:
        for i, name in enumerate(HOSTILE_NAMES):
            (data / "train" / name).write_bytes(truncated_jpeg(photo(20 + i, (64, 48))))
    return data


def scan(data: Path, out: Path) -> tuple[dict[str, object] | None, list[ImageRecord]]:
    scan_folder(data, out, use_git=False, workers=1)
    header, records = manifest.load(out)
    return dict(header) if header else None, records  # type: ignore[return-value]


def result_for(tmp: Path, *, hostile: bool = False, with_base: bool = False) -> RunResult:
    data = make_dataset(tmp, hostile=hostile)
    header, records = scan(data, tmp / "head.jsonl")
    base = None
    if with_base:
        # the base had the good photos and the corrupt file, which the change then "fixed"
        base = [r for r in records if r["path"].startswith("train/photo_")]
        broken: ImageRecord = {
            "path": "train/old_broken.jpg",
            "size": 10,
            "sha256": "0" * 64,
            "error": {"code": "not_an_image", "message": "not an image"},
        }
        base = [*base, broken]
    return build_result(records, default_policy(), header=header, base_records=base)  # type: ignore[arg-type]


def synthetic_records(n: int, *, path_len: int = 240) -> list[ImageRecord]:
    """``n`` records with long hostile paths: every one unreadable, tiny, and with GPS."""
    out: list[ImageRecord] = []
    for i in range(n):
        stem = f"dir_{i % 97}/@user [l](http://x) <!-- -->|#{i}_"
        path = (stem + "x" * path_len)[:path_len] + f"_{i:06d}.jpg"
        out.append(
            {
                "path": path,
                "size": 100 + i,
                "sha256": f"{i:064x}",
                "error": {"code": "decode_error", "message": f"cannot decode {path}"},
                "width": 10,
                "height": 10,
                "pixels": 100,
                "exif": {"gps": True, "lat": 1.0, "lon": 2.0, "owner": True},
            }
        )
    return sorted(out, key=lambda r: r["path"])


def synthetic_result(n: int, *, strict_policy: bool = True) -> RunResult:
    policy = (
        parse_policy("version: 1\nchecks:\n  gps_location: {severity: error}\n")
        if strict_policy
        else default_policy()
    )
    records = synthetic_records(n)
    base = records[: n // 2]
    return build_result(records, policy, header={"root": "data"}, base_records=base)  # type: ignore[typeddict-item]
