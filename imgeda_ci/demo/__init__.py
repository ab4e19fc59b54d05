"""The demo that ``imgeda-ci demo`` runs: a small dataset with planted problems, then the main
job on it.

:mod:`~imgeda_ci.demo.images` builds photo-like synthetic images (also used by tests and
benchmarks), :mod:`~imgeda_ci.demo.dataset` writes the demo dataset and lists what is planted in
it, and :mod:`~imgeda_ci.demo.job` runs ``imgeda-ci ci`` on it with every output it can write.
"""
