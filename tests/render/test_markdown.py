from __future__ import annotations

import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from imgeda_ci.render.markdown import (
    MARKER,
    REPORT_END,
    REPORT_START,
    render_comment,
    render_summary,
    set_report_link,
)
from imgeda_ci.run_result import RunResult
from tests.render.results import result_for, synthetic_result


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    return result_for(tmp_path_factory.mktemp("hostile"), hostile=True, with_base=True)


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    return result_for(tmp_path_factory.mktemp("plain"))


@pytest.fixture(scope="module")
def large() -> RunResult:
    return synthetic_result(20_000)


def test_comment_has_marker_verdict_checks_and_report(plain: RunResult) -> None:
    body = render_comment(plain)
    assert body.startswith(MARKER + "\n")
    assert "imgeda-ci: policy failed" in body
    assert "### ❌ Failed (2)" in body
    assert "| `truncated` | error | 1 (" in body
    assert "### Top findings" in body
    assert "mermaid" not in body
    assert REPORT_START in body and "artifact" in body
    assert "checks passed" in body


def test_comment_with_base_shows_introduced_and_resolved(hostile: RunResult) -> None:
    body = render_comment(hostile)
    assert "Compared with the base:" in body
    assert "### Introduced by this change (" in body
    assert "### Resolved by this change (1)" in body
    assert "old\\_broken\\.jpg" in body


def test_report_url_is_a_link(plain: RunResult) -> None:
    body = render_comment(plain, report_url="https://github.com/o/r/actions/runs/1 (x)")
    assert "[Open the full HTML report](https://github.com/o/r/actions/runs/1%20%28x%29)" in body
    # a non-http URL is never linked
    assert "javascript" not in render_comment(plain, report_url="javascript:alert(1)")


def test_set_report_link_replaces_only_the_report_line(plain: RunResult) -> None:
    body = render_comment(plain)
    out = set_report_link(body, "https://example.test/artifact/9")
    assert "(https://example.test/artifact/9)" in out
    assert out.count(REPORT_START) == 1 and out.count(REPORT_END) == 1
    assert set_report_link(body, "file:///etc/passwd") == body


def test_hostile_file_names_inject_nothing(hostile: RunResult) -> None:
    for body in (render_comment(hostile), render_summary(hostile)):
        html = MarkdownIt("gfm-like").render(body)
        assert "<a " not in html and "<img" not in html
        for cell in re.findall(r"<td>(.*?)</td>", html, re.DOTALL):
            assert "<" not in cell.replace("<code>", "").replace("</code>", ""), cell
        # the only HTML comments are ours: the marker cannot be faked by a file name
        comments = re.findall(r"<!--.*?-->", body)
        assert set(comments) <= {MARKER, REPORT_START, REPORT_END}
        assert body.count(MARKER) <= 1
        assert "@octocat" not in body and "#1 " not in body
        for line in body.splitlines():
            if line.startswith("| error | `truncated`"):
                assert line.count(" | ") == 3  # exactly four cells, whatever the name holds


def test_comment_fits_githubs_limit_for_a_large_dataset(large: RunResult) -> None:
    body = render_comment(large)
    assert len(body) <= 65536
    assert body.startswith(MARKER)
    assert "more." in body  # rows beyond the budget are counted, not listed


def test_summary_fits_one_mib_for_a_large_dataset(large: RunResult) -> None:
    text = render_summary(large)
    assert len(text.encode("utf-8")) <= 1 << 20
    assert "Annotations show the first 10 of" in text


@pytest.mark.parametrize("limit", [6_000, 2_500, 1_200])
def test_small_limits_shorten_with_a_note(large: RunResult, limit: int) -> None:
    body = render_comment(large, max_chars=limit)
    assert len(body) <= limit
    assert body.startswith(MARKER)
    assert "size limit" in body
    assert body.count("```") % 2 == 0  # a cut never leaves a code fence open


def test_summary_limit_counts_bytes(large: RunResult) -> None:
    text = render_summary(large, max_bytes=30_000)
    assert len(text.encode("utf-8")) <= 30_000


def test_passing_result(tmp_path: Path) -> None:
    from imgeda_ci import manifest
    from imgeda_ci.policy import default_policy
    from imgeda_ci.run_result import build_result
    from imgeda_ci.scan.api import scan_folder
    from tests.builders import photo, save

    for i in range(3):
        save(tmp_path / "d" / f"p{i}.jpg", photo(i, (160, 120)))
    scan_folder(tmp_path / "d", tmp_path / "m.jsonl", use_git=False, workers=1)
    header, records = manifest.load(tmp_path / "m.jsonl")
    result = build_result(records, default_policy(), header=header)
    body = render_comment(result)
    assert "✅ imgeda-ci: passed" in body
    assert "Failed" not in body and "Warnings" not in body
