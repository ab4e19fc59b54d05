"""Discovery's walk also lists the files the format readers need: the readers then see exactly
what their own walk (:func:`imgeda_ci.formats.files.walk`) would show them, and a scan walks
the dataset once."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from imgeda_ci.formats import load_layout
from imgeda_ci.formats import loader as formats_loader
from imgeda_ci.formats.files import Tree, is_image_name
from imgeda_ci.formats.files import walk as readers_walk
from imgeda_ci.scan import discover
from imgeda_ci.scan.api import scan_folder
from tests.formats.datasets import image, write, write_json


def _messy(root: Path) -> None:
    """Every kind of folder and file the two walks treat differently."""
    image(root / "images/a.jpg")
    image(root / "images/b.png")
    write(root / "labels/a.txt", "0 0.5 0.5 0.1 0.1\n")
    write(root / "labels/gone.txt", "0 0.5 0.5 0.1 0.1\n")  # an orphan
    write(root / "data.yaml", "names: [a]\ntrain: images\n")
    write(root / "notes.bin", b"\x00\x01")  # a stray file
    write(root / "README.md", "# data\n")
    image(root / ".hidden/c.jpg")  # scanned, but the readers skip hidden folders
    write(root / ".hidden/c.txt", "0 0.5 0.5 0.1 0.1\n")
    write(root / ".git/config", "[core]\n")  # skipped by both
    image(root / ".git/d.jpg")
    write(root / "__pycache__/m.pyc", b"\x00")  # not scanned, but the readers look inside
    image(root / "__pycache__/e.jpg")
    image(root / "excluded/f.jpg")  # excluded by a glob: an image on disk, not scanned
    write(root / "odd.bak", (root / "images/a.jpg").read_bytes())  # a misnamed image, sniffed
    for name in (".jpg", "..jpg", ".x.JPG", "y.", "noext"):  # the readers' own idea of a name
        write(root / "names" / name, (root / "images/a.jpg").read_bytes())
    write(root / "dup/g.jpg", b"")
    os.symlink(root / "images", root / "alias")  # the same folder twice
    os.symlink(root, root / "images/loop")  # a symlink loop
    os.symlink(root / "nowhere.jpg", root / "broken.jpg")  # a broken symlink
    write(root / os.fsdecode(b"labels/caf\xe9.txt"), "0 0.5 0.5 0.1 0.1\n")  # not UTF-8


def _readers_view(found: discover.Discovery) -> Tree:
    assert found.tree is not None
    return found.tree


def test_tree_is_the_readers_walk_without_the_scanned_images(tmp_path: Path) -> None:
    _messy(tmp_path)
    found = discover.walk(tmp_path, exclude=["excluded/**"])
    own = readers_walk(tmp_path)
    tree = _readers_view(found)
    scanned = set(found.paths)
    assert ".hidden/c.jpg" in scanned and "odd.bak" in scanned
    assert "excluded/f.jpg" not in scanned and "__pycache__/e.jpg" not in scanned
    # a folder seen twice is listed once, under the first name in sorted order (``alias``);
    # the readers' own walk takes whichever the file system lists last
    assert "alias/a.jpg" in scanned and not any(p.startswith("images/") for p in scanned)
    one = {"alias": "alias", "images": "alias"}

    def same(files: list[str]) -> list[str]:
        return sorted(one.get(f.split("/")[0], f.split("/")[0]) + f[f.find("/") :] for f in files)

    expected = [f for f in same(own.files) if not (f in scanned and is_image_name(f))]
    assert same(tree.files) == expected
    assert "odd.bak" in tree.files  # scanned, but not by an image name: the readers list it
    assert [p for p in found.paths if p.startswith("names/")] == [
        "names/..jpg", "names/.jpg", "names/.x.JPG", "names/noext", "names/y."
    ]  # fmt: skip
    assert [p for p in tree.files if p.startswith("names/")] == [
        "names/.jpg", "names/noext", "names/y."
    ]  # fmt: skip
    assert "__pycache__/m.pyc" in tree.files and "excluded/f.jpg" in tree.files
    assert not any(f.startswith((".hidden/", ".git/")) for f in tree.files)
    assert tree.files == sorted(tree.files)
    assert tree.unreadable_dirs == own.unreadable_dirs == []


def _locked(monkeypatch: pytest.MonkeyPatch, locked: str) -> None:
    """Make every folder named ``locked`` unreadable (root reads everything, chmod or not)."""
    real = os.scandir

    def scandir(path: Any = ".") -> Any:
        if os.path.basename(os.fspath(path)) == locked:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_unreadable_folders_are_noted_for_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    image(tmp_path / "a/x.jpg")
    image(tmp_path / "locked/y.jpg")
    image(tmp_path / ".cache/locked/z.jpg")  # only discovery looks in here
    write(tmp_path / "b/labels.txt", "x\n")
    _locked(monkeypatch, "locked")
    found = discover.walk(tmp_path)
    own = readers_walk(tmp_path)
    tree = _readers_view(found)
    assert found.paths == ["a/x.jpg"]
    assert sorted(found.warnings) == [
        ".cache/locked: skipped unreadable folder: Permission denied",
        "locked: skipped unreadable folder: Permission denied",
    ]
    assert tree.unreadable_dirs == own.unreadable_dirs == ["locked"]
    assert own.files == ["a/x.jpg", "b/labels.txt"]
    assert tree.files == ["b/labels.txt"]  # the scanned image is in found.paths


def test_unreadable_root_is_noted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "locked"
    image(root / "a.jpg")
    _locked(monkeypatch, "locked")
    found = discover.walk(root)
    assert found.paths == [] and _readers_view(found).unreadable_dirs == [""]
    assert readers_walk(root).unreadable_dirs == [""]
    layout = load_layout(root, found.paths, tree=found.tree)
    assert layout.header_facts()["problems"] == [
        {"code": "unparseable", "path": ".", "message": "folder could not be read"}
    ]


def _datasets(root: Path) -> dict[str, Path]:
    """A small dataset of every format, each with a stray file and a hidden folder."""
    out: dict[str, Path] = {}
    yolo = root / "yolo"
    image(yolo / "train/images/a.jpg")
    image(yolo / "val/images/b.jpg", seed=1)
    write(yolo / "train/labels/a.txt", "0 0.5 0.5 0.2 0.2\n1 0.1 0.1 0.1 0.1\n")
    write(yolo / "val/labels/b.txt", "7 0.5 0.5 0.2 0.2\n")
    write(yolo / "train/labels/zz.txt", "0 0.5 0.5 0.2 0.2\n")
    write(yolo / "data.yaml", "names: [cat, dog]\ntrain: train/images\nval: val/images\n")
    out["yolo"] = yolo
    coco = root / "coco"
    image(coco / "train2017/x.jpg")
    image(coco / "train2017/y.jpg", seed=2)
    write_json(
        coco / "annotations/instances_train2017.json",
        {
            "images": [{"id": 1, "file_name": "x.jpg", "width": 64, "height": 48}],
            "annotations": [{"id": 5, "image_id": 1, "category_id": 3, "bbox": [1, 2, 3, 4]}],
            "categories": [{"id": 3, "name": "boat"}],
        },
    )
    out["coco"] = coco
    voc = root / "voc"
    image(voc / "JPEGImages/p.jpg")
    write(
        voc / "Annotations/p.xml",
        "<annotation><size><width>64</width><height>48</height></size><object><name>cat"
        "</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>30</xmax><ymax>40</ymax></bndbox>"
        "</object></annotation>",
    )
    write(voc / "ImageSets/Main/train.txt", "p\n")
    out["voc"] = voc
    cls = root / "cls"
    for i in range(24):  # 90% of the images in class folders, one at the root
        image(cls / f"{['train', 'val'][i % 2]}/{['cat', 'dog', 'cow'][i % 3]}/{i}.jpg", seed=i)
    image(cls / "x.jpg")
    out["classification"] = cls
    flat = root / "flat"
    image(flat / "one.jpg")
    image(flat / "sub/two.png")
    out["flat"] = flat
    for folder in out.values():
        write(folder / "stray.bin", b"\x00")
        write(folder / ".cache/stray.bin", b"\x00")
        image(folder / ".cache/hidden.jpg")
        write(folder / "__pycache__/m.pyc", b"\x00")
    return out


@pytest.mark.parametrize("fmt", ["yolo", "coco", "voc", "classification", "flat"])
def test_layout_from_discovery_equals_own_walk(tmp_path: Path, fmt: str) -> None:
    root = _datasets(tmp_path)[fmt]
    found = discover.walk(root)
    with_tree = load_layout(root, found.paths, tree=found.tree)
    walked = load_layout(root, found.paths)
    assert with_tree.format == walked.format == fmt
    assert with_tree.header_facts() == walked.header_facts()
    assert any(p["code"] == "stray_file" for p in walked.header_facts()["problems"])
    for rel in found.paths:
        assert with_tree.annotate(rel) == walked.annotate(rel)


def test_a_folder_scan_walks_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _datasets(tmp_path)["yolo"]
    calls: list[Path] = []

    def walk(root: Path) -> Tree:
        calls.append(root)
        return readers_walk(root)

    monkeypatch.setattr(formats_loader, "walk", walk)
    stats = scan_folder(root, tmp_path / "m.jsonl", workers=1, use_git=False)
    assert stats.images == 3 and calls == []
    scan_folder(root, tmp_path / "n.jsonl", workers=1, use_git=False, files_from=_list(tmp_path))
    assert calls == [root]  # a list of files: the readers walk the folder themselves
    assert (tmp_path / "m.jsonl").read_bytes() == (tmp_path / "n.jsonl").read_bytes()


def _list(tmp_path: Path) -> str:
    listing = tmp_path / "list.txt"
    listing.write_text(".cache/hidden.jpg\ntrain/images/a.jpg\nval/images/b.jpg\n")
    return str(listing)
