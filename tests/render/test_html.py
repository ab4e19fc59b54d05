"""The HTML report without a browser: content, escaping, determinism, thumbnails, size budget."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser
from pathlib import Path

import pytest

from imgeda_ci.cli import main
from imgeda_ci.model import ImageRecord
from imgeda_ci.policy import default_policy
from imgeda_ci.render import safe, templates
from imgeda_ci.render.html import render_html
from imgeda_ci.render.table_data import unpack
from imgeda_ci.render.thumbs import Thumbnailer
from imgeda_ci.run_result import build_result
from tests.builders import dark, photo, save
from tests.render import synthetic
from tests.render.html_helpers import BigReport, duplicate_findings, fast_result

pytest.importorskip("altair")
pytest.importorskip("vl_convert")

MAX_BYTES = 5_000_000


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each <script>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in_script: dict[str, str | None] | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append((self._in_script, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        else:
            self.text.append(data)


def parse(html: str) -> Tags:
    t = Tags()
    t.feed(html)
    return t


def small_records(n: int = 60) -> list[ImageRecord]:
    return synthetic.records(n, seed=3)


def table_of(html: str) -> dict[str, object]:
    t = parse(html)
    data = [text for attrs, text in t.scripts if attrs.get("id") == "table-data"]
    assert len(data) == 1
    return unpack(data[0].strip())


def test_report_shows_verdict_checks_charts_and_table() -> None:
    recs = small_records()
    html = render_html(fast_result(recs, synthetic.header(len(recs))))
    t = parse(html)
    assert "Dataset quality report" in html
    assert ("✕ Failed" in html) or ("✓ Passed" in html)
    for check in ("dark", "blurry", "truncated"):
        assert f'<span class="mono">{check}</span>' in html
    charts = {a["data-chart"] for tag, a in t.tags if tag == "div" and "data-chart" in a}
    assert {"dimensions", "file-size", "brightness", "sharpness", "quality"} <= charts
    assert {"class-balance", "splits", "boxes-per-image", "box-sizes"} <= charts
    table = table_of(html)
    assert table["rows"] == len(recs)
    cols = table["cols"]
    assert isinstance(cols, dict)
    assert cols["p"] == [r["path"] for r in recs]
    assert len(cols["n"]) == len(recs)


def test_page_is_self_contained_with_one_runtime() -> None:
    html = render_html(fast_result(small_records(20)))
    t = parse(html)
    srcs = [a for tag, a in t.tags if tag in ("script", "img", "link", "iframe") and a.get("src")]
    assert all(str(a["src"]).startswith("data:") for a in srcs)
    assert not [a for tag, a in t.tags if tag == "link"]
    code = [text for attrs, text in t.scripts if "type" not in attrs]
    assert len(code) == 2  # the Vega bundle and the report's script, nothing else
    assert html.count("window.vegaEmbed") == 1
    csp = next(
        a["content"] for tag, a in t.tags if a.get("http-equiv") == "Content-Security-Policy"
    )
    assert csp is not None and "default-src 'none'" in csp and "connect-src" not in csp
    for text in code:
        assert safe.csp_hash(text) in csp  # exactly our scripts may run


def test_same_input_same_bytes_and_timestamp_only_on_request() -> None:
    recs = small_records(40)
    a = render_html(fast_result(recs))
    b = render_html(fast_result([dict(r) for r in recs]))  # type: ignore[misc]
    assert a == b
    stamped = render_html(fast_result(recs), timestamp="2026-01-02 03:04 UTC")
    assert "2026-01-02 03:04 UTC" in stamped and "2026-01-02" not in a


HOSTILE = "<img src=x onerror=alert(1)></script><script>alert(1)</script>\"'&amp;\u2028"


def test_every_string_from_the_data_is_escaped() -> None:
    recs = small_records(30)
    for r in recs[:3]:
        r["path"] = HOSTILE + r["path"]
        r["stats"]["luma_mean"] = 5.0  # flagged: shown in the gallery too
        r["stats"]["luma_p"]["p999"] = 10.0
    recs[3]["exif"] = {"make": HOSTILE, "model": "</script>"}
    recs.sort(key=lambda r: r["path"])
    header = synthetic.header(len(recs), root=HOSTILE)
    header["dataset"]["classes"][0]["name"] = HOSTILE  # type: ignore[index]
    for r in recs:
        labels = r.get("labels")
        if labels:
            labels["classes"] = [HOSTILE if c == "car" else c for c in labels["classes"]]
    result = fast_result(recs, header)
    result = dataclasses.replace(result, policy=dataclasses.replace(result.policy, source=HOSTILE))
    html = render_html(result)
    t = parse(html)
    # no element, attribute or script came from the data
    assert not [a for tag, a in t.tags if tag == "img"]
    assert all(not k.startswith("on") for _, a in t.tags for k in a)
    assert len(t.scripts) == 4
    assert "<script>alert(1)" not in html and "</script><script>alert" not in html
    # the names are there, as text
    text = "".join(t.text)
    assert HOSTILE.replace("\u2028", "") in text.replace("\u2028", "")
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    # and inside the JSON script element, escaped for that context
    specs = next(s for a, s in t.scripts if a.get("id") == "chart-specs")
    assert "<" not in specs and "\\u003c/script\\u003e" in specs


def test_script_json_escapes_for_script_context() -> None:
    out = safe.script_json({"a": "</script><!--x-->&\u2028"})
    assert "<" not in out and ">" not in out and "&" not in out and "\u2028" not in out
    assert safe.script_text('x = "</SCRIPT>"') == 'x = "<\\/SCRIPT>"'


def test_duplicate_groups_show_members_keeper_and_distance() -> None:
    recs = small_records(20)
    p = [r["path"] for r in recs]
    result = fast_result(recs)
    result.evaluation.findings.extend(
        duplicate_findings(
            [
                ("near_duplicate", p[1], p[0], 6),
                ("near_duplicate", p[2], p[0], 9),
                ("leakage", p[4], p[3], 2),
            ]
        )
    )
    html = render_html(result)
    assert html.count('class="group card"') == 2
    assert "near-duplicates" in html and "leakage across splits" in html
    assert "distance 9" in html and "distance 2" in html
    section = html[html.index('id="duplicates"') : html.index('id="flagged"')]
    for path in p[:5]:
        assert path in section
    assert section.count("keeper</span>") == 2
    gallery = html[html.index('id="flagged"') : html.index('id="images"')]
    assert "near_duplicate" not in gallery  # groups, not gallery cards


def test_changes_against_the_base() -> None:
    base = small_records(40)
    head = [dict(r) for r in base[5:]]
    extra = dict(base[0], path="train/images/zz_new_dark.jpg", sha256="f" * 64)
    extra["stats"] = dict(base[0]["stats"], luma_mean=3.0, luma_p={"p99": 8, "p999": 9, "p5": 1})
    head.append(extra)  # type: ignore[arg-type]
    result = build_result(head, default_policy(), base_records=base)  # type: ignore[arg-type]
    html = render_html(result)
    section = html[html.index('id="changes"') : html.index('id="distributions"')]
    assert "Introduced by this change" in section and "zz_new_dark.jpg" in section
    assert "Distribution shift" in section
    assert 'class="legend"' in html  # base overlay legend
    table = table_of(html)
    assert "added" in table["changes"]  # type: ignore[operator]


def test_thumbnails_are_small_capped_and_stay_inside_the_root(tmp_path: Path) -> None:
    save(tmp_path / "a.jpg", photo(1, (1600, 1200)))
    save(tmp_path / "b.png", dark(2, (300, 200)))
    (tmp_path / "bad.jpg").write_bytes(b"not an image")
    (tmp_path.parent / "outside.jpg").write_bytes((tmp_path / "a.jpg").read_bytes())
    th = Thumbnailer(tmp_path, budget=2)
    a = th.get("a.jpg")
    assert a is not None and a.startswith("data:image/")
    assert len(a) < 12_000  # a few KB
    assert th.get("../outside.jpg") is None
    assert th.get("bad.jpg") is None
    assert th.get("https://example.com/a.jpg") is None
    assert th.get("b.png") is not None
    assert th.get("a.jpg") == a  # cached, not counted twice
    save(tmp_path / "c.jpg", photo(3, (64, 64)))
    assert th.get("c.jpg") is None  # budget spent
    assert Thumbnailer(None).get("a.jpg") is None


def test_report_with_images_embeds_thumbnails_of_flagged_images(tmp_path: Path) -> None:
    recs = small_records(12)
    for i, r in enumerate(recs):
        save(tmp_path / r["path"], (dark if i < 2 else photo)(i, (200, 150)))
        if i < 2:
            r["stats"]["luma_p"]["p999"] = 10.0
    result = fast_result(recs)
    with_thumbs = render_html(result, images_root=tmp_path)
    without = render_html(result)
    gallery = with_thumbs[with_thumbs.index('id="flagged"') :]
    assert gallery.count('src="data:image/') >= 2
    assert 'src="data:image/' not in without


def test_cli_report_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from imgeda_ci import manifest

    recs = small_records(15)
    manifest.write(tmp_path / "m.jsonl", synthetic.header(15), recs)
    out = tmp_path / "out" / "r.html"
    assert main(["report", "-m", str(tmp_path / "m.jsonl"), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert "wrote" in capsys.readouterr().out
    assert (
        main(["report", "-m", str(tmp_path / "m.jsonl"), "--images", str(tmp_path / "nope")]) == 1
    )
    assert "--images" in capsys.readouterr().err
    assert main(["report", "-m", str(tmp_path / "missing.jsonl"), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "manifest not found" in err


def test_templates_are_found_as_package_data() -> None:
    root = templates.template_root()
    for name in ("report.html.j2", "report.css", "report.js", "partials/verdict.html.j2"):
        assert root.joinpath(*name.split("/")).is_file(), name


@pytest.mark.slow
def test_100k_image_report_stays_within_the_size_budget(big_html: BigReport) -> None:
    size = big_html.path.stat().st_size
    print(f"100k report: {size / 1e6:.2f} MB, rendered in {big_html.render_seconds:.1f} s")
    assert size < MAX_BYTES
    html = big_html.path.read_text(encoding="utf-8")
    assert table_of(html)["rows"] == big_html.images
    # charts are aggregated: the specs do not grow with the images
    specs = next(s for a, s in parse(html).scripts if a.get("id") == "chart-specs")
    assert len(specs) < 300_000
    assert big_html.render_seconds < 60
