"""A leaked near-copy is one problem in every output people read, with repository paths.

A test image that nearly copies a train image, added by a pull request, is flagged by three
checks (``leakage``, ``near_duplicate``, ``duplicate_of_base``): the result keeps the three
findings (each policy limit counts its own), but the annotations, the SARIF results, the
comment's rows and the report's duplicate groups show it once, naming the other checks; and
every one of them writes the images' paths relative to the repository root, messages included.
The run is a real ``imgeda-ci ci --base-ref`` in a real git repository.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tests.builders import photo, save
from tests.render.test_sarif import SCHEMA
from tests.test_ci import git

LEAKS = {"data/test/leak0.jpg": "data/train/img0.jpg", "data/test/leak1.jpg": "data/train/img1.jpg"}
OTHERS = {"near_duplicate", "duplicate_of_base"}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Outputs of ``ci`` on a pull request adding two test images copied from train."""
    tmp = tmp_path_factory.mktemp("cause")
    root = tmp / "repo"
    for i in range(6):
        save(root / "data/train" / f"img{i}.jpg", photo(i))
    for i in range(6, 9):
        save(root / "data/test" / f"img{i}.jpg", photo(i))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    git(root, "checkout", "-q", "-b", "pr")
    save(root / "data/test/leak0.jpg", photo(0).resize((600, 450)), quality=80)
    save(root / "data/test/leak1.jpg", photo(1), quality=70)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "leak two train images into test")
    o = tmp / "out"
    o.mkdir()
    args = ["ci", "data", "--base-ref", "main", "--annotations", "--workers", "1"]
    for flag, name in (("--comment-out", "comment.md"), ("--report-out", "report.html"),
                       ("--sarif-out", "r.sarif"), ("--json-out", "r.json")):  # fmt: skip
        args += [flag, str(o / name)]
    proc = subprocess.run(
        [sys.executable, "-m", "imgeda_ci", *args], cwd=root, capture_output=True, text=True
    )
    assert proc.returncode == 2, proc.stderr
    (o / "stdout.txt").write_text(proc.stdout, encoding="utf-8")
    return o


def test_the_result_keeps_every_check_finding(out: Path) -> None:
    findings = json.loads((out / "r.json").read_text())["introduced"]
    by_check = {(f["check"], f["path"]) for f in findings}
    for check in ("leakage", *OTHERS):
        assert {(check, p.removeprefix("data/")) for p in LEAKS} <= by_check


def test_one_annotation_per_leaked_image(out: Path) -> None:
    lines = [ln for ln in (out / "stdout.txt").read_text().splitlines() if ln.startswith("::")]
    assert len(lines) == len(LEAKS), lines
    for line in lines:
        m = re.match(r"::error file=([^,]+),title=imgeda-ci%3A leakage::(.*)$", line)
        assert m, line
        path, text = m.groups()
        assert text.startswith(f"{path}: ")
        assert f" {LEAKS[path]} " in text  # the original, relative to the repository too
        assert all(check in text for check in OTHERS)


def test_one_sarif_result_per_leaked_image(out: Path) -> None:
    log = json.loads((out / "r.sarif").read_text())
    if SCHEMA.is_file():
        from jsonschema import Draft4Validator

        schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
        assert Draft4Validator(schema).is_valid(log)
    results = log["runs"][0]["results"]
    assert len(results) == len(LEAKS)
    for r in results:
        uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        related = r["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert (r["ruleId"], r["level"], related) == ("leakage", "error", LEAKS[uri])
        assert set(r["properties"]["alsoFlaggedBy"]) == OTHERS
        assert LEAKS[uri] in r["message"]["text"]


class _Cells(HTMLParser):
    """Text of each table cell of the rendered comment, row by row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append("".join(self.cell))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def test_comment_lists_each_leak_once_with_repository_paths(out: Path) -> None:
    html = MarkdownIt("commonmark").enable("table").render((out / "comment.md").read_text())
    assert re.search(r"<h3>Introduced by this change \(2; 6 findings\)</h3>", html)
    section = html.split("Introduced by this change", 1)[1]
    parser = _Cells()
    parser.feed(section)
    header, *rows = parser.rows
    assert header == ["severity", "check", "path", "message"]
    assert sorted(r[2] for r in rows) == sorted(LEAKS)
    for severity, check, path, message in rows:
        assert severity == "error"
        assert check.startswith("leakage") and all(c in check for c in OTHERS)
        assert message.endswith(f"train image {LEAKS[path]}")
    # the failing check's examples are repository paths too
    assert "data/test/leak0.jpg, data/test/leak1.jpg" in html


class _Groups(HTMLParser):
    """The report's duplicate groups: each group's title and its members' captions."""

    def __init__(self) -> None:
        super().__init__()
        self.groups: list[dict[str, object]] = []
        self.stats: dict[str, str] = {}
        self._in: str | None = None
        self._dt = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        cls = dict(attrs).get("class") or ""
        if tag == "div" and cls == "group card":
            self.groups.append({"title": "", "members": []})
        elif self.groups and tag == "span" and cls == "tag" and not self.groups[-1]["title"]:
            self._in = "title"
        elif self.groups and tag == "span" and cls == "mono":
            self._in = "member"
        elif tag in ("dt", "dd"):
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.groups[-1]["title"] = data
        elif self._in == "member":
            members = self.groups[-1]["members"]
            assert isinstance(members, list)
            members.append(data)
        elif self._in == "dt":
            self._dt = data
        elif self._in == "dd":
            self.stats[self._dt] = data


def test_report_draws_each_pair_once(out: Path) -> None:
    parser = _Groups()
    parser.feed((out / "report.html").read_text())
    assert parser.stats["duplicate groups"] == "2"
    assert len(parser.groups) == 2
    for g in parser.groups:
        assert g["title"] == "leakage across splits · near-duplicates · copies of base images"
        members = g["members"]
        assert isinstance(members, list)
        leak = next(m for m in members if m in LEAKS)
        assert sorted(members) == sorted([leak, LEAKS[leak]])
