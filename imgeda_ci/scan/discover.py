"""Find the image files of a dataset: a recursive walk, or an explicit list.

Paths come out as sorted POSIX strings relative to the root. Symlinks inside the root are
followed, a folder once (a loop is detected by device and inode and skipped with a warning);
symlinks leading outside it are not, unless asked (see :func:`walk`); unreadable folders are
skipped with a warning. Include/exclude globs use :mod:`imgeda_ci.globs`.

The same walk lists the other files the dataset-format readers need (labels, ``data.yaml``,
COCO JSON; see :class:`imgeda_ci.formats.files.Tree`), so that a scan walks a large tree once.
It visits each folder's entries in the order of the paths they lead to, so the image paths come
out sorted and go straight into a compact :class:`~imgeda_ci.scan.pathlist.PathList`: the
parent's memory grows by ~25 bytes per image instead of ~90.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imgeda_ci import globs
from imgeda_ci.errors import UserError
from imgeda_ci.formats.files import IMAGE_EXTENSIONS, MAX_TREE_FILES, Tree, readers_enter
from imgeda_ci.scan import dvc
from imgeda_ci.scan.pathlist import PathList
from imgeda_ci.scan.sniff import TEXT_EXTENSIONS, image_extensions, looks_like_image

#: Folders never entered: version-control and tool metadata.
SKIP_DIRS = frozenset({".git", ".hg", ".svn", ".dvc", "__pycache__", ".imgeda-ci"})


@dataclass
class Discovery:
    """The files to scan: ``paths`` (sorted, POSIX, relative to ``root``) and how to reach them.

    A local folder needs nothing more. Other sources (a git tree, a bucket) set ``locators``
    (relative path -> what the readers open, see :mod:`imgeda_ci.scan.readers`) and, when the
    content ids are known without reading (git blobs), ``oids``. A source whose listing tells
    when an object changed (a bucket: size and ETag) sets ``stat_keys``: the pipeline then uses
    them instead of ``os.stat`` to resume from its journal without reading unchanged objects.

    ``tree``: the files below ``root`` as the dataset-format readers see them, when discovery
    walked a local folder (else None, and the readers walk it themselves); the scan hands it to
    the readers and then drops it.
    """

    root: Path
    paths: Sequence[str]
    warnings: list[str] = field(default_factory=list)
    locators: dict[str, str] | None = None
    oids: dict[str, str] | None = None
    stat_keys: dict[str, list[Any]] | None = None
    tree: Tree | None = None

    @property
    def local(self) -> bool:
        return self.locators is None

    def locator(self, rel: str) -> str:
        if self.locators is None:
            return os.path.join(self.root, rel)  # ~10x cheaper than pathlib's join
        return self.locators[rel]


def _ext(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _path_order(entry: os.DirEntry[str]) -> str:
    """Sort key that makes a depth-first walk yield sorted paths: a folder sorts as its name
    plus "/", as the paths in it do (``a-b/x``, ``a.jpg``, ``a/x``; by name, ``a/`` would come
    first)."""
    try:
        return entry.name + "/" if entry.is_dir(follow_symlinks=True) else entry.name
    except OSError:
        return entry.name  # the walk takes it for a file too


def _sniff(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            return looks_like_image(fh.read(32))
    except OSError:
        return False


def check_globs(include: Sequence[str], exclude: Sequence[str]) -> globs.PathFilter:
    """The selection of --include/--exclude; a clear message on an invalid pattern."""
    for opt, patterns in (("--include", include), ("--exclude", exclude)):
        for pattern in patterns:
            try:
                globs.compile_glob(pattern)
            except globs.GlobError as exc:
                raise UserError(f"{opt}: {exc}") from None
    return globs.PathFilter(include, exclude)


def _posix(path: str) -> str:
    return path.replace(os.sep, "/") if os.sep != "/" else path


def walk(
    root: Path,
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    extensions: Iterable[str] | None = None,
    sniff_unknown: bool = True,
    follow_symlinks: bool = False,
) -> Discovery:
    """Every image file below ``root``, as sorted relative POSIX paths.

    Files are images by extension; with ``sniff_unknown``, a file whose extension is neither an
    image's nor a known non-image's (``photo.jpg.bak``, ``scan``, ``x.tiff"``) is opened and
    taken when its first bytes are an image's, so a misnamed image is reported, not missed.

    A symlink whose target is outside ``root`` (a file or a folder) is neither scanned nor
    listed for the readers unless ``follow_symlinks``: a dataset folder should not pull in
    ``/etc`` or a home folder through one link. The links skipped are summed up in one warning
    (the scan's summary and the manifest header), not recorded as images: they are not the
    dataset's images, and an error record each would fail the gate over a choice of layout.
    Symlinks inside ``root`` are followed (a folder once: loops are detected).
    """
    if not root.exists():
        hint = dvc.pull_hint(root) or "; pass the dataset folder to scan"
        raise UserError(f"{root}: no such folder{hint}")
    if not root.is_dir():
        raise UserError(f"{root}: not a folder; use --files-from to scan a list of files")
    exts = frozenset(e.lower().lstrip(".") for e in extensions) if extensions else None
    w = _Walk(root, exts or image_extensions(), check_globs(include, exclude), sniff_unknown)
    w.inside = None if follow_symlinks else os.path.realpath(root)
    w.visit(str(root), "", True, True)
    w.tree.files.sort()
    w.tree.unreadable_dirs.sort()
    warnings = [*w.warnings, *dvc.missing_outputs(root, w.tree.files), *w.select.warnings()]
    if w.outside:
        rel, target = w.outside[0]
        warnings.append(
            f"{len(w.outside)} symlink(s) pointing outside {root} not followed (first: {rel} "
            f"-> {target}); pass --follow-symlinks to scan them"
        )
    return Discovery(root, w.found, warnings, tree=w.tree)


class _Walk:
    """Two walks in one: ``images`` is this walk's own search (it skips SKIP_DIRS, warns), and
    ``readers`` the format readers' view (:func:`imgeda_ci.formats.files.walk`: hidden folders
    skipped, each folder once, unreadable ones noted). A folder is listed once for both."""

    def __init__(
        self,
        root: Path,
        exts: frozenset[str],
        select: globs.PathFilter,
        sniff_unknown: bool,
    ) -> None:
        self.exts = exts
        self.select = select
        self.sniff_unknown = sniff_unknown
        self.found = PathList()  # appended in sorted order (see _path_order)
        self.warnings: list[str] = []
        self.tree = Tree(root)
        self.seen: set[tuple[int, int]] = set()  # folders searched for images
        self.seen_by_readers: set[tuple[int, int]] = set()  # folders listed for the readers
        #: the root's real path when symlinks leading outside it are not followed, else None
        self.inside: str | None = None
        self.outside: list[tuple[str, str]] = []  # (path, target) of the links not followed

    def _leaves(self, entry: os.DirEntry[str], rel: str) -> bool:
        """Whether ``entry`` is a symlink to outside the root not to be followed (noted)."""
        try:
            if self.inside is None or not entry.is_symlink():
                return False
        except OSError:
            return False
        target = os.path.realpath(entry.path)
        if target == self.inside or target.startswith(self.inside.rstrip(os.sep) + os.sep):
            return False
        self.outside.append((rel, target))
        return True

    def _skipped(self, rel: str, images: bool, readers: bool, why: str) -> None:
        if images:
            self.warnings.append(f"{rel or '.'}: skipped {why}")
        if readers:
            self.tree.unreadable_dirs.append(rel)

    def _entries(
        self, folder: str, rel: str, images: bool, readers: bool
    ) -> tuple[list[os.DirEntry[str]], bool, bool]:
        """The folder's entries in path order, and whether each walk still enters it (a folder
        seen before is not: a symlink loop for the image search, a second visit for the
        readers); no entries when neither does or the folder cannot be listed."""
        try:
            st = os.stat(folder)
        except OSError as exc:
            self._skipped(rel, images, readers, f"folder: {exc.strerror}")
            return [], False, False
        key = (st.st_dev, st.st_ino)
        if images:
            if key in self.seen:
                self.warnings.append(f"{rel or '.'}: skipped folder: symlink loop")
                images = False
            else:
                self.seen.add(key)
        if readers:
            readers = key not in self.seen_by_readers and len(self.tree.files) < MAX_TREE_FILES
            self.seen_by_readers.add(key)
        if not (images or readers):
            return [], False, False
        try:
            with os.scandir(folder) as it:
                return sorted(it, key=_path_order), images, readers
        except OSError as exc:
            self._skipped(rel, images, readers, f"unreadable folder: {exc.strerror}")
            return [], False, False

    def visit(self, folder: str, rel: str, images: bool, readers: bool) -> None:
        entries, images, readers = self._entries(folder, rel, images, readers)
        for entry in entries:
            name = entry.name
            child_rel = f"{rel}/{name}" if rel else name
            if self._leaves(entry, child_rel):
                continue
            listed = readers  # whether the readers see this entry
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError:
                is_dir = listed = False
            if is_dir:
                sub_images = images and name not in SKIP_DIRS
                sub_readers = listed and readers_enter(name)
                if sub_images or sub_readers:
                    self.visit(entry.path, child_rel, sub_images, sub_readers)
            elif images and self._is_image(entry, name):
                self._image(entry, name, child_rel, listed)
            elif listed:
                try:
                    if entry.is_file(follow_symlinks=True):
                        self.tree.files.append(child_rel)
                except OSError:
                    continue

    def _is_image(self, entry: os.DirEntry[str], name: str) -> bool:
        """Whether a file is one to scan: by extension, or by its first bytes (see :func:`walk`)."""
        ext = _ext(name)
        return ext in self.exts or (
            self.sniff_unknown and ext not in TEXT_EXTENSIONS and _sniff(entry.path)
        )

    def _image(self, entry: os.DirEntry[str], name: str, rel: str, listed: bool) -> None:
        """Take an image file (a selected one is scanned; the readers list it unless its name
        is an image's) or warn of a broken symlink."""
        try:
            is_file = entry.is_file(follow_symlinks=True)
        except OSError:
            return
        if not is_file:
            if entry.is_symlink():
                self.warnings.append(f"{rel}: skipped broken symlink")
            return
        if self.select.selected(rel):
            self.found.append(rel)
            # is_image_name(name), ~5x faster: the text after the last dot is in
            # IMAGE_EXTENSIONS, and a dot that starts the name starts no extension
            if _ext(name) in IMAGE_EXTENSIONS and name.rfind(".") > 0:
                return  # the readers know it as a scanned image: not listed twice
        if listed:
            self.tree.files.append(rel)


def from_list(
    root: Path,
    list_file: str,
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> Discovery:
    """Files named one per line in ``list_file`` ('-' for stdin), relative to ``root``."""
    select = check_globs(include, exclude)
    try:
        if list_file == "-":
            lines = sys.stdin.read().splitlines()
        else:
            lines = Path(list_file).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UserError(f"--files-from {list_file}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UserError(f"--files-from {list_file}: not UTF-8 text") from None
    root_abs = root.resolve()
    out: set[str] = set()
    for n, line in enumerate(lines, 1):
        item = line.strip()
        if not item or item.startswith("#"):
            continue
        p = Path(item)
        if p.is_absolute():
            try:
                rel = p.resolve().relative_to(root_abs).as_posix()
            except ValueError:
                raise UserError(
                    f"--files-from {list_file}:{n}: {item} is outside the scanned folder {root}"
                ) from None
        else:
            rel = Path(os.path.normpath(item)).as_posix()
            if rel.startswith("../"):
                raise UserError(
                    f"--files-from {list_file}:{n}: {item} is outside the scanned folder {root}"
                )
        if select.selected(rel):
            out.add(rel)
    return Discovery(root, sorted(out), select.warnings())
