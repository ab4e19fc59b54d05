"""The Dask executor on a real LocalCluster (worker processes on loopback): the same manifest as
the local pool, reuse by content, and no record lost when a worker is killed mid-run."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.slow  # a real Dask cluster on loopback

from imgeda_ci.cli import main  # noqa: E402
from imgeda_ci.errors import UserError  # noqa: E402
from imgeda_ci.scan.api import scan_folder  # noqa: E402
from imgeda_ci.scan.dask_executor import DaskExecutor, batch_size  # noqa: E402
from imgeda_ci.scan.pipeline import journal_path  # noqa: E402
from imgeda_ci.scan.pool import Job  # noqa: E402
from imgeda_ci.scan.settings import Settings  # noqa: E402
from tests.builders import photo, save, truncated_jpeg  # noqa: E402


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    import logging

    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        scheduler_kwargs={"dashboard": False},
        silence_logs=logging.CRITICAL,
    ) as c:
        yield c


def make_dataset(root: Path, n: int, size: tuple[int, int] = (160, 120)) -> None:
    for i in range(n):
        ext = "png" if i % 4 == 0 else "jpg"
        save(root / ("train" if i % 3 else "test") / f"img_{i:03d}.{ext}", photo(i, size))
    (root / "test" / "broken.jpg").write_bytes(truncated_jpeg())


def test_same_manifest_as_the_local_pool(cluster: Any, tmp_path: Path) -> None:
    make_dataset(tmp_path / "ds", 20)
    local, dask_out = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    scan_folder(tmp_path / "ds", local, workers=2, use_git=False)
    stats = scan_folder(
        tmp_path / "ds",
        dask_out,
        use_git=False,
        executor="dask",
        scheduler=cluster.scheduler_address,
    )
    assert stats.analysed == 21
    assert dask_out.read_bytes() == local.read_bytes()
    # the hashes of the cache reach the workers: nothing is decoded again
    again = tmp_path / "again.jsonl"
    stats = scan_folder(
        tmp_path / "ds",
        again,
        use_git=False,
        caches=[local],
        executor="dask",
        scheduler=cluster.scheduler_address,
    )
    assert (stats.analysed, stats.reused_content) == (0, 21)
    assert again.read_bytes() == local.read_bytes()


def test_cli_with_a_cluster_of_its_own(tmp_path: Path) -> None:
    make_dataset(tmp_path / "ds", 6)
    local, dask_out = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    scan_folder(tmp_path / "ds", local, workers=1, use_git=False)
    argv = ["scan", str(tmp_path / "ds"), "-o", str(dask_out), "--no-git", "-q",
            "--executor", "dask", "--scheduler", "local", "--workers", "2"]  # fmt: skip
    assert main(argv) == 0
    assert dask_out.read_bytes() == local.read_bytes()


def test_worker_killed_mid_run_loses_no_record(cluster: Any, tmp_path: Path) -> None:
    make_dataset(tmp_path / "ds", 60, size=(900, 700))
    local = tmp_path / "local.jsonl"
    scan_folder(tmp_path / "ds", local, workers=2, use_git=False)
    out = tmp_path / "dask.jsonl"
    jpath = journal_path(out)
    with distributed.Client(cluster.scheduler_address) as client:
        pids_before = set(client.run(os.getpid).values())
        assert len(pids_before) == 2
        killed: list[int] = []
        at: list[int] = []  # records journaled when the worker was killed

        def kill_one() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                lines = jpath.read_bytes().count(b"\n") if jpath.exists() else 0
                if lines > 10:
                    pid = sorted(pids_before)[0]
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                    at.append(lines - 1)
                    return
                time.sleep(0.005)

        killer = threading.Thread(target=kill_one)
        killer.start()
        stats = scan_folder(
            tmp_path / "ds",
            out,
            use_git=False,
            executor="dask",
            scheduler=cluster.scheduler_address,
        )
        killer.join()
        assert killed and at[0] < 50, "the scan ended before a worker could be killed"
        assert stats.analysed == 61
        assert out.read_bytes() == local.read_bytes()
        client.wait_for_workers(2, timeout=30)  # the nanny restarted the killed worker
        assert killed[0] not in set(client.run(os.getpid).values())


def test_batch_size() -> None:
    assert batch_size(1, 2) == 1
    assert batch_size(100, 2) == 13
    assert batch_size(1_000_000, 8) == 32


def test_unreachable_scheduler_is_one_line(tmp_path: Path) -> None:
    make_dataset(tmp_path / "ds", 2)
    ex = DaskExecutor(Settings(), scheduler="tcp://127.0.0.1:9", connect_timeout=1)
    with pytest.raises(UserError, match=r"--scheduler tcp://127.0.0.1:9: cannot connect"):
        list(ex.run([Job(0, str(tmp_path / "ds" / "test" / "img_000.png"))]))
