"""Bucket scans against a real S3-compatible server (moto's server mode) on loopback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

pytest.importorskip("s3fs")
pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

pytestmark = pytest.mark.slow  # a real S3-compatible server on loopback

from imgeda_ci import manifest  # noqa: E402
from imgeda_ci.cli import main  # noqa: E402
from imgeda_ci.scan.api import scan_bucket, scan_folder  # noqa: E402
from imgeda_ci.scan.pipeline import journal_path  # noqa: E402
from imgeda_ci.scan.remote import read_remote, remote_locator  # noqa: E402
from tests.builders import encode, photo, save, truncated_jpeg  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
BUCKET = "data"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A moto S3 server on 127.0.0.1 and a boto3 client for it; AWS settings in the env."""
    import boto3
    import s3fs

    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
    }.items():
        monkeypatch.setenv(key, value)
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "http_proxy", "HTTP_PROXY"):
        monkeypatch.delenv(var, raising=False)
    s3fs.S3FileSystem.clear_instance_cache()
    client = boto3.client("s3", endpoint_url=endpoint)
    client.create_bucket(Bucket=BUCKET)
    try:
        yield client
    finally:
        s3fs.S3FileSystem.clear_instance_cache()
        server.stop()


def make_dataset(root: Path, n: int, size: tuple[int, int] = (160, 120)) -> None:
    """A classification layout with a label-free extra, a broken image, a misnamed image."""
    for i in range(n):
        split = "train" if i % 3 else "val"
        cls = "cat" if i % 2 else "dog"
        ext = "png" if i % 5 == 0 else "jpg"
        save(root / split / cls / f"img_{i:03d}.{ext}", photo(i, size))
    (root / "train" / "dog" / "broken.jpg").write_bytes(truncated_jpeg())
    (root / "train" / "cat" / "no_extension").write_bytes(encode(photo(99, (64, 48))))
    (root / "README.md").write_text("a dataset\n")
    (root / ".git").mkdir()
    (root / ".git" / "skipped.jpg").write_bytes(encode(photo(98, (64, 48))))


def upload(client: Any, root: Path, prefix: str) -> None:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            key = f"{prefix}/{path.relative_to(root).as_posix()}"
            client.put_object(Bucket=BUCKET, Key=key, Body=path.read_bytes())


def same_manifest(a: Path, b: Path) -> None:
    """Equal records and headers, but for the header's root."""
    head_a, recs_a = manifest.load(a)
    head_b, recs_b = manifest.load(b)
    assert head_a is not None and head_b is not None
    assert recs_a == recs_b
    assert {**head_a, "root": None} == {**head_b, "root": None}


def test_bucket_scan_equals_local_scan(s3: Any, tmp_path: Path) -> None:
    make_dataset(tmp_path / "ds", 12)
    upload(s3, tmp_path / "ds", "sets/pets")
    local = tmp_path / "local.jsonl"
    scan_folder(tmp_path / "ds", local, use_git=False)
    out = tmp_path / "bucket.jsonl"
    stats = scan_bucket(f"s3://{BUCKET}/sets/pets/", out, workers=2)
    same_manifest(local, out)
    header, recs = manifest.load(out)
    assert header is not None and header["root"] == f"s3://{BUCKET}/sets/pets"
    assert stats.images == 14 and len(recs) == 14
    by_path = {r["path"]: r for r in recs}
    assert by_path["train/dog/broken.jpg"]["error"]["code"] == "truncated"  # type: ignore[index]
    assert by_path["train/cat/no_extension"]["format"] == "JPEG"  # found by sniffing
    assert header["dataset"]["format"] == "classification"
    assert by_path["train/cat/img_001.jpg"]["split"] == "train"


def test_kill_then_resume_reads_only_what_is_left(s3: Any, tmp_path: Path) -> None:
    make_dataset(tmp_path / "ds", 60, size=(900, 700))
    upload(s3, tmp_path / "ds", "big")
    url = f"s3://{BUCKET}/big"
    out = tmp_path / "killed.jsonl"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "imgeda_ci", "scan", url, "-o", str(out), "--workers", "1", "-q"]
    proc = subprocess.Popen(cmd, env=env, start_new_session=True)
    jpath = journal_path(out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if jpath.exists() and jpath.read_bytes().count(b"\n") > 10:
            break
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not out.exists(), "the scan finished before it could be killed"
    done = [orjson.loads(line)["path"] for line in jpath.read_bytes().splitlines()[1:]]
    # one finished object changes in the bucket (and in the local copy): its ETag tells
    changed = done[0]
    new_bytes = encode(photo(500, (300, 200)), "PNG" if changed.endswith(".png") else "JPEG")
    s3.put_object(Bucket=BUCKET, Key=f"big/{changed}", Body=new_bytes)
    (tmp_path / "ds" / changed).write_bytes(new_bytes)

    stats = scan_bucket(url, out, workers=2)
    assert stats.reused_journal == len(done) - 1 > 0
    assert stats.analysed == stats.images - stats.reused_journal
    assert not jpath.exists()
    local = tmp_path / "local.jsonl"
    scan_folder(tmp_path / "ds", local, use_git=False)
    same_manifest(local, out)


def test_object_errors_are_records(s3: Any, tmp_path: Path) -> None:
    make_dataset(tmp_path / "ds", 3)
    upload(s3, tmp_path / "ds", "p")
    out = tmp_path / "m.jsonl"
    scan_bucket(f"s3://{BUCKET}/p", out, max_bytes=1000)
    codes = {r["path"]: (r.get("error") or {}).get("code") for r in manifest.load(out)[1]}
    assert set(codes.values()) == {"too_large"}
    data, err = read_remote(remote_locator(f"s3://{BUCKET}/p/nope.jpg"), retries=0)
    assert data is None and err is not None and err["code"] == "vanished"


def test_cli_bucket_errors_are_one_line(
    s3: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", "s3://no-such-bucket/x", "-o", str(tmp_path / "m.jsonl")]) == 1
    err = capsys.readouterr().err
    assert "no-such-bucket" in err and err.count("\n") == 1 and "testing-secret" not in err
    assert main(["scan", f"s3://{BUCKET}/empty", "-o", str(tmp_path / "m.jsonl")]) == 1
    assert "no objects found" in capsys.readouterr().err


def test_missing_backend_names_the_extra(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        import gcsfs  # noqa: F401

        pytest.skip("gcsfs is installed")
    except ImportError:
        pass
    assert main(["scan", "gs://bucket/prefix", "-o", str(tmp_path / "m.jsonl")]) == 1
    err = capsys.readouterr().err
    assert "pip install 'imgeda-ci[gcs]'" in err and err.count("\n") == 1
