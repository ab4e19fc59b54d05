"""Inputs of the duplicate searches that another process is still computing.

``imgeda-ci ci`` evaluates the base branch in a second process (:mod:`imgeda_ci.basejob`),
which sends the base's near-pair relation and content keys. The head's evaluation needs them
only for its duplicate and leakage checks, which run last: inside :func:`arriving`, the first
duplicate search (:func:`imgeda_ci.dupes.pairmemo.memo_for`,
:func:`imgeda_ci.dupes.content.content_of`) calls :func:`wait`, which takes them in then, so
every other check runs while the other process is still searching.

A loader that fails must leave things as they were: the searches then compute everything
themselves, as without a second process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

_PENDING: list[Callable[[], object]] = []


@contextmanager
def arriving(loader: Callable[[], object]) -> Iterator[None]:
    """Within the block, the first :func:`wait` calls ``loader`` (once); after it, a loader
    never called is dropped."""
    _PENDING.append(loader)
    try:
        yield
    finally:
        if loader in _PENDING:
            _PENDING.remove(loader)


def wait() -> None:
    """Take in whatever is on its way (a no-op when nothing is)."""
    while _PENDING:
        _PENDING.pop(0)()
