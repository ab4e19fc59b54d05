"""A small GitHub REST client (urllib) and the sticky PR comment.

:func:`upsert_comment` lists the pull request's issue comments (following ``Link: rel="next"``
pages), finds the one whose body starts with the marker and updates it (``PATCH``), or creates
one (``POST``). The base URL comes from ``GITHUB_API_URL`` (GitHub Enterprise, or a loopback
server in tests). A ``next`` link pointing at another host is not followed, so the token is only
ever sent to the API it was given for.

Every failure is a :class:`GitHubError` with the HTTP status (0 when the request did not get an
answer); the ``comment`` command turns it into a notice and never fails the job with it.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

DEFAULT_API_URL = "https://api.github.com"
TIMEOUT = 20.0
MAX_PAGES = 50  # 5,000 comments: enough for any PR, and a bound on a misbehaving server
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class GitHubError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status

    @property
    def read_only(self) -> bool:
        """The token may not write here (a fork's pull request, missing permissions)."""
        return self.status in (401, 403, 404)


@dataclass(frozen=True)
class Outcome:
    action: str  # "created" | "updated"
    comment_id: int
    url: str


class Client:
    def __init__(self, token: str, api_url: str = DEFAULT_API_URL) -> None:
        self.token = token
        self.api_url = api_url.rstrip("/")
        self._origin = urllib.parse.urlsplit(self.api_url)[:2]

    def _request(self, method: str, url: str, body: Any = None) -> tuple[Any, dict[str, str]]:
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Accept", "application/vnd.github+json")
        req.add_header("X-GitHub-Api-Version", "2022-11-28")
        req.add_header("User-Agent", "imgeda-ci")
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
                raw = resp.read()
                headers = {k.lower(): v for k, v in resp.headers.items()}
        except urllib.error.HTTPError as exc:
            detail = ""
            try:
                detail = json.loads(exc.read() or b"{}").get("message", "")
            except (ValueError, AttributeError, OSError):
                pass
            message = f"{method} {url}: HTTP {exc.code} {detail}".strip()
            raise GitHubError(exc.code, message) from None
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise GitHubError(0, f"{method} {url}: {reason}") from None
        try:
            return (json.loads(raw) if raw else None), headers
        except ValueError:
            raise GitHubError(0, f"{method} {url}: the answer is not JSON") from None

    def url(self, path: str) -> str:
        return self.api_url + path

    def _same_origin(self, url: str) -> bool:
        return urllib.parse.urlsplit(url)[:2] == self._origin

    def paginate(self, path: str) -> Iterator[dict[str, Any]]:
        url: str | None = self.url(path)
        pages = 0
        while url and pages < MAX_PAGES:
            data, headers = self._request("GET", url)
            pages += 1
            if not isinstance(data, list):
                raise GitHubError(0, f"GET {url}: expected a list")
            yield from (item for item in data if isinstance(item, dict))
            m = _NEXT.search(headers.get("link", ""))
            url = m.group(1) if m and self._same_origin(m.group(1)) else None

    def create_comment(self, repo: str, number: int, body: str) -> dict[str, Any]:
        data, _ = self._request("POST", self.url(f"/repos/{repo}/issues/{number}/comments"),
                                {"body": body})  # fmt: skip
        return data if isinstance(data, dict) else {}

    def update_comment(self, repo: str, comment_id: int, body: str) -> dict[str, Any]:
        data, _ = self._request("PATCH", self.url(f"/repos/{repo}/issues/comments/{comment_id}"),
                                {"body": body})  # fmt: skip
        return data if isinstance(data, dict) else {}


def find_comment(client: Client, repo: str, number: int, marker: str) -> dict[str, Any] | None:
    """The first comment whose body starts with ``marker``."""
    for c in client.paginate(f"/repos/{repo}/issues/{number}/comments?per_page=100"):
        body = c.get("body")
        if isinstance(body, str) and body.lstrip().startswith(marker):
            return c
    return None


def upsert_comment(client: Client, repo: str, number: int, body: str, marker: str) -> Outcome:
    """Update this tool's comment on the pull request, or create it."""
    found = find_comment(client, repo, number, marker)
    if found is not None and isinstance(found.get("id"), int):
        data = client.update_comment(repo, found["id"], body)
        return Outcome("updated", found["id"], str(data.get("html_url", "")))
    data = client.create_comment(repo, number, body)
    return Outcome("created", int(data.get("id") or 0), str(data.get("html_url", "")))
