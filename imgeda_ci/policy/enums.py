"""The enumerated values of a policy, one source for the loader and the JSON Schema.

- a check option's accepted values: its ``choices`` (e.g. ``disallowed_format``'s ``allowed``:
  Pillow's format names; ``unusual_mode``'s ``allowed_modes``: Pillow's modes), also for the
  top-level key that sets that option (``allowed_formats``);
- split names under ``splits:``: a name with a split word in it (``train``, ``val``, ``test``
  and their aliases in :data:`imgeda_ci.formats.base.SPLIT_ALIASES`, any case, e.g.
  ``train2017``, ``my_val``), as the dataset readers name splits; :data:`SPLIT_NAME_PATTERN` is
  that rule as a regular expression, searched by the loader and written into the schema.

Check ids, severities and modes are enumerated where they are declared (the check registry,
:mod:`imgeda_ci.checks.results`, :mod:`imgeda_ci.policy.model`).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence

from imgeda_ci.checks.registry import Check, Option, PolicyKey
from imgeda_ci.formats.base import SPLIT_ALIASES


def _any_case(word: str) -> str:
    """``val`` -> ``[Vv][Aa][Ll]``: JSON Schema patterns have no case-insensitive flag."""
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in word)


#: A split name holds a split word as a whole run of letters (what
#: :func:`imgeda_ci.formats.base.canonical_split` recognises).
SPLIT_NAME_PATTERN = (
    "(^|[^A-Za-z])("
    + "|".join(_any_case(w) for w in sorted(SPLIT_ALIASES, key=lambda w: (-len(w), w)))
    + ")([^A-Za-z]|$)"
)
#: The split words, for hints.
SPLIT_WORDS: tuple[str, ...] = tuple(SPLIT_ALIASES)


def option_choices(option: Option | None) -> tuple[str, ...] | None:
    """The values ``option`` accepts, or None when any value of its type is accepted."""
    if option is None or option.choices is None:
        return None
    return option.choices()


def key_option(key: PolicyKey, checks: Mapping[str, Check]) -> Option | None:
    """The check option a top-level key sets (``allowed_formats`` -> ``allowed``), if any."""
    if key.sets != "option":
        return None
    for cid in key.checks:
        for opt in checks[cid].options if cid in checks else ():
            if opt.name == key.option:
                return opt
    return None


def suggestion(word: str, choices: Sequence[str]) -> str | None:
    """The accepted value ``word`` most likely meant: the closest spelling, ignoring case
    (difflib), in the case ``word`` is written in when that spelling is accepted too; else
    None."""
    by_fold: dict[str, list[str]] = {}
    for c in choices:
        by_fold.setdefault(c.casefold(), []).append(c)
    folded = word.casefold()
    found = [folded] if folded in by_fold else []
    found = found or difflib.get_close_matches(folded, list(by_fold), n=1, cutoff=0.6)
    if not found:
        return None
    spellings = by_fold[found[0]]
    for c in spellings:
        if (word.isupper() and c.isupper()) or (word.islower() and c.islower()):
            return c
    return spellings[0]


def listing(choices: Sequence[str], most: int = 30) -> str:
    """``a, b, c`` (at most ``most`` of them, then ``...``), for a hint."""
    shown = ", ".join(choices[:most])
    return shown + (", ..." if len(choices) > most else "")
