"""imgeda-ci comment: post or update the sticky PR comment; never fails the job over posting."""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path
from typing import Any

from imgeda_ci.errors import EXIT_OK, UserError

_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "comment",
        help="post or update the PR comment (falls back to the job summary)",
        description="Post FILE (a comment rendered by 'imgeda-ci ci --comment-out') on a pull "
        "request, updating the comment imgeda-ci posted before (found by its hidden marker) "
        "instead of adding one per push. The repository, pull request, token and API URL come "
        "from the options or from GitHub Actions' GITHUB_REPOSITORY, GITHUB_EVENT_PATH, "
        "GITHUB_TOKEN and GITHUB_API_URL. When the comment cannot be posted (a read-only token "
        "on a fork's pull request, no token, an API error) it prints a notice, appends the "
        "comment to GITHUB_STEP_SUMMARY and still exits 0: reporting never fails the job.",
    )
    p.add_argument("--file", required=True, help="the comment's Markdown")
    p.add_argument("--repo", help="OWNER/NAME (default: $GITHUB_REPOSITORY)")
    p.add_argument("--pr", type=int, help="pull request number (default: from $GITHUB_EVENT_PATH)")
    p.add_argument("--report-url", help="link the comment's report line to this URL")
    p.add_argument(
        "--no-summary-fallback",
        action="store_true",
        help="do not append the comment to the job summary when posting fails (use when the "
        "summary already holds the report)",
    )
    p.set_defaults(func=run)
    return p


def pr_number(event_path: str | None) -> int | None:
    """The pull request number of a GitHub event payload, if it is about one."""
    if not event_path:
        return None
    try:
        event = json.loads(Path(event_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(event, dict):
        return None
    pr = event.get("pull_request")
    if isinstance(pr, dict) and isinstance(pr.get("number"), int):
        return int(pr["number"])
    issue = event.get("issue")
    if isinstance(issue, dict) and "pull_request" in issue and isinstance(issue.get("number"), int):
        return int(issue["number"])
    n = event.get("number")
    return n if isinstance(n, int) and isinstance(pr, dict) else None


def run(args: argparse.Namespace) -> int:
    from imgeda_ci.integrations.github import append_file, notice, summary_path
    from imgeda_ci.integrations.github_api import (
        DEFAULT_API_URL,
        Client,
        GitHubError,
        upsert_comment,
    )
    from imgeda_ci.render.markdown import COMMENT_LIMIT, MARKER, set_report_link

    try:
        body = Path(args.file).read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{args.file}: cannot read the comment: {exc.strerror}") from None
    if args.report_url:
        body = set_report_link(body, args.report_url)
    if not body.lstrip().startswith(MARKER):
        body = f"{MARKER}\n{body}"
    if len(body) > COMMENT_LIMIT:
        note = "\n\n_…truncated to fit GitHub's size limit._\n"
        body = body[: COMMENT_LIMIT - len(note)] + note

    env = os.environ
    repo = args.repo or env.get("GITHUB_REPOSITORY", "")
    number = args.pr if args.pr is not None else pr_number(env.get("GITHUB_EVENT_PATH"))
    token = env.get("GITHUB_TOKEN", "")
    api = env.get("GITHUB_API_URL") or DEFAULT_API_URL

    def fallback(message: str, level: str = "notice") -> int:
        where = ""
        if not args.no_summary_fallback and append_file(summary_path(), body):
            where = "; the comment was added to the job summary instead"
        notice(message + where, level=level)
        return EXIT_OK

    if not _REPO.match(repo):
        return fallback("imgeda-ci comment: no repository (set --repo or GITHUB_REPOSITORY)")
    if number is None or number <= 0:
        return fallback("imgeda-ci comment: not a pull request, so no PR comment was posted")
    if not token:
        return fallback("imgeda-ci comment: GITHUB_TOKEN is not set, so no PR comment was posted")
    try:
        out = upsert_comment(Client(token, api), repo, number, body, MARKER)
    except GitHubError as exc:
        if exc.read_only:
            return fallback(
                f"imgeda-ci comment: the token cannot comment on {repo}#{number} (HTTP "
                f"{exc.status}; pull requests from forks get a read-only token)"
            )
        return fallback(f"imgeda-ci comment: posting the PR comment failed: {exc}", "warning")
    print(f"imgeda-ci comment: {out.action} comment {out.comment_id} on {repo}#{number}")
    return EXIT_OK
