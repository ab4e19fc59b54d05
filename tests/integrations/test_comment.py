from __future__ import annotations

import json
from pathlib import Path

import pytest

from imgeda_ci.cli import main
from imgeda_ci.render.markdown import MARKER, REPORT_END, REPORT_START
from tests.integrations.fake_github import fake_github

BODY = f"{MARKER}\n## imgeda-ci: passed\n\n{REPORT_START}report{REPORT_END}\n"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("GITHUB_REPOSITORY", "GITHUB_EVENT_PATH", "GITHUB_API_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", "t0ken")
    summary = tmp_path / "summary.md"
    summary.write_text("")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    (tmp_path / "comment.md").write_text(BODY, encoding="utf-8")
    return tmp_path


def post(tmp: Path, *extra: str) -> int:
    return main(["comment", "--file", str(tmp / "comment.md"), "--repo", "o/r", "--pr", "7",
                 *extra])  # fmt: skip


def test_creates_then_updates_one_sticky_comment(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with fake_github() as (url, state):
        monkeypatch.setenv("GITHUB_API_URL", url)
        # five comments by people first: the marker search has to page through them
        state.comments[7] = [{"id": i, "body": f"lgtm {MARKER}"} for i in range(1, 6)]
        assert post(env) == 0
        assert "created comment 101" in capsys.readouterr().out
        (env / "comment.md").write_text(BODY.replace("passed", "failed"), encoding="utf-8")
        assert post(env, "--report-url", "https://example.test/a/1") == 0
        assert "updated comment 101" in capsys.readouterr().out
    mine = [c for c in state.comments[7] if c["body"].startswith(MARKER)]
    assert len(mine) == 1 and "failed" in mine[0]["body"]
    assert "(https://example.test/a/1)" in mine[0]["body"]
    gets = [r for r in state.requests if r[0] == "GET"]
    assert len(gets) >= 4  # 6 comments in pages of 2, followed through the Link header
    assert all(auth == "Bearer t0ken" for _, _, auth in state.requests)
    assert (env / "summary.md").read_text() == ""


def test_read_only_token_falls_back_to_the_summary(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with fake_github() as (url, state):
        monkeypatch.setenv("GITHUB_API_URL", url)
        state.mode = "readonly"
        assert post(env) == 0
    out = capsys.readouterr().out
    assert out.startswith("::notice::") and "read-only token" in out
    assert "added to the job summary" in out
    assert MARKER in (env / "summary.md").read_text()


def test_server_error_is_a_warning_not_a_failure(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with fake_github() as (url, state):
        monkeypatch.setenv("GITHUB_API_URL", url)
        state.mode = "error"
        assert post(env, "--no-summary-fallback") == 0
    out = capsys.readouterr().out
    assert out.startswith("::warning::") and "HTTP 500" in out
    assert (env / "summary.md").read_text() == ""


def test_unreachable_api_never_fails(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with fake_github() as (url, _):
        pass  # the server is gone: connection refused
    monkeypatch.setenv("GITHUB_API_URL", url)
    assert post(env) == 0
    assert "::warning::" in capsys.readouterr().out


def test_next_link_to_another_host_is_not_followed(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fake_github() as (url, state):
        monkeypatch.setenv("GITHUB_API_URL", url)
        state.foreign_next = True
        state.comments[7] = [{"id": i, "body": "hi"} for i in range(1, 6)]
        assert post(env) == 0
    assert len([r for r in state.requests if r[0] == "GET"]) == 1
    assert [r[0] for r in state.requests].count("POST") == 1


def test_repository_and_pr_from_the_github_environment(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    event = env / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 12}}))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_REPOSITORY", "octo/data")
    with fake_github() as (url, state):
        monkeypatch.setenv("GITHUB_API_URL", url)
        assert main(["comment", "--file", str(env / "comment.md")]) == 0
    assert state.requests[-1][:2] == ("POST", "/repos/octo/data/issues/12/comments")


def test_not_a_pull_request_is_a_notice(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    event = env / "event.json"
    event.write_text(json.dumps({"ref": "refs/heads/main"}))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_REPOSITORY", "octo/data")
    assert main(["comment", "--file", str(env / "comment.md")]) == 0
    assert "not a pull request" in capsys.readouterr().out
