"""Jinja templates and their static assets, shipped inside the wheel as ``imgeda_ci.templates``.

The folder lives at the top of the repository (the design asks for it there); ``setup.py`` maps
it into the package. This file makes it importable so that :mod:`importlib.resources` finds it in
editable installs too. Renderers load templates with :mod:`imgeda_ci.render.templates`.
"""
