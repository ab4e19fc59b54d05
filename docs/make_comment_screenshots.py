"""Make docs/comment.png and docs/summary.png: the PR comment and the job summary in Chromium.

They come from a real run: a git repository whose ``main`` holds the demo dataset's good photos and
whose branch ``change`` adds the planted problems; ``imgeda-ci ci --base-ref main`` writes the
Markdown, which is rendered the way GitHub reads it (CommonMark with raw HTML, plus GFM tables,
through markdown-it-py) into a page with GitHub-like styles. Run by hand after changing the
comment (needs Debian's chromium, fonts-noto-color-emoji and playwright)::

    python docs/make_comment_screenshots.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from markdown_it import MarkdownIt

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
sys.path.insert(0, str(REPO))

from imgeda_ci.demo.dataset import PLANTED, make_demo  # noqa: E402
from tests.render.html_helpers import launch, save_screenshot  # noqa: E402

WIDTH = 1000
REPORT_URL = "https://github.com/example/dataset/actions/runs/1/artifacts/2"
STYLE = """
body { font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif;
       color: #1f2328; background: #fff; margin: 0; padding: 16px 24px; max-width: 940px; }
h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; }
h3 { font-size: 1.25em; margin-top: 24px; }
table { border-collapse: collapse; margin: 8px 0 16px; display: block; overflow: auto; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; text-align: left; }
tr:nth-child(2n) { background: #f6f8fa; }
code { background: #eff1f3; border-radius: 6px; padding: .2em .4em; font-size: 85%;
       font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
a { color: #0969da; text-decoration: none; }
sub { color: #59636e; }
"""


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "demo", "GIT_AUTHOR_EMAIL": "demo@example.com"}
    env |= {"GIT_COMMITTER_NAME": "demo", "GIT_COMMITTER_EMAIL": "demo@example.com"}
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def make_repository(repo: Path) -> None:
    """``main``: the good photos; ``change``: the planted problems added on top."""
    data = repo / "dataset"
    make_demo(data)
    held = {p: (data / p).read_bytes() for p in PLANTED if (data / p).exists()}
    for p in held:
        (data / p).unlink()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base: good photos")
    _git(repo, "switch", "-q", "-c", "change")
    for p, blob in held.items():
        (data / p).write_bytes(blob)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "change: new images")


def render_markdown(repo: Path) -> dict[str, str]:
    out = repo / ".out"
    cmd = [sys.executable, "-m", "imgeda_ci", "ci", "dataset", "--base-ref", "main", "-q"]
    cmd += ["--comment-out", str(out / "comment.md"), "--summary-out", str(out / "summary.md")]
    cmd += ["--report-url", REPORT_URL, "--workers", "1"]
    out.mkdir()
    subprocess.run(cmd, cwd=repo, check=False, capture_output=True)
    names = ("comment", "summary")
    return {name: (out / f"{name}.md").read_text(encoding="utf-8") for name in names}


def main() -> int:
    md = MarkdownIt("commonmark").enable("table")
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        make_repository(repo)
        pages = {}
        for name, text in render_markdown(repo).items():
            page = Path(tmp) / f"{name}.html"
            body = md.render(text)
            assert f'<a href="{REPORT_URL}">' in body, f"{name}: the report link is not a link"
            page.write_text(
                f"<!doctype html><meta charset=utf-8><style>{STYLE}</style>{body}", encoding="utf-8"
            )
            pages[name] = page
        for browser in launch():
            for name, page_file in pages.items():
                page = browser.new_page(viewport={"width": WIDTH, "height": 800})
                page.goto(page_file.as_uri())
                save_screenshot(page, DOCS / f"{name}.png", full_page=True)
                page.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
