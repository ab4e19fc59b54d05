"""Load the Jinja templates and static assets of ``templates/`` (shipped as
``imgeda_ci.templates``), installed or from a source checkout.

:func:`environment` is the one Jinja environment every renderer shares: autoescaping on for
HTML templates (every string from the data is escaped unless a renderer marks it safe on
purpose), strict undefined variables, trimmed blocks. :func:`asset` reads a static file (CSS, JS)
to inline into a page.
"""

from __future__ import annotations

import functools
import importlib.resources
from importlib.resources.abc import Traversable
from pathlib import Path

import jinja2

PACKAGE = "imgeda_ci.templates"


@functools.cache
def template_root() -> Traversable:
    """The folder holding the templates: the installed package, else the checkout's folder (an
    editable install made before the templates package existed)."""
    try:
        root = importlib.resources.files(PACKAGE)
        if root.joinpath("report.html.j2").is_file():
            return root
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parents[2] / "templates"


class _ResourceLoader(jinja2.BaseLoader):
    """Loads ``name`` (``partials/x.html.j2``) from :func:`template_root`."""

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, None]:
        node = template_root()
        for part in template.split("/"):
            if part in ("", ".", ".."):
                raise jinja2.TemplateNotFound(template)
            node = node.joinpath(part)
        if not node.is_file():
            raise jinja2.TemplateNotFound(template)
        return node.read_text(encoding="utf-8"), None, None


@functools.cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=_ResourceLoader(),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "html.j2", "xml", "svg"), default_for_string=True
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def asset(name: str) -> str:
    """The text of a static file next to the templates (e.g. ``report.css``)."""
    return template_root().joinpath(name).read_text(encoding="utf-8")
