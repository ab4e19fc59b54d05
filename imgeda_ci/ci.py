"""The one command CI runs: scan (incremental), find the base, diff, gate, write every output.

Where the base manifest comes from, cheapest first:

1. ``--base-manifest FILE``: taken as it is.
2. ``--base-ref REF`` and a manifest committed at REF (the ``--manifest-out`` path, or
   ``--base-manifest-path``): ``git show REF:path``, used when it was made with the same analysis
   settings.
3. ``--base-ref REF`` otherwise: the dataset folder as it is at REF, read straight from git
   blobs (:mod:`imgeda_ci.scan.gittree`): every blob whose id the head's manifest already
   describes is reused unread, so only images that exist solely in the base are decoded.

The head scan reuses the previous ``--manifest-out`` (a committed manifest, a CI cache) by git
blob id and content hash, so a pull request that changes 50 of 50,000 images analyses 50.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import orjson

from imgeda_ci import __version__, manifest
from imgeda_ci.base_evaluator import BaseEvaluator, StartBase, in_process
from imgeda_ci.dupes import verdictfile
from imgeda_ci.dupes.search import DupeSearch
from imgeda_ci.dupes.verdictmemo import MemoState
from imgeda_ci.errors import UserError
from imgeda_ci.model import ImageRecord, ManifestHeader
from imgeda_ci.outputs import write_output
from imgeda_ci.policy import Policy, load_policy
from imgeda_ci.run_result import RunResult, build_result
from imgeda_ci.scan.analyze import git_oid
from imgeda_ci.scan.api import scan_folder
from imgeda_ci.scan.pipeline import ScanStats
from imgeda_ci.scan.pool import LocalPool
from imgeda_ci.scan.settings import Settings


@dataclass
class CiOptions:
    path: Path
    policy: Path | None = None
    base_ref: str | None = None
    base_manifest: Path | None = None
    manifest_out: Path = Path(".imgeda-ci/manifest.jsonl")
    #: the verdict file (:mod:`imgeda_ci.dupes.verdictfile`) read at the start and written at the
    #: end; None: neither
    verdicts: Path | None = None
    caches: Sequence[Path] = ()
    strict: bool = False
    workers: int | None = None
    dataset_format: str | None = None
    include: Sequence[str] = ()
    exclude: Sequence[str] = ()
    use_git: bool = True
    follow_symlinks: bool = False
    progress: bool = True
    outputs: dict[str, Path] = field(default_factory=dict)  # kind -> file
    annotations: bool = False
    report_url: str | None = None
    timestamp: str | None = None


def _git_show(cwd: Path, ref: str, relpath: str) -> bytes | None:
    try:
        proc = subprocess.run(
            ["git", "-C", str(cwd), "show", f"{ref}:{relpath}"],
            capture_output=True,
            check=False,
        )
    except OSError:
        return None
    return proc.stdout if proc.returncode == 0 else None


def committed_manifest(dataset: Path, ref: str, manifest_path: Path) -> bytes | None:
    """The manifest file as committed at ``ref``, if it is tracked there."""
    found = _committed(dataset, ref, manifest_path)
    return found[0] if found is not None else None


def _committed(dataset: Path, ref: str, manifest_path: Path) -> tuple[bytes, bool] | None:
    """:func:`committed_manifest`, and whether the bytes are the work tree's file there."""
    code, toplevel = _git_out(dataset, "rev-parse", "--show-toplevel")
    if code != 0:
        return None
    top = Path(toplevel).resolve()
    try:
        rel = manifest_path.resolve().relative_to(top).as_posix()
    except ValueError:
        return None
    data = _work_tree_copy(top, ref, rel)  # no decompression by git when the file is it
    if data is not None:
        return data, True
    shown = _git_show(top, ref, rel)
    return (shown, False) if shown is not None else None


def _git_out(top: Path, *args: str) -> tuple[int, str]:
    try:
        proc = subprocess.run(["git", "-C", str(top), *args], capture_output=True, text=True)
    except OSError:
        return 1, ""
    return proc.returncode, proc.stdout.strip()


def _work_tree_copy(top: Path, ref: str, rel: str) -> bytes | None:
    """The work tree's file at ``rel`` when it is byte for byte the blob committed at ``ref``
    (its blob id computed here: no git index or stat involved), else None."""
    code, base_oid = _git_out(top, "rev-parse", "--verify", "-q", f"{ref}:{rel}")
    if code != 0 or not base_oid:
        return None
    try:
        data = (top / rel).read_bytes()
    except OSError:
        return None
    sha256 = len(base_oid) == 64  # a SHA-256 repository
    return data if git_oid(data, sha256=sha256) == base_oid else None


def _header_settings(data: bytes) -> str | None:
    end = data.find(b"\n")
    first = data[: end if end >= 0 else len(data)]  # (not split: that copies all the rest)
    try:
        head = orjson.loads(first)
    except orjson.JSONDecodeError:
        return None
    return head.get("settings_hash") if isinstance(head, dict) else None


