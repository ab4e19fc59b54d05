"""Packaging glue that pyproject.toml cannot express: the top-level ``templates/`` folder (where
the design keeps it) ships inside the wheel as the package ``imgeda_ci.templates``. Everything
else about the package is in pyproject.toml."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["imgeda_ci", "imgeda_ci.*"]), "imgeda_ci.templates"],
    package_dir={"imgeda_ci.templates": "templates"},
)
