"""Duplicate search from the manifest alone (no image is read again).

Public API (what the checks, the diff and the pre-commit hook call):

- :func:`find_groups` (records, :class:`NearOptions`) -> byte / pixel / near duplicate groups,
  disjoint, each with a keeper (:mod:`imgeda_ci.dupes.groups`);
- :func:`find_leaks` (records, splits, options) -> cross-split duplicates
  (:mod:`imgeda_ci.dupes.leakage`); splits from :func:`split_of` (:mod:`imgeda_ci.dupes.splits`);
- :func:`find_base_duplicates` (head records, base records, options) -> images added by a change
  that duplicate an image already in the base (:mod:`imgeda_ci.dupes.of_base`);
- :func:`near_pairs` (uint64 (n, 4) hashes, radius) -> every pair within the radius, exactly
  (:mod:`imgeda_ci.dupes.hashindex`).

The searches of one run share a :class:`DupeSearch` (:mod:`imgeda_ci.dupes.search`): the
records' columns and content keys, and the near-pair memory that lets the base's search after
the head's compare only what a change added; each search makes one of its own without it.

Near pairs: 256-bit pHashes within a threshold, plus cropped, mirrored and rotated copies from
the records' copy signatures (:mod:`imgeda_ci.dupes.copies`), each verified on the records'
thumbnails (:mod:`imgeda_ci.dupes.verify`); see :mod:`imgeda_ci.dupes.graph`.

``DEFAULT_THRESHOLD`` is the near-duplicate pHash distance (256-bit, bits); its justification
on real photos is in :mod:`imgeda_ci.checks.duplicates`.
"""

from __future__ import annotations

from imgeda_ci.dupes.groups import Group, NearOptions, find_groups, quality_key
from imgeda_ci.dupes.hashindex import from_hex, near_pairs
from imgeda_ci.dupes.leakage import Leak, find_leaks
from imgeda_ci.dupes.of_base import BaseDuplicate, added_indexes, find_base_duplicates
from imgeda_ci.dupes.search import DupeSearch
from imgeda_ci.dupes.splits import split_of, splits_of

#: Default near-duplicate threshold: 256-bit pHash Hamming distance (see the module doc).
DEFAULT_THRESHOLD = 24

__all__ = [
    "DEFAULT_THRESHOLD",
    "BaseDuplicate",
    "DupeSearch",
    "Group",
    "Leak",
    "NearOptions",
    "added_indexes",
    "find_base_duplicates",
    "find_groups",
    "find_leaks",
    "from_hex",
    "near_pairs",
    "quality_key",
    "split_of",
    "splits_of",
]
