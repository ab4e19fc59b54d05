"""Flat folders: images without annotations. Only the split is known, from folder names."""

from __future__ import annotations

from imgeda_ci.formats.base import Layout, Source


def read(src: Source) -> Layout:
    return Layout("flat", has_labels=False)
