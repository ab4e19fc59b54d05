"""The PR comment and the job summary as people see them: rendered by a CommonMark renderer with
GitHub's table extension (markdown-it-py), with assertions on the HTML, not on the Markdown."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from imgeda_ci.render.markdown import MARKER, render_comment, render_summary, set_report_link
from imgeda_ci.run_result import RunResult
from tests.render.results import result_for, synthetic_result

URL = "https://github.com/o/r/actions/runs/1/artifacts/2"


def to_html(markdown: str) -> str:
    """GitHub's reading: CommonMark (raw HTML allowed) plus GFM tables."""
    return MarkdownIt("commonmark").enable("table").render(markdown)


class _Visible(HTMLParser):
    """The text a reader sees: HTML comments are dropped."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible(html: str) -> str:
    p = _Visible()
    p.feed(html)
    return "".join(p.parts)


def tables(html: str) -> list[str]:
    return re.findall(r"<table>.*?</table>", html, re.DOTALL)


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    return result_for(tmp_path_factory.mktemp("plain"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    """The demo dataset: three failing checks (leakage, truncated, unreadable), many warnings."""
    from imgeda_ci import manifest
    from imgeda_ci.demo.dataset import make_demo
    from imgeda_ci.policy import default_policy
    from imgeda_ci.run_result import build_result
    from imgeda_ci.scan.api import scan_folder

    tmp = tmp_path_factory.mktemp("demo")
    data = tmp / "dataset"
    make_demo(data)
    scan_folder(data, tmp / "m.jsonl", use_git=False, workers=1)
    header, records = manifest.load(tmp / "m.jsonl")
    return build_result(records, default_policy(), header=header)


def _failing(result: RunResult) -> list[str]:
    return sorted({r.name for r in result.verdict.limits if r.status == "fail"})


@pytest.mark.parametrize("render", [render_comment, render_summary])
def test_report_link_is_a_link(plain: RunResult, render: object) -> None:
    body = render(plain, report_url=URL)  # type: ignore[operator]
    html = to_html(body)
    assert f'<a href="{URL}">Open the full HTML report</a>' in html
    assert "Open the full HTML report" in visible(html)
    assert "[Open the full HTML report]" not in html  # never shown as literal Markdown


@pytest.mark.parametrize("render", [render_comment, render_summary])
def test_artifact_name_is_code_when_there_is_no_url(plain: RunResult, render: object) -> None:
    html = to_html(render(plain))  # type: ignore[operator]
    assert "<code>imgeda-ci-report</code>" in html
    assert "`" not in visible(html)


def test_report_link_set_later_is_a_link(plain: RunResult) -> None:
    html = to_html(set_report_link(render_comment(plain), URL))
    assert f'<a href="{URL}">Open the full HTML report</a>' in html


def test_marker_stays_hidden_and_first(plain: RunResult) -> None:
    body = render_comment(plain, report_url=URL)
    assert body.startswith(MARKER + "\n")  # what the comment poster looks for
    html = to_html(body)
    assert "imgeda-ci -->" not in visible(html)
    assert "<h2>" in html


@pytest.mark.parametrize("render", [render_comment, render_summary])
def test_failing_checks_visible_and_tables_render(demo: RunResult, render: object) -> None:
    html = to_html(render(demo, report_url=URL))  # type: ignore[operator]
    text = visible(html)
    failing = _failing(demo)
    assert failing == ["leakage", "truncated", "unreadable"]
    for check in failing:
        assert f"<code>{check}</code>" in html
        assert check in text
    assert tables(html) and "<td>" in tables(html)[0]


def test_comment_leads_with_the_failing_checks(demo: RunResult) -> None:
    html = to_html(render_comment(demo, report_url=URL))
    first = tables(html)[0]
    codes = re.findall(r"<code>([^<]*)</code>", first)
    # the first table holds the failing checks and only them, errors first
    assert sorted(codes) == _failing(demo)
    assert "warning" not in visible(first)
    headings = re.findall(r"<h3>(.*?)</h3>", html)
    assert headings[0].startswith("❌ Failed")
    assert any(h.startswith("⚠️ Warnings") for h in headings)
    # no pie that folds failing checks into "other"
    assert "mermaid" not in html and '"other"' not in html


def test_failing_checks_survive_the_smallest_budget(demo: RunResult) -> None:
    for limit in (3_000, 1_500):
        text = visible(to_html(render_comment(demo, max_chars=limit)))
        for check in _failing(demo):
            assert check in text, (limit, check)


def test_many_failing_checks_are_all_named(tmp_path: Path) -> None:
    result = synthetic_result(200)
    failing = _failing(result)
    assert failing
    text = visible(to_html(render_comment(result, max_chars=2_500)))
    for check in failing:
        assert check in text


def test_a_cut_never_keeps_half_the_report_block(plain: RunResult) -> None:
    full = render_comment(plain, report_url=URL)
    for limit in range(300, len(full), 10):
        body = render_comment(plain, report_url=URL, max_chars=limit)
        assert len(body) <= limit
        assert ("<!-- imgeda-ci:report -->" in body) == ("<!-- /imgeda-ci:report -->" in body)


def test_every_failing_check_is_named_past_the_row_budget(demo: RunResult) -> None:
    from imgeda_ci.policy import parse_policy
    from imgeda_ci.run_result import build_result

    warned = sorted({r.name for r in demo.verdict.limits if r.status == "warn"})
    checks = "".join(f"  {c}: {{severity: error}}\n" for c in warned)
    policy = parse_policy(f"version: 1\nchecks:\n{checks}")
    strict = build_result(demo.records, policy, header=demo.header)
    failing = _failing(strict)
    assert len(failing) > 10  # more than the smallest budget has rows for
    body = render_comment(strict, max_chars=2_000)
    assert len(body) <= 2_000
    text = visible(to_html(body))
    for check in failing:
        assert check in text, check
