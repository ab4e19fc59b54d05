"""Policy as code: a YAML file -> a validated :class:`Policy` (or a one-line error).

Two forms, mixable in one file.

imgeda's keys, unchanged (each a shorthand declared with
:func:`imgeda_ci.checks.registry.policy_key`; all imply ``severity: error``)::

    min_images_total: 100       # check min_images_total, threshold 100
    max_corrupt_pct: 1.0        # one limit over unreadable+truncated+decompression_bomb+empty_file
    max_overexposed_pct: 5.0    # overexposed: max_pct
    max_underexposed_pct: 5.0   # dark: max_pct
    max_duplicate_pct: 10.0     # one limit over duplicate_exact+duplicate_pixels (non-keepers)
    max_blurry_pct: 10.0        # blurry: max_pct
    max_artifact_pct: 5.0       # border_artifact: max_pct
    min_width: 224              # too_small option min_width, any image below fails (0 = off)
    min_height: 224             # too_small option min_height (0 = off)
    max_aspect_ratio: 3.0       # odd_aspect_ratio threshold, any image above fails (0 = off)
    allowed_formats: [jpeg, png]   # disallowed_format option allowed, any other fails ([] = off)

The fuller form::

    version: 1
    mode: new-only              # judge only findings the change introduced (needs a base);
                                # 'absolute' (default): judge every finding
    max_duplicate_pct_increase: 0.5   # relative form of any max_*_pct / max_* count key
    splits:                     # which images belong to which split, for leakage checks
      train: ["train/**"]       # (default: the dataset format's splits, else folder names)
      test: ["holdout/**", "eval/**"]
    checks:
      dark: {threshold: 30, severity: error, max_pct: 2}
      blurry: {max_pct_increase: 1.0}   # head % may exceed the base's % by at most 1 point
      gps_location: {severity: off}
      too_small: {options: {min_pixels: 50000}}
    overrides:                  # per-glob settings; the last override naming a check wins
      - paths: ["test/**"]
        checks:
          blurry: {severity: error, max_count: 0}
    waivers:                    # findings that do not count; reason required
      - path: "night/**"
        check: dark
        reason: "night shots are the point of this folder"
        expires: 2026-06-30     # optional; an expired waiver is an error (renew or remove it)

Semantics:

- Every registered check runs, at its default threshold and severity, unless the policy says
  otherwise; ``severity: off`` skips it. Severity ``error`` fails the gate when the check's
  findings exceed its limit; ``warning`` only with ``--strict``; ``info`` never.
- A check's limit is ``max_count`` (findings, counted as distinct ``paths[0]``) and/or
  ``max_pct`` (that count over the images in scope, in %); exceeding either exceeds the limit.
  When neither is set the limit is ``max_count: 0``. A check covered by a multi-check key (e.g.
  ``max_corrupt_pct``) has no limit of its own unless the policy gives it one.
- An override *claims* the images matching its ``paths`` for each check it names; the last
  claiming override wins. Claimed images are judged with the base settings updated by the
  override's, and counted in a scope of their own (``test/**``: 1 of 50 test images), so a
  stricter rule for the test split does not dilute into the whole dataset. Dataset checks run
  once: overrides may change their severity and limits per path, not their threshold.
- Relative limits (``max_pct_increase`` / ``max_count_increase`` per check, and
  ``<key>_increase`` for every top-level percentage or count key) compare the head with the base
  branch: the observed % (or count) may exceed the base's by at most that much. Without a base
  they are not judged (reported as such). A check with only a relative limit gets no implicit
  ``max_count: 0``.
- ``mode: new-only`` judges only the findings a change introduced (a finding is existing when
  the base had the same check on the same image, following renames); existing debt is reported,
  not blocking. Without a base every finding is new. ``mode: absolute`` judges all findings.
- Waivers remove matching findings (check id or ``*``, glob on ``paths[0]``) from every count;
  they stay listed as waived. A waiver that matches nothing is reported, not an error.
- Strictness: unknown keys, unknown enumerated values (check ids, severities, ``mode``, an
  option's ``choices`` such as Pillow's format names and modes, split names without a split
  word: see :mod:`~imgeda_ci.policy.enums`), wrong types, out-of-range or infinite values, bad
  globs, duplicate keys, YAML syntax errors, an empty file, a waiver without a reason and an
  expired waiver are refused with one line each naming the file, line, key and (for typos) the
  closest valid key or value. Nothing falls back to a default silently.

Adding a top-level key (e.g. ``min_images_per_class``): in the check's declaration, add
``policy_keys=(shorthand("min_images_per_class", sets="threshold", type="integer",
minimum=0, description=...),)``. The loader, the JSON Schema
(``imgeda_ci/schemas/policy.schema.json``, regenerated by ``python -m imgeda_ci.policy.schema
--write``) and the docs pick it up; this package needs no change. ``sets`` may be ``threshold``,
``max_pct``, ``max_count`` or ``option`` (with ``option=NAME``); several ``checks`` with
``max_pct``/``max_count`` make one limit over the union of their findings.

The package, one job per module: :mod:`~imgeda_ci.policy.model` (the validated policy and the
key names), :mod:`~imgeda_ci.policy.loading` (YAML -> :class:`Policy`),
:mod:`~imgeda_ci.policy.values` (one value's type and range, and the one-line error),
:mod:`~imgeda_ci.policy.keys` (imgeda's shorthand keys and how top-level keys apply),
:mod:`~imgeda_ci.policy.enums` (the enumerated values, for the loader and the schema),
:mod:`~imgeda_ci.policy.schema` (the JSON Schema) and :mod:`~imgeda_ci.policy.yaml_lines`
(YAML with line numbers).
"""

from imgeda_ci.policy.enums import suggestion
from imgeda_ci.policy.loading import load_policy, parse_policy
from imgeda_ci.policy.model import (
    CHECK_KEYS,
    INCREASE,
    MODES,
    OVERRIDE_KEYS,
    TOP_KEYS,
    VERSION,
    WAIVER_KEYS,
    CheckSettings,
    GroupLimit,
    Override,
    Policy,
    PolicyError,
    Resolved,
    SeverityOrOff,
    Waiver,
    default_policy,
)

__all__ = [
    "CHECK_KEYS",
    "INCREASE",
    "MODES",
    "OVERRIDE_KEYS",
    "TOP_KEYS",
    "VERSION",
    "WAIVER_KEYS",
    "CheckSettings",
    "GroupLimit",
    "Override",
    "Policy",
    "PolicyError",
    "Resolved",
    "SeverityOrOff",
    "Waiver",
    "default_policy",
    "load_policy",
    "parse_policy",
    "suggestion",
]