@dataclass
class Committed:
    """The manifest committed at the base ref: its bytes and, when it was made with the
    current analysis settings, its parsed records."""

    data: bytes
    where: str
    parsed: tuple[ManifestHeader | None, list[ImageRecord]] | None
    #: each record's line, when this version of imgeda-ci wrote them (see scan's cache_lines)
    lines: list[bytes] | None = None
    #: the bytes are the work tree's copy at the manifest's path (so that file holds them)
    in_work_tree: bool = False


def committed_base(
    opts: CiOptions,
    settings: Settings,
    policy: Policy,
    start_base: StartBase = in_process,
    seed: MemoState | None = None,
) -> tuple[Committed | None, BaseEvaluator | None]:
    """The manifest committed at ``--base-ref`` (None without a ref, with ``--base-manifest``
    or when none is committed there). Parsed once: it is both the base and the head scan's
    cache. When it was made with the current settings, also its evaluator, started from its
    bytes by ``start_base`` before they are parsed (:mod:`imgeda_ci.base_evaluator`), starting
    from the verdicts ``seed``."""
    if opts.base_manifest is not None or opts.base_ref is None:
        return None, None
    from imgeda_ci.scan.gittree import resolve_commit

    resolve_commit(opts.path, opts.base_ref)  # a clear error for an unknown ref
    found = _committed(opts.path, opts.base_ref, opts.manifest_out)
    if found is None:
        return None, None
    data, in_work_tree = found
    where = f"{opts.base_ref}:{opts.manifest_out.as_posix()}"
    if _header_settings(data) != settings.hash:
        return Committed(data, where, None, in_work_tree=in_work_tree), None
    evaluator = start_base(data, where, policy, seed)
    try:
        return replace(_parsed(data, where), in_work_tree=in_work_tree), evaluator
    except BaseException:
        evaluator.close()
        raise


def _parsed(data: bytes, where: str) -> Committed:
    header, records, lines = manifest.loads(data, where, strict=True)
    same_writer = header is not None and header.get("tool_version") == __version__
    return Committed(data, where, (header, records), lines if same_writer else None)


def load_base(
    opts: CiOptions,
    head_manifest: Path,
    head_records: Sequence[ImageRecord],
    tmp: Path,
    settings: Settings,
    committed: Committed | None = None,
) -> tuple[ManifestHeader | None, list[ImageRecord], str] | None:
    """(header, records, where it came from) of the base, or None without a base.

    ``head_records`` are the head manifest's records, already in memory: their blob ids tell
    which base blobs are images even under names no extension reveals. ``committed``: what
    :func:`committed_base` found."""
    if opts.base_manifest is not None:
        header, records = manifest.load(opts.base_manifest, strict=True)
        return header, records, str(opts.base_manifest)
    if opts.base_ref is None:
        return None
    from imgeda_ci.scan.gittree import scan_tree

    caches = [head_manifest, *opts.caches]
    if committed is not None:
        if committed.parsed is not None:
            return committed.parsed[0], committed.parsed[1], committed.where
        path = tmp / "base-committed.jsonl"  # other settings: still a cache by content
        path.write_bytes(committed.data)
        caches.append(path)
    out = tmp / "base.jsonl"
    head_oids = frozenset(str(r["git_oid"]) for r in head_records if r.get("git_oid"))
    scan_tree(
        opts.path,
        opts.base_ref,
        out,
        settings=settings,
        caches=caches,
        workers=opts.workers,
        include=opts.include,
        exclude=opts.exclude,
        dataset_format=opts.dataset_format,
        known_image_oids=head_oids,
    )
    header, records = manifest.load(out)
    return header, records, f"{opts.base_ref} (scanned from git)"


def run_ci(opts: CiOptions, start_base: StartBase = in_process) -> RunResult:
    """Scan the head, load the base, evaluate, diff and judge; outputs are written by
    :func:`write_outputs`. ``start_base``: how a committed base manifest is evaluated
    (:func:`imgeda_ci.base_evaluator.default` picks a second process where that helps)."""
    policy: Policy = load_policy(opts.policy)
    settings = Settings()
    # numpy imports numpy.ma (30 ms) on the first np.unique or np.median: once here, not again
    # in each process forked below
    importlib.import_module("numpy.ma")
    search = DupeSearch()
    key, seed = (
        verdictfile.load(opts.verdicts, search.verdict_memo())
        if opts.verdicts is not None
        else ("", None)
    )
    with ExitStack() as running:
        pool = running.enter_context(_early_pool(settings, opts.workers))
        committed, evaluator = committed_base(opts, settings, policy, start_base, seed)
        if evaluator is not None:
            running.callback(evaluator.close)
        stats, header, records = _scan_head(opts, committed, pool)
        base = _load_base(opts, records, settings, committed)
        result = build_result(
            records,
            policy,
            header=header,
            base_records=base[1] if base else None,
            base_header=base[0] if base else None,
            strict=opts.strict,
            evaluator=evaluator,  # (with one, the base is the committed manifest it evaluates)
            search=search,
        )
        result.scan = _scan_summary(opts, stats, base[2] if base else None)
    if opts.verdicts is not None:
        verdictfile.keep(opts.verdicts, search.verdict_memo(), key, had=seed is not None)
    return result


