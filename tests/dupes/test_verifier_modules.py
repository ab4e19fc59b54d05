"""The verifier key (:func:`imgeda_ci.dupes.verdictfile.verifier_key`) covers every module of
:mod:`imgeda_ci.dupes` that the verifier's code comes from, so that a change to any of them
makes verdict files of the old code unused."""

from __future__ import annotations

import inspect
from types import ModuleType

from imgeda_ci.dupes import verdictfile, verify


def _dupes_modules(module: ModuleType) -> set[str]:
    """The modules of :mod:`imgeda_ci.dupes` whose names ``module`` uses, and theirs."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        mod = todo.pop()
        if mod.__name__ in seen:
            continue
        seen.add(mod.__name__)
        for value in vars(mod).values():
            owner = value if inspect.ismodule(value) else inspect.getmodule(value)
            if owner is not None and owner.__name__.startswith("imgeda_ci.dupes."):
                todo.append(owner)
    return seen


def test_the_verifier_key_reads_every_module_of_the_verifier() -> None:
    used = _dupes_modules(verify)
    assert {"imgeda_ci.dupes.verify", "imgeda_ci.dupes.align", "imgeda_ci.dupes.fit"} <= used
    assert used <= {m.__name__ for m in verdictfile.VERIFIER}
