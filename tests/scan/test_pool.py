"""The worker pool: deadlines for hung decoders, crashes cost one file, nothing lost."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import imgeda_ci.scan.pool as pool_mod
from imgeda_ci.scan.pool import InlineExecutor, Job, LocalPool
from imgeda_ci.scan.settings import Settings
from tests.builders import encode, photo


def _files(tmp_path: Path, n: int) -> list[Job]:
    jobs = []
    for i in range(n):
        p = tmp_path / f"{i:02d}.jpg"
        p.write_bytes(encode(photo(i, (120, 90))))
        jobs.append(Job(i, str(p)))
    return jobs


def test_pool_equals_inline(tmp_path: Path) -> None:
    jobs = _files(tmp_path, 12)
    s = Settings()
    inline = dict(InlineExecutor(s).run(jobs))
    pooled = dict(LocalPool(s, 2).run(jobs))
    assert pooled == inline


def test_hung_read_is_killed_as_timeout(tmp_path: Path) -> None:
    jobs = _files(tmp_path, 6)
    fifo = tmp_path / "hang.jpg"
    os.mkfifo(fifo)  # opening a FIFO with no writer blocks in the kernel, beyond any alarm
    jobs.insert(3, Job(99, str(fifo)))
    pool = LocalPool(Settings(timeout=0.3), 2, kill_grace=0.2)
    out = dict(pool.run(jobs))
    assert set(out) == {j.index for j in jobs}
    assert out[99]["error"]["code"] == "timeout"  # type: ignore[index]
    assert all(out[j.index]["error"] is None for j in jobs if j.index != 99)
    assert pool.restarts == 1


def test_crashed_worker_costs_one_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = _files(tmp_path, 8)
    real = pool_mod.analyze_path

    def crashing(locator: str, *args: object, **kw: object) -> object:
        if locator.endswith("05.jpg"):
            os._exit(3)  # like a segfault in a codec
        return real(locator, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(pool_mod, "analyze_path", crashing)  # inherited by forked workers
    pool = LocalPool(Settings(), 2)
    out = dict(pool.run(jobs))
    assert set(out) == set(range(8))
    assert out[5]["error"]["code"] == "worker_crashed"  # type: ignore[index]
    assert sum(1 for r in out.values() if r["error"]) == 1


def test_a_started_pool_learns_the_known_content_when_it_runs(tmp_path: Path) -> None:
    from imgeda_ci.scan.analyze import analyze_path

    jobs = _files(tmp_path, 6)
    s = Settings()
    sha = str(analyze_path(jobs[2].locator, s)["sha256"])
    pool = LocalPool(s, 2).start()  # before the known content is
    procs = [w.proc for w in pool._started]
    assert all(p.is_alive() for p in procs)
    pool.known = frozenset({sha})
    out = dict(pool.run(jobs))
    assert out[2].get("cached") and out[2]["sha256"] == sha  # reused, not analysed
    assert not any(out[j.index].get("cached") for j in jobs if j.index != 2)
    assert dict(InlineExecutor(s).run(jobs))[3] == out[3]
    assert not any(p.is_alive() for p in procs)  # the run ended its workers


def test_a_started_pool_that_never_runs_is_closed() -> None:
    pool = LocalPool(Settings(), 2).start()
    procs = [w.proc for w in pool._started]
    pool.close()
    assert not any(p.is_alive() for p in procs)
    pool.close()  # twice is harmless
