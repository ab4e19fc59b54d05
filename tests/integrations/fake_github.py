"""A GitHub REST API stand-in on loopback: the issue-comment endpoints the poster uses.

GET  /repos/O/R/issues/N/comments  (pages of ``page_size``, ``Link: <...>; rel="next"``)
POST /repos/O/R/issues/N/comments
PATCH /repos/O/R/issues/comments/ID
``mode`` = "ok" | "readonly" (403 on writes, as a fork PR's token gets) | "error" (500 on writes).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class State:
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # method, path, auth
    mode: str = "ok"
    page_size: int = 2
    next_id: int = 100
    foreign_next: bool = False  # answer with a next link to another host


class _Handler(BaseHTTPRequestHandler):
    state: State  # set on the subclass each server makes

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, code: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _record(self) -> list[str]:
        self.state.requests.append((self.command, self.path, self.headers.get("Authorization", "")))
        return urlsplit(self.path).path.strip("/").split("/")

    def do_GET(self) -> None:
        parts = self._record()
        if len(parts) == 6 and parts[3] == "issues" and parts[5] == "comments":
            items = self.state.comments.get(int(parts[4]), [])
            page = int(parse_qs(urlsplit(self.path).query).get("page", ["1"])[0])
            lo = (page - 1) * self.state.page_size
            headers = {}
            if lo + self.state.page_size < len(items):
                host = "evil.invalid" if self.state.foreign_next else self.headers["Host"]
                nxt = f"http://{host}/{'/'.join(parts)}?per_page=100&page={page + 1}"
                headers["Link"] = f'<{nxt}>; rel="next", <{nxt}>; rel="last"'
            self._send(200, items[lo : lo + self.state.page_size], headers)
            return
        self._send(404, {"message": "Not Found"})

    def _body(self) -> dict[str, Any]:
        n = int(self.headers.get("Content-Length", "0"))
        return json.loads(self.rfile.read(n) or b"{}")

    def do_POST(self) -> None:
        parts = self._record()
        body = self._body()
        if self.state.mode != "ok":
            code = 403 if self.state.mode == "readonly" else 500
            self._send(code, {"message": "Resource not accessible by integration"})
            return
        number = int(parts[4])
        self.state.next_id += 1
        c = {
            "id": self.state.next_id,
            "body": body["body"],
            "html_url": f"http://x/{self.state.next_id}",
        }
        self.state.comments.setdefault(number, []).append(c)
        self._send(201, c)

    def do_PATCH(self) -> None:
        parts = self._record()
        body = self._body()
        if self.state.mode != "ok":
            code = 403 if self.state.mode == "readonly" else 500
            self._send(code, {"message": "nope"})
            return
        cid = int(parts[5])
        for items in self.state.comments.values():
            for c in items:
                if c["id"] == cid:
                    c["body"] = body["body"]
                    self._send(200, c)
                    return
        self._send(404, {"message": "Not Found"})


@contextmanager
def fake_github() -> Iterator[tuple[str, State]]:
    state = State()
    handler = type("Handler", (_Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
