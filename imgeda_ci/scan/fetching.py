"""An executor that downloads URLs, then hands the bytes to another executor for analysis.

The pipeline gives it jobs whose locators are URLs. A background thread runs
:func:`imgeda_ci.scan.download.download_all` (politeness, limits, retries) and passes each
outcome through a bounded queue, so downloads run ahead of the analysis by at most a few dozen
files: memory and spool space stay small. A successful download becomes a job for the inner
executor (the local pool, in-process, or Dask on the same machine) on the downloaded file; a
failed one becomes an error record at once. Downloads happen in this process, the one place
that can enforce a per-host limit for the whole scan.

With ``save_to``, each body is kept as ``<save_to>/<sha256><.ext>`` (the extension from the
content's magic bytes, else from the URL), written atomically; the same image behind two URLs is
stored once. Without it, spooled files are deleted as soon as their record is out.
"""

from __future__ import annotations

import os
import queue
import tempfile
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import cast

from imgeda_ci.model import ImageRecord
from imgeda_ci.scan.download import Fetched, Limits, download_all
from imgeda_ci.scan.pool import Executor, Job
from imgeda_ci.scan.settings import Settings
from imgeda_ci.scan.sniff import image_extensions

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"II*\x00", "tif"),
    (b"MM\x00*", "tif"),
    (b"BM", "bmp"),
)
_DONE = object()


def extension_for(head: bytes, url_path: str) -> str:
    """A file extension (with the dot, or "") for saved content: by magic bytes, else the
    URL's own extension when it is an image's."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ".webp"
    for magic, ext in _MAGIC:
        if head.startswith(magic):
            return f".{ext}"
    name = url_path.rsplit("/", 1)[-1]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return f".{ext}" if ext in image_extensions() else ""


def save_content(tmp: Path, sha256: str, url: str, folder: Path) -> Path:
    """Move a downloaded file to its content-addressed name in ``folder``."""
    with tmp.open("rb") as fh:
        head = fh.read(16)
    path = url.split("?", 1)[0].split("#", 1)[0]
    target = folder / f"{sha256}{extension_for(head, path)}"
    os.replace(tmp, target)  # atomic; the same content twice simply lands on itself
    return target


def failure_record(got: Fetched, settings: Settings) -> ImageRecord:
    return {
        "size": got.size,
        "sha256": None,
        "git_oid": None,
        "depth": settings.depth,
        "error": got.error,
    }


class DownloadExecutor:
    """Download with ``limits``, analyse with ``inner`` (see the module doc)."""

    def __init__(
        self,
        inner: Executor,
        settings: Settings,
        limits: Limits,
        *,
        save_to: Path | None = None,
        ahead: int = 64,
    ) -> None:
        self.inner = inner
        self.settings = settings
        self.limits = limits
        self.save_to = save_to
        self.ahead = ahead

    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[int, ImageRecord]]:
        if self.save_to is not None:
            self.save_to.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".imgeda-ci-spool-", dir=self.save_to) as spool_dir:
            yield from self._run(jobs, Path(spool_dir))

    def _run(self, jobs: Iterable[Job], spool: Path) -> Iterator[tuple[int, ImageRecord]]:
        outcomes: queue.Queue[object] = queue.Queue(maxsize=self.ahead)
        stop = threading.Event()

        def put(item: object) -> None:
            while not stop.is_set():
                try:
                    outcomes.put(item, timeout=0.1)
                    return
                except queue.Full:
                    continue

        def download() -> None:
            try:
                pairs = ((job.index, job.locator) for job in jobs)
                for item in download_all(pairs, self.limits, spool, stop=stop):
                    if stop.is_set():
                        if item[2].path is not None:
                            item[2].path.unlink(missing_ok=True)
                        return
                    put(item)
            except BaseException as exc:  # handed to the consumer, which re-raises it
                put(exc)
            finally:
                put(_DONE)

        thread = threading.Thread(target=download, name="imgeda-downloads", daemon=True)
        thread.start()
        failed: deque[tuple[int, ImageRecord]] = deque()
        spooled: dict[int, Path] = {}

        def analysable() -> Iterator[Job]:
            while True:
                item = outcomes.get()
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                index, url, got = cast(tuple[int, str, Fetched], item)
                if got.path is None:
                    failed.append((index, failure_record(got, self.settings)))
                    continue
                path = got.path
                if self.save_to is not None:
                    path = save_content(path, str(got.sha256), url, self.save_to)
                else:
                    spooled[index] = path
                yield Job(index, str(path))

        try:
            for index, rec in self.inner.run(analysable()):
                while failed:
                    yield failed.popleft()
                done = spooled.pop(index, None)
                if done is not None:
                    done.unlink(missing_ok=True)
                yield index, rec
            while failed:
                yield failed.popleft()
        finally:
            stop.set()
            thread.join(5)
