"""imgeda-ci plot: the report's charts as PNG/SVG files, offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from imgeda_ci import manifest
from imgeda_ci.cli import main
from imgeda_ci.render.plot import write_plots
from tests.render import synthetic
from tests.render.html_helpers import fast_result

pytest.importorskip("altair")
pytest.importorskip("vl_convert")


@pytest.mark.slow
def test_plot_writes_one_png_per_chart(tmp_path: Path) -> None:
    recs = synthetic.records(50)
    paths = write_plots(fast_result(recs, synthetic.header(50)), tmp_path / "plots")
    names = {p.stem for p in paths}
    assert {"dimensions", "brightness", "sharpness", "class-balance", "quality"} <= names
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", p


def test_plot_command_svg_only_and_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recs = synthetic.records(30)
    manifest.write(tmp_path / "m.jsonl", synthetic.header(30), recs)
    args = ["plot", "-m", str(tmp_path / "m.jsonl"), "-o", str(tmp_path / "out")]
    assert main([*args, "--format", "svg", "--only", "brightness,formats"]) == 0
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["brightness.svg", "formats.svg"]
    svg = (tmp_path / "out" / "brightness.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<svg") and "Brightness" in svg
    capsys.readouterr()
    assert main([*args, "--only", "nope"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no chart named nope" in err
