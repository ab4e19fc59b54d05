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
        hand = _Handoff(self.ahead)
        thread = threading.Thread(
            target=hand.download,
            args=(jobs, self.limits, spool),
            name="imgeda-downloads",
            daemon=True,
        )
        thread.start()
        try:
            for index, rec in self.inner.run(hand.analysable(self.settings, self.save_to)):
                yield from hand.take_failed()
                done = hand.spooled.pop(index, None)
                if done is not None:
                    done.unlink(missing_ok=True)
                yield index, rec
            yield from hand.take_failed()
        finally:
            hand.stop.set()
            thread.join(5)


class _Handoff:
    """What passes from the download thread to the analysis: fetched files in order (at most
    ``ahead`` waiting), the failures to report as records, the spooled files to delete."""

    def __init__(self, ahead: int) -> None:
        self.outcomes: queue.Queue[object] = queue.Queue(maxsize=ahead)
        self.stop = threading.Event()
        self.failed: deque[tuple[int, ImageRecord]] = deque()
        self.spooled: dict[int, Path] = {}

    def put(self, item: object) -> None:
        while not self.stop.is_set():
            try:
                self.outcomes.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def download(self, jobs: Iterable[Job], limits: Limits, spool: Path) -> None:
        """The download thread: every outcome, then ``_DONE`` (an exception is handed to the
        consumer, which re-raises it)."""
        try:
            pairs = ((job.index, job.locator) for job in jobs)
            for item in download_all(pairs, limits, spool, stop=self.stop):
                if self.stop.is_set():
                    if item[2].path is not None:
                        item[2].path.unlink(missing_ok=True)
                    return
                self.put(item)
        except BaseException as exc:
            self.put(exc)
        finally:
            self.put(_DONE)

    def analysable(self, settings: Settings, save_to: Path | None) -> Iterator[Job]:
        """The fetched files as jobs for the analysis; failures wait in :attr:`failed`."""
        while True:
            item = self.outcomes.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            index, url, got = cast(tuple[int, str, Fetched], item)
            if got.path is None:
                self.failed.append((index, failure_record(got, settings)))
                continue
            path = got.path
            if save_to is not None:
                path = save_content(path, str(got.sha256), url, save_to)
            else:
                self.spooled[index] = path
            yield Job(index, str(path))

    def take_failed(self) -> Iterator[tuple[int, ImageRecord]]:
        while self.failed:
            yield self.failed.popleft()