@contextmanager
def _early_pool(settings: Settings, workers: int | None) -> Iterator[LocalPool | None]:
    """The head scan's process pool, started now (before this process grows: see
    LocalPool.start), where workers are forked (Linux) and more than one is wanted."""
    n = workers or os.cpu_count() or 1
    pool = None
    if n >= 2 and sys.platform.startswith("linux"):
        try:
            pool = LocalPool(settings, n).start()
        except OSError:
            pool = None
    try:
        yield pool
    finally:
        if pool is not None:
            pool.close()


def _scan_head(
    opts: CiOptions, committed: Committed | None, pool: LocalPool | None
) -> tuple[ScanStats, ManifestHeader | None, list[ImageRecord]]:
    """Scan the dataset into ``--manifest-out``, reusing the committed base's records; the
    scan's statistics, the manifest's header and its records."""
    known = committed.parsed[1] if committed is not None and committed.parsed else []
    stats = scan_folder(
        opts.path,
        opts.manifest_out,
        include=opts.include,
        exclude=opts.exclude,
        workers=opts.workers,
        caches=opts.caches,
        use_git=opts.use_git,
        follow_symlinks=opts.follow_symlinks,
        dataset_format=opts.dataset_format,
        progress=opts.progress,
        collect=True,
        cache_records=known,
        cache_lines=committed.lines if known and committed else None,
        # the manifest in the work tree is often the base's, unchanged: read it once (when it
        # is not, it differs from the committed blob and is a cache of its own)
        output_as_cache=not (known and committed and committed.in_work_tree),
        pool=pool,
    )
    if committed is not None:  # written: the evaluations below reuse their memory
        committed.lines = None
    header = manifest.read(opts.manifest_out)[0]
    records = stats.records if stats.records is not None else manifest.load(opts.manifest_out)[1]
    return stats, header, records


def _load_base(
    opts: CiOptions,
    records: list[ImageRecord],
    settings: Settings,
    committed: Committed | None,
) -> tuple[ManifestHeader | None, list[ImageRecord], str] | None:
    """:func:`load_base` for the head manifest just written, in a scratch folder."""
    with tempfile.TemporaryDirectory(prefix="imgeda-ci-") as tmp:
        return load_base(opts, opts.manifest_out, records, Path(tmp), settings, committed)


def _scan_summary(opts: CiOptions, stats: ScanStats, base: str | None) -> dict[str, Any]:
    """The ``scan`` part of the result: what the scan did and where the base came from."""
    return {
        "images": stats.images,
        "analysed": stats.analysed,
        "reused": stats.reused,
        "reused_git": stats.reused_git,
        "reused_content": stats.reused_content,
        "reused_journal": stats.reused_journal,
        "errors": dict(stats.errors),
        "manifest": opts.manifest_out.as_posix(),
        "base": base,
        "warnings": stats.warnings,
    }


#: output kind -> (function name in its module, module); renderers are imported when asked for
RENDERERS: dict[str, tuple[str, str]] = {
    "report": ("imgeda_ci.render.html", "render_html"),
    "comment": ("imgeda_ci.render.markdown", "render_comment"),
    "summary": ("imgeda_ci.render.markdown", "render_summary"),
    "sarif": ("imgeda_ci.render.sarif", "render_sarif"),
    "junit": ("imgeda_ci.render.junit", "render_junit"),
}


def write_outputs(result: RunResult, opts: CiOptions) -> None:
    import importlib

    for kind, path in opts.outputs.items():
        if kind == "json":
            write_output(path, orjson.dumps(result.to_json(), option=orjson.OPT_INDENT_2) + b"\n")
            continue
        module_name, fn_name = RENDERERS[kind]
        try:
            fn = getattr(importlib.import_module(module_name), fn_name)
        except (ImportError, AttributeError):
            raise UserError(f"--{kind}-out: this installation cannot render {kind}") from None
        kwargs: dict[str, Any] = {}
        if kind == "report":
            kwargs = {"images_root": opts.path, "timestamp": opts.timestamp}
        elif kind in ("comment", "summary"):
            kwargs = {"report_url": opts.report_url}
        out = fn(result, **kwargs)
        if isinstance(out, dict):
            write_output(path, orjson.dumps(out, option=orjson.OPT_INDENT_2) + b"\n")
        else:
            write_output(path, str(out).encode("utf-8"))
    if opts.annotations:
        try:
            annotations = importlib.import_module("imgeda_ci.integrations.github").annotations
        except (ImportError, AttributeError):
            raise UserError("--annotations: this installation cannot write annotations") from None
        for line in annotations(result):
            sys.stdout.write(line + "\n")
        sys.stdout.flush()
