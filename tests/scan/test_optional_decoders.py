"""HEIF/HEIC through the optional ``[heif]`` extra (pillow-heif), AVIF through Pillow, and the
one-line hint when the installation lacks the decoder."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import photo
from tests.checks.helpers import analyze, flagged

#: Runs the CLI in a Python where importing MODULE fails, as on an install without it.
WITHOUT = "import sys; sys.modules[{!r}] = None; from imgeda_ci.cli import run; sys.exit(run())"
#: The ISO-BMFF header of a HEIC / an AVIF: enough for the sniffer, whatever is installed.
HEIC_HEAD = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64)
AVIF_HEAD = b"\x00\x00\x00\x18ftypavif\x00\x00\x00\x00mif1avif" + bytes(64)


def _heic() -> bytes:
    """A HEIC made here, encoded by pillow-heif without registering its opener with Pillow."""
    pillow_heif = pytest.importorskip("pillow_heif")
    buf = io.BytesIO()
    pillow_heif.from_pillow(photo(3, (96, 64))).save(buf, format="HEIF", quality=90)
    return buf.getvalue()


def test_heic_is_decoded_and_measured_with_pillow_heif() -> None:
    rec = analyze(_heic(), path="IMG_0001.HEIC")
    assert rec["error"] is None
    assert rec["format"] == "HEIF"
    assert (rec["width"], rec["height"], rec["mode"]) == (96, 64, "RGB")
    assert rec["stats"]  # the pixels were measured like any other image's
    assert not flagged("extension_mismatch", rec)  # .HEIC holds HEIF
    # HEIF is not in the default allowed list (a loader needs pillow-heif too): say so
    assert flagged("disallowed_format", rec)
    assert not flagged("disallowed_format", rec, allowed=("JPEG", "heic"))  # heic = heif


def test_damaged_heic_with_pillow_heif_is_a_decode_error() -> None:
    rec = analyze(_heic()[:40], path="cut.heic")
    assert rec["error"] is not None
    assert rec["error"]["code"] == "decode_error"
    assert "pillow-heif cannot read" in rec["error"]["message"]


@pytest.mark.parametrize(
    ("module", "name", "head", "hint"),
    [
        (
            "pillow_heif",
            "IMG_0002.HEIC",
            HEIC_HEAD,
            "HEIF/HEIC image; install the [heif] extra to decode it: pip install 'imgeda-ci[heif]'",
        ),
        (
            "PIL.AvifImagePlugin",
            "photo.avif",
            AVIF_HEAD,
            "AVIF image, and this Pillow was built without AVIF: pip install -U Pillow (>= 11.3)",
        ),
    ],
    ids=["heic-without-pillow-heif", "avif-without-libavif"],
)
def test_without_the_decoder_the_cli_names_the_fix(
    tmp_path: Path, module: str, name: str, head: bytes, hint: str
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / name).write_bytes(head)
    cli = [sys.executable, "-c", WITHOUT.format(module)]
    manifest = str(tmp_path / "m.jsonl")
    scan = subprocess.run(
        [*cli, "scan", str(tmp_path / "data"), "-o", manifest],
        capture_output=True,
        text=True,
        check=False,
    )
    assert scan.returncode == 0, scan.stderr
    assert "errors: unsupported_format 1" in scan.stderr
    check = subprocess.run(
        [*cli, "check", "-m", manifest], capture_output=True, text=True, check=False
    )
    line = next(ln for ln in check.stdout.splitlines() if ln.startswith(name))
    assert line.split()[2:4] == ["unreadable", "error"]
    assert line.endswith(f"unsupported_format: {hint}")


def test_installing_the_extra_takes_effect_on_the_next_scan(tmp_path: Path) -> None:
    """An earlier manifest is the scan's cache: its unsupported_format record of a HEIC must
    not stand for the file once pillow-heif is there (the error depends on the install)."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "IMG_0003.HEIC").write_bytes(_heic())
    manifest = tmp_path / "m.jsonl"
    scan = ["scan", str(tmp_path / "data"), "-o", str(manifest)]
    before = subprocess.run(
        [sys.executable, "-c", WITHOUT.format("pillow_heif"), *scan],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "errors: unsupported_format 1" in before.stderr, before.stderr
    after = subprocess.run(
        [sys.executable, "-m", "imgeda_ci", *scan], capture_output=True, text=True, check=False
    )
    assert after.returncode == 0, after.stderr
    assert "analysed 1, reused 0" in after.stderr and "errors: none" in after.stderr
