"""What the duplicate searches of one run share, held by one object the run owns.

A :class:`DupeSearch` keeps, for the record lists it is shown (the head's and the base's):

- their :class:`~imgeda_ci.columns.Columns`, so the evaluations, the duplicate searches and the
  diff extract each column once, and the content keys derived from them
  (:class:`~imgeda_ci.dupes.content.Content`);
- the near-pair memory per radius (:class:`~imgeda_ci.dupes.pairmemo.PairMemo`), so the base's
  search after the head's compares only the few hashes a change added or removed;
- the verified copy-signature pairs per record list
  (:class:`~imgeda_ci.dupes.copypairs.CopyPairs`) and the thumbnails the pHash pairs are
  verified with (:class:`~imgeda_ci.dupes.copypairs.Pictures`): every duplicate check of the
  run reads them;
- one :class:`~imgeda_ci.dupes.verdictmemo.VerdictMemo` for every record list, keyed by the
  thumbnails' content: the base's verification after the head's (or the head's after the
  base's) verifies only the pairs a change touched.

Some of that may be on its way from elsewhere: ``imgeda-ci ci`` evaluates the base in a second
process (:mod:`imgeda_ci.base_evaluator`), which sends the base's near-pair relation and content
keys, and later the verdicts its evaluation found. :meth:`DupeSearch.expect` registers what
takes the first in (the first duplicate search, :meth:`DupeSearch.content` or
:meth:`DupeSearch.memo`, calls it, once, so every other check runs while the other process is
still searching), :meth:`DupeSearch.expect_verdicts` what takes the verdicts in (called by the
first verification, :meth:`DupeSearch.pictures`). A loader that fails must leave things as they
were: the searches then compute everything themselves. Answers never depend on what was sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from imgeda_ci.columns import Columns
from imgeda_ci.dupes import copypairs
from imgeda_ci.dupes.content import Content, content_of, thumb_strings, with_content
from imgeda_ci.dupes.copypairs import CopyPairs, Pictures
from imgeda_ci.dupes.pairmemo import PairMemo
from imgeda_ci.dupes.verdictmemo import VerdictMemo
from imgeda_ci.model import ImageRecord

#: what takes in inputs on their way (called with the search they are for)
Loader = Callable[["DupeSearch"], object]


class DupeSearch:
    """The columns, content keys and pair memories of one run (see the module doc)."""

    def __init__(self, columns: Sequence[Columns] = ()) -> None:
        self._columns: list[Columns] = list(columns)
        self._memos: dict[int, PairMemo] = {}
        self._copies: list[tuple[Content, CopyPairs]] = []
        self._pictures: list[tuple[Content, Pictures]] = []
        self._verdict_memo = VerdictMemo()
        self._pending: Loader | None = None
        self._pending_verdicts: Loader | None = None

    def expect(self, loader: Loader) -> None:
        """The first :meth:`content` or :meth:`memo` calls ``loader`` (once) before it answers."""
        self._pending = loader

    def expect_verdicts(self, loader: Loader) -> None:
        """The first :meth:`verdict_memo` (every verification asks it) calls ``loader`` (once)
        before it answers; ``loader`` merges what it gets into :meth:`verdict_memo`."""
        self._pending_verdicts = loader

    def _take_in(self) -> None:
        loader, self._pending = self._pending, None
        if loader is not None:
            loader(self)

    def verdict_memo(self) -> VerdictMemo:
        """The run's verdicts of pairs of pictures (see the module doc)."""
        loader, self._pending_verdicts = self._pending_verdicts, None
        if loader is not None:
            loader(self)
        return self._verdict_memo

    def columns(self, records: Sequence[ImageRecord], cols: Columns | None = None) -> Columns:
        """The columns of ``records`` (the same object each time; ``cols`` when they are of
        ``records`` and none are known yet). The records must not change meanwhile."""
        for known in self._columns:
            if known.records is records:
                return known
        made = cols if cols is not None and cols.records is records else Columns(records)
        self._columns.append(made)
        return made

    def content(self, records: Sequence[ImageRecord], cols: Columns | None = None) -> Content:
        """The content keys of ``records`` (made once; see :meth:`columns` for ``cols``)."""
        self._take_in()
        return content_of(self.columns(records, cols))

    def adopt(self, records: Sequence[ImageRecord], content: Content) -> None:
        """Take ``content``, made from an identical list of records elsewhere (another process,
        which sends it without records), as the content keys of ``records``."""
        with_content(self.columns(records), content)

    def copy_pairs(self, content: Content) -> CopyPairs:
        """The verified copy-signature pairs of ``content``'s records (found once; see
        :mod:`imgeda_ci.dupes.copypairs`)."""
        for known, pairs in self._copies:
            if known is content:
                return pairs
        made = copypairs.find(content.sig, content.has_sig, self.pictures(content))
        self._copies.append((content, made))
        return made

    def pictures(self, content: Content) -> Pictures:
        """The thumbnails of ``content``'s records, with their ids in :meth:`verdict_memo`
        (made once per record list)."""
        memo = self.verdict_memo()
        for known, pics in self._pictures:
            if known is content:
                return pics
        made = Pictures(partial(thumb_strings, content), content.n, memo)
        self._pictures.append((content, made))
        return made

    def memo(self, radius: int) -> PairMemo:
        """The near-pair memory for ``radius`` (one per radius)."""
        self._take_in()
        memo = self._memos.get(radius)
        if memo is None:
            memo = self._memos[radius] = PairMemo(radius)
        return memo
