"""The scan as a library call: discovery, dataset layout, settings and pipeline in one place.

Three sources (a local folder, a bucket prefix, a list of URLs) and two executors (the local
process pool, Dask); every combination goes through the same pipeline, so reuse by content,
the journal and the manifest behave the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from imgeda_ci.errors import UserError
from imgeda_ci.model import Depth, ImageRecord
from imgeda_ci.scan import discover
from imgeda_ci.scan.discover import Discovery
from imgeda_ci.scan.download import Limits
from imgeda_ci.scan.pipeline import ExecutorFactory, ScanStats, default_executor, scan
from imgeda_ci.scan.pool import Executor, LocalPool
from imgeda_ci.scan.remote import DEFAULT_MAX_BYTES
from imgeda_ci.scan.settings import (
    DEFAULT_ANALYSIS_SIZE,
    DEFAULT_MAX_PIXELS,
    DEFAULT_TIMEOUT,
    Settings,
)


def scan_with_layout(
    found: Discovery,
    output: Path,
    *,
    layout_root: Path,
    dataset_format: str | None,
    **kwargs: Any,
) -> ScanStats:
    """Read the dataset layout (labels, splits) under ``layout_root`` for the discovered images,
    then scan them with it: the one path every source (folder, git tree, bucket) takes."""
    from imgeda_ci.formats import load_layout

    # the files discovery's walk listed, when it walked this root: no second walk
    tree = found.tree if found.tree is not None and found.tree.root == layout_root else None
    found.tree = None  # the readers are done with it once the layout is read: free it now
    layout = load_layout(layout_root, found.paths, dataset_format, tree=tree)
    del tree
    return scan(
        found,
        output,
        annotate=layout.annotate_many,
        dataset_facts=layout.header_facts(),
        **kwargs,
    )


def scan_folder(
    root: Path,
    output: Path,
    *,
    files_from: str | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    depth: Depth = "standard",
    workers: int | None = None,
    caches: Sequence[Path] = (),
    use_git: bool = True,
    dataset_format: str | None = None,
    analysis_size: int = DEFAULT_ANALYSIS_SIZE,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    timeout: float = DEFAULT_TIMEOUT,
    timestamp: str | None = None,
    progress: bool = False,
    executor: str = "local",
    scheduler: str = "local",
    collect: bool = False,
    cache_records: Sequence[ImageRecord] = (),
    cache_lines: Sequence[bytes] | None = None,
    output_as_cache: bool = True,
    pool: LocalPool | None = None,
    follow_symlinks: bool = False,
) -> ScanStats:
    """Scan the folder ``root`` into ``output`` (see :func:`imgeda_ci.scan.pipeline.scan`).
    ``pool``: a local pool made with these settings and already started
    (:meth:`LocalPool.start`), to analyse with instead of a new one; its owner closes it."""
    from imgeda_ci.formats import check_format

    fmt = check_format(dataset_format)  # fail fast on a bad --format
    settings = Settings(
        depth=depth, analysis_size=analysis_size, max_pixels=max_pixels, timeout=timeout
    )
    if files_from:
        found = discover.from_list(root, files_from, include=include, exclude=exclude)
    else:
        found = discover.walk(
            root, include=include, exclude=exclude, follow_symlinks=follow_symlinks
        )
    return scan_with_layout(
        found,
        output,
        layout_root=root,
        dataset_format=fmt,
        settings=settings,
        workers=workers,
        caches=caches,
        use_git=use_git,
        root_label=root.as_posix(),
        timestamp=timestamp,
        progress=progress,
        make_executor=_started(pool, settings)
        if pool is not None and executor == "local" and pool.settings == settings
        else executor_factory(settings, executor, workers, scheduler),
        collect=collect,
        cache_records=cache_records,
        cache_lines=cache_lines,
        output_as_cache=output_as_cache,
    )


def _started(pool: LocalPool, settings: Settings) -> ExecutorFactory:
    def make(known: frozenset[str], njobs: int) -> Executor:
        pool.known = known
        return pool

    return make


EXECUTORS = ("local", "dask")


def executor_factory(
    settings: Settings, kind: str, workers: int | None, scheduler: str = "local"
) -> ExecutorFactory | None:
    """How the pipeline builds its executor: None for the default local pool."""
    if kind == "local":
        return None
    if kind != "dask":
        raise UserError(f"--executor {kind}: unknown executor; use one of {', '.join(EXECUTORS)}")
    from imgeda_ci.scan.dask_executor import DaskExecutor

    def make(known: frozenset[str], njobs: int) -> Executor:
        return DaskExecutor(settings, known, scheduler=scheduler, workers=workers)

    DaskExecutor(settings, scheduler=scheduler)  # fail fast when dask is missing
    return make


def scan_bucket(
    url: str,
    output: Path,
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    depth: Depth = "standard",
    workers: int | None = None,
    caches: Sequence[Path] = (),
    dataset_format: str | None = None,
    analysis_size: int = DEFAULT_ANALYSIS_SIZE,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timestamp: str | None = None,
    progress: bool = False,
    executor: str = "local",
    scheduler: str = "local",
) -> ScanStats:
    """Scan the images below a bucket prefix (``s3://``, ``gs://``, ``az://``, ``https://``):
    record paths relative to the prefix, the header's root the URL (see
    :mod:`imgeda_ci.scan.bucket`)."""
    from imgeda_ci.formats import check_format
    from imgeda_ci.scan import bucket

    fmt = check_format(dataset_format)
    settings = Settings(
        depth=depth, analysis_size=analysis_size, max_pixels=max_pixels, timeout=timeout
    )
    make = executor_factory(settings, executor, workers, scheduler)
    found, others, fs = bucket.discover_bucket(
        url, include=include, exclude=exclude, max_bytes=max_bytes
    )
    with bucket.side_folder() as tmp:
        bucket.materialize(fs, others, Path(tmp))
        found.root = Path(tmp)
        return scan_with_layout(
            found,
            output,
            layout_root=Path(tmp),
            dataset_format=fmt,
            settings=settings,
            workers=workers,
            caches=caches,
            use_git=False,
            root_label=url.rstrip("/"),
            timestamp=timestamp,
            progress=progress,
            make_executor=make,
        )


def scan_urls(
    list_file: Path,
    output: Path,
    *,
    depth: Depth = "standard",
    workers: int | None = None,
    caches: Sequence[Path] = (),
    analysis_size: int = DEFAULT_ANALYSIS_SIZE,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    timeout: float = DEFAULT_TIMEOUT,
    limits: Limits | None = None,
    save_to: Path | None = None,
    timestamp: str | None = None,
    progress: bool = False,
    executor: str = "local",
    scheduler: str = "local",
) -> ScanStats:
    """Download and scan every URL of a ``.txt``/``.csv``/``.parquet`` list; each URL is one
    record whose path is the URL (without credentials; see :mod:`imgeda_ci.scan.urllist`)."""
    from imgeda_ci.scan.fetching import DownloadExecutor
    from imgeda_ci.scan.urllist import read_urls

    settings = Settings(
        depth=depth, analysis_size=analysis_size, max_pixels=max_pixels, timeout=timeout
    )
    limits = limits or Limits()
    urls = read_urls(list_file)
    paths = sorted(urls)
    found = discover.Discovery(
        root=list_file.parent,
        paths=paths,
        locators=urls,
        # a resume trusts what the interrupted run fetched: no request for unchanged URLs
        stat_keys={p: ["listed"] for p in paths},
    )
    inner = executor_factory(settings, executor, workers, scheduler)

    def make(known: frozenset[str], njobs: int) -> Executor:
        analyse = (
            inner(known, njobs) if inner else default_executor(settings, workers, known, njobs)
        )
        return DownloadExecutor(analyse, settings, limits, save_to=save_to)

    return scan(
        found,
        output,
        settings=settings,
        workers=workers,
        caches=caches,
        use_git=False,
        root_label=list_file.as_posix(),
        timestamp=timestamp,
        progress=progress,
        make_executor=make,
    )
