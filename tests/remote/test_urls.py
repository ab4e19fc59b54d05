"""URL lists against an HTTP server on loopback: good, truncated, missing, slow, oversized and
flaky answers, politeness limits, saved files, resume without re-downloading, redaction."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from imgeda_ci import manifest
from imgeda_ci.cli import main
from imgeda_ci.scan import pipeline
from imgeda_ci.scan.analyze import content_fields
from imgeda_ci.scan.api import scan_folder, scan_urls
from imgeda_ci.scan.download import Limits
from imgeda_ci.scan.pipeline import journal_path
from imgeda_ci.scan.urllist import public_url, read_urls
from tests.builders import encode, photo, truncated_jpeg

GOOD = {f"/img/{i}.jpg": encode(photo(i, (160, 120)), "JPEG", quality=85) for i in range(6)}
GOOD["/img/p.png"] = encode(photo(9, (96, 64)), "PNG")
LIMITS = Limits(concurrency=8, per_host=3, timeout=0.5, max_bytes=200_000, retries=2, backoff=0.01)


class _Handler(BaseHTTPRequestHandler):
    server_state: Server  # set on the subclass each Server makes
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    released = False

    def release(self) -> None:
        """End this request's turn before its response leaves: once the client has the
        body it may start its next request, which must not count as overlapping."""
        if not self.released:
            self.released = True
            with self.server_state.lock:
                self.server_state.active -= 1

    def send_body(self, body: bytes, status: int = 200, **headers: str) -> None:
        self.release()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k.replace("_", "-"), v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.released = False
        path = self.path.split("?", 1)[0]
        with self.server_state.lock:
            self.server_state.hits[path] += 1
            n = self.server_state.hits[path]
            self.server_state.active += 1
            self.server_state.max_active = max(
                self.server_state.max_active, self.server_state.active
            )
        try:
            self.route(path, n)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            self.release()

    def route(self, path: str, n: int) -> None:
        if path in GOOD:
            time.sleep(0.02)  # long enough for the politeness limit to matter
            self.send_body(GOOD[path])
        elif path == "/truncated.jpg":
            self.send_body(truncated_jpeg())
        elif path == "/notes.txt":
            self.send_body(b"hello, not an image")
        elif path == "/slow.jpg":
            time.sleep(1.5)  # beyond the 0.5 s timeout
            self.send_body(GOOD["/img/0.jpg"])
        elif path == "/big.jpg":  # announced too large: never read
            self.send_response(200)
            self.send_header("Content-Length", "50000000")
            self.end_headers()
            self.close_connection = True
        elif path == "/big-stream.jpg":  # no Content-Length; the body runs past the limit
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            for _ in range(40):
                self.wfile.write(b"\xff" * 10_000)
        elif path == "/flaky.jpg" and n == 1:
            self.send_body(b"busy", 503, Retry_After="0")
        elif path == "/flaky.jpg":
            self.send_body(GOOD["/img/1.jpg"])
        elif path == "/down.jpg":
            self.send_body(b"down", 503)
        elif path == "/forbidden.jpg":
            self.send_body(b"no", 403)
        else:
            self.send_body(b"not here", 404)


class Server:
    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.active = 0
        self.max_active = 0
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(
            ("127.0.0.1", 0), type("Handler", (_Handler,), {"server_state": self})
        )
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    srv = Server()
    try:
        yield srv
    finally:
        srv.close()


def write_list(path: Path, urls: list[str]) -> Path:
    path.write_text("# a comment\n\n" + "\n".join(urls) + "\n")
    return path


def by_path(out: Path) -> dict[str, dict[str, Any]]:
    return {r["path"]: dict(r) for r in manifest.load(out)[1]}


def code_of(rec: dict[str, Any]) -> str | None:
    return rec["error"]["code"] if rec.get("error") else None


@pytest.mark.slow
def test_every_kind_of_answer_becomes_a_record(server: Server, tmp_path: Path) -> None:
    b = server.base
    urls = [f"{b}{p}" for p in GOOD] + [
        f"{b}/truncated.jpg", f"{b}/notes.txt", f"{b}/missing.jpg", f"{b}/slow.jpg",
        f"{b}/big.jpg", f"{b}/big-stream.jpg", f"{b}/flaky.jpg", f"{b}/down.jpg",
        f"{b}/forbidden.jpg",
    ]  # fmt: skip
    out = tmp_path / "m.jsonl"
    stats = scan_urls(write_list(tmp_path / "urls.txt", urls), out, limits=LIMITS, workers=2)
    recs = by_path(out)
    assert sorted(recs) == sorted(urls) and stats.images == len(urls)
    codes = {u.removeprefix(b): code_of(r) for u, r in recs.items()}
    assert {p: codes[p] for p in GOOD} == dict.fromkeys(GOOD)
    assert codes["/truncated.jpg"] == "truncated"
    assert codes["/notes.txt"] == "not_an_image"
    assert codes["/missing.jpg"] == "not_found"
    assert codes["/slow.jpg"] == "download_timeout"
    assert codes["/big.jpg"] == "too_large"
    assert codes["/big-stream.jpg"] == "too_large"
    assert codes["/flaky.jpg"] is None  # 503, then retried
    assert codes["/down.jpg"] == "http_error"
    assert codes["/forbidden.jpg"] == "http_error"
    assert server.hits["/flaky.jpg"] == 2
    assert server.hits["/down.jpg"] == 1 + LIMITS.retries
    assert server.hits["/forbidden.jpg"] == server.hits["/missing.jpg"] == 1  # not retried
    assert recs[f"{b}/big.jpg"]["size"] == 50_000_000
    assert "after 2 retries" in recs[f"{b}/down.jpg"]["error"]["message"]
    header, _ = manifest.load(out)
    assert header is not None and header["counts"]["error:download_timeout"] == 1
    assert header["root"] == (tmp_path / "urls.txt").as_posix()


def test_records_equal_a_local_scan_of_the_same_bytes(server: Server, tmp_path: Path) -> None:
    folder = tmp_path / "local"
    folder.mkdir()
    for p, data in GOOD.items():
        (folder / p.rsplit("/", 1)[-1]).write_bytes(data)
    scan_folder(folder, tmp_path / "local.jsonl", use_git=False)
    local = {r["path"]: content_fields(dict(r)) for r in manifest.load(tmp_path / "local.jsonl")[1]}
    urls = [f"{server.base}{p}" for p in GOOD]
    out = tmp_path / "m.jsonl"
    scan_urls(write_list(tmp_path / "u.txt", urls), out, limits=LIMITS)
    remote = {u.rsplit("/", 1)[-1]: content_fields(r) for u, r in by_path(out).items()}
    assert remote == local
    for url, rec in by_path(out).items():
        assert rec["path"] == url and rec["ext"] == url.rsplit(".", 1)[-1]


def test_per_host_limit_is_respected(server: Server, tmp_path: Path) -> None:
    urls = [f"{server.base}{p}" for p in GOOD] * 1 + [
        f"{server.base}/img/{i}.jpg?v={i}" for i in range(6)
    ]
    limits = Limits(concurrency=8, per_host=2, timeout=2, retries=0)
    scan_urls(write_list(tmp_path / "u.txt", urls), tmp_path / "m.jsonl", limits=limits)
    assert sum(server.hits.values()) == len(urls)
    assert 1 <= server.max_active <= 2


def test_save_to_keeps_content_addressed_files(server: Server, tmp_path: Path) -> None:
    b = server.base
    urls = [f"{b}/img/0.jpg", f"{b}/img/0.jpg?copy=1", f"{b}/img/p.png", f"{b}/missing.jpg"]
    keep = tmp_path / "saved"
    scan_urls(write_list(tmp_path / "u.txt", urls), tmp_path / "m.jsonl", limits=LIMITS,
              save_to=keep)  # fmt: skip
    names = sorted(p.name for p in keep.iterdir())
    want = sorted(
        [hashlib.sha256(GOOD["/img/0.jpg"]).hexdigest() + ".jpg",
         hashlib.sha256(GOOD["/img/p.png"]).hexdigest() + ".png"]
    )  # fmt: skip
    assert names == want  # the same image twice is stored once; no spool left behind
    for name in names:
        assert hashlib.sha256((keep / name).read_bytes()).hexdigest() == name.split(".")[0]


def test_resume_does_not_download_again(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    urls = [f"{server.base}{p}" for p in GOOD]
    listing = write_list(tmp_path / "u.txt", urls)
    out = tmp_path / "m.jsonl"

    class Interrupt(pipeline.Progress):
        def advance(self, n: int = 1) -> None:
            if self.done >= 3:
                raise KeyboardInterrupt
            super().advance(n)

    monkeypatch.setattr(pipeline, "Progress", Interrupt)
    with pytest.raises(KeyboardInterrupt):
        scan_urls(listing, out, limits=LIMITS, workers=1)
    monkeypatch.undo()
    assert journal_path(out).exists() and not out.exists()
    before = sum(server.hits.values())
    stats = scan_urls(listing, out, limits=LIMITS, workers=1)
    assert stats.reused_journal == 4  # three advanced, the fourth was journaled first
    assert sum(server.hits.values()) - before == len(urls) - 4
    clean = tmp_path / "clean.jsonl"
    scan_urls(listing, clean, limits=LIMITS)
    assert out.read_bytes().split(b"\n", 1)[1] == clean.read_bytes().split(b"\n", 1)[1]


def test_csv_and_parquet_lists(server: Server, tmp_path: Path) -> None:
    urls = [f"{server.base}/img/0.jpg", f"{server.base}/img/1.jpg"]
    csv_file = tmp_path / "u.csv"
    csv_file.write_text("id,URL\n1," + urls[0] + "\n2," + urls[1] + "\n3,\n")
    assert sorted(read_urls(csv_file)) == urls
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    pq.write_table(pa.table({"url": urls, "label": ["a", "b"]}), tmp_path / "u.parquet")
    out = tmp_path / "m.jsonl"
    scan_urls(tmp_path / "u.parquet", out, limits=LIMITS)
    assert sorted(by_path(out)) == urls


def test_credentials_never_reach_the_manifest_or_messages(
    server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    signed = f"{server.base}/img/2.jpg?X-Amz-Signature=hunter2&X-Amz-Credential=AKIAhunter2&w=1"
    closed = "http://user:hunter2@127.0.0.1:9/x.jpg?token=hunter2"  # port 9: nothing listens
    assert public_url(signed) == f"{server.base}/img/2.jpg?w=1"
    out = tmp_path / "m.jsonl"
    listing = write_list(tmp_path / "u.txt", [signed, closed])
    code = main(["scan", "--urls", str(listing), "-o", str(out), "--retries", "0",
                 "--download-timeout", "2"])  # fmt: skip
    assert code == 0
    assert b"hunter2" not in out.read_bytes()
    err = capsys.readouterr().err
    assert "hunter2" not in err
    recs = by_path(out)
    assert code_of(recs[f"{server.base}/img/2.jpg?w=1"]) is None
    assert code_of(recs["http://127.0.0.1:9/x.jpg"]) == "download_error"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "ftp://example.org/a.jpg\n",
            "u.txt:1: unsupported URL scheme in 'ftp://example.org/a.jpg'",
        ),
        ("http://ok/a.jpg\n/local/file.jpg\n", "u.txt:2: unsupported URL scheme"),
        ("# nothing\n", "no URLs in the list"),
    ],
)
def test_bad_lists_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, expected: str
) -> None:
    (tmp_path / "u.txt").write_text(content)
    assert main(["scan", "--urls", str(tmp_path / "u.txt"), "-o", str(tmp_path / "m")]) == 1
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1 and "Traceback" not in err


def test_cli_argument_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "u.txt").write_text("http://127.0.0.1:9/a.jpg\n")
    for argv, expected in [
        (["scan", "-o", "m"], "nothing to scan"),
        (["scan", str(tmp_path), "--urls", str(tmp_path / "u.txt")], "not both"),
        (["scan", str(tmp_path), "--save-to", "d"], "needs --urls"),
        (["scan", str(tmp_path), "--scheduler", "local"], "needs --executor dask"),
        (["scan", "--urls", str(tmp_path / "u.txt"), "--max-bytes", "lots"], "not a size"),
        (["scan", "ftp://host/x"], "unsupported URL scheme"),
    ]:
        assert main(argv) == 1, argv
        err = capsys.readouterr().err
        assert expected in err and err.count("\n") == 1, (argv, err)


def test_https_folder_listing_scans_like_a_bucket(tmp_path: Path) -> None:
    """``imgeda-ci scan http://host/folder/``: fsspec reads the server's index pages."""
    pytest.importorskip("fsspec")
    pytest.importorskip("aiohttp")
    import functools
    from http.server import SimpleHTTPRequestHandler

    from imgeda_ci.scan.api import scan_bucket

    folder = tmp_path / "www" / "ds"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.jpg").write_bytes(GOOD["/img/0.jpg"])
    (folder / "sub" / "b.png").write_bytes(GOOD["/img/p.png"])
    (folder / "notes.txt").write_text("not an image")

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(tmp_path / "www"))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/ds/"
        out = tmp_path / "m.jsonl"
        scan_bucket(url, out, workers=1)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
    scan_folder(folder, tmp_path / "local.jsonl", use_git=False)
    header, recs = manifest.load(out)
    assert header is not None and header["root"] == url.rstrip("/")
    assert recs == manifest.load(tmp_path / "local.jsonl")[1]
