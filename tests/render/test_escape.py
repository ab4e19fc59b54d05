from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from imgeda_ci.render.escape import (
    ZWSP,
    md_code,
    md_text,
    shorten,
    workflow_data,
    workflow_property,
)

HOSTILE = [
    "[click](https://evil.example)",
    "![img](https://evil.example/x.png)",
    "<img src=x onerror=alert(1)>",
    "<!-- imgeda-ci --> hidden",
    "@octocat and @org/team",
    "fixes #12 and owner/repo#3",
    "https://evil.example www.evil.example mail@evil.example",
    "**bold** _it_ `code` ~~strike~~ $x^2$",
    "# heading",
    "a | b | c",
    ":smile: &amp; &#64;",
    "line\nbreak\r\n- item",
    "\u202etxt.exe",
]


def render(text: str) -> str:
    md = MarkdownIt("gfm-like")  # tables, strikethrough, linkify (autolinks)
    return md.render(f"| h |\n|---|\n| {text} |\n")


@pytest.mark.parametrize("text", HOSTILE)
def test_md_text_renders_as_plain_text(text: str) -> None:
    html = render(md_text(text))
    assert "<a " not in html and "<img" not in html and "<em>" not in html
    assert "<strong>" not in html and "<code>" not in html and "<s>" not in html
    assert html.count("<td>") == 1  # no extra table cell
    assert "<h1>" not in html and "<li>" not in html
    assert "<!--" not in html


@pytest.mark.parametrize("text", HOSTILE)
def test_md_text_breaks_mentions_refs_and_urls(text: str) -> None:
    out = md_text(text)
    assert "\n" not in out and "\r" not in out and "\u202e" not in out
    for i, c in enumerate(out):
        if c in "@#:":
            assert out[i + 1 : i + 2] == ZWSP, (text, out)
    assert "<" not in out and ">" not in out
    assert "www." not in out.lower().replace("\\", "")


def test_md_text_keeps_the_visible_text() -> None:
    text = "train/cat_01 (copy) [2].jpg"
    shown = md_text(text).replace("\\", "").replace(ZWSP, "")
    assert shown == text
    html = render(md_text(text))
    assert text in html.replace(ZWSP, "")


def test_md_code_cannot_end_the_span_or_the_cell() -> None:
    out = md_code("a`b|c\nd")
    assert "`" not in out and "\n" not in out and "\\|" in out
    html = MarkdownIt("gfm-like").render(f"| h |\n|---|\n| `{out}` |\n")
    assert html.count("<td>") == 1 and "<code>" in html


def test_shorten_keeps_both_ends() -> None:
    s = "a" * 50 + "/file_name.jpg"
    short = shorten(s, 20)
    assert len(short) == 20 and short.endswith(".jpg") and "\u2026" in short
    assert shorten("short", 20) == "short"


def test_workflow_escaping() -> None:
    assert workflow_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert workflow_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    # a newline can never start a new workflow command
    assert "\n" not in workflow_data("x\n::error::boom")
