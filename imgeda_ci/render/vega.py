"""Vega through vl-convert, offline: the JavaScript runtime to inline and PNG/SVG export.

The page inlines vl-convert's bundle of Vega, Vega-Lite and Vega-Embed (about 0.9 MB, once per
page, no CDN) and renders the Altair (Vega-Lite) specs with ``vegaEmbed`` and its action menu
off (the menu links to the online editor; the report must work with no network).

vl-convert and Altair are imported here only, when a report or a plot is made.
"""

from __future__ import annotations

import functools
from typing import Any

#: The snippet the bundle is built around (vl-convert's Vega and Vega-Lite default imports are
#: empty; Vega-Embed carries both).
_SNIPPET = "window.vegaEmbed = vegaEmbed;"


def _vlc() -> Any:
    try:
        import vl_convert
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        from imgeda_ci.errors import UserError

        raise UserError(
            "the HTML report and plots need vl-convert-python: pip install vl-convert-python"
        ) from exc
    return vl_convert


@functools.cache
def vl_version() -> str | None:
    """The Vega-Lite version Altair writes, in the form vl-convert expects (``"6.4"``)."""
    import altair as alt

    major_minor = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return major_minor if major_minor in _vlc().get_vegalite_versions() else None


@functools.cache
def runtime_js() -> str:
    """Vega-Embed with Vega and Vega-Lite (no dependencies, no network), to inline once."""
    js: str = _vlc().javascript_bundle(_SNIPPET)
    return js


def versions() -> dict[str, str]:
    vlc = _vlc()
    return {"vega": str(vlc.get_vega_version()), "vl-convert": str(vlc.__version__)}


def to_svg(vl_spec: dict[str, Any]) -> str:
    svg: str = _vlc().vegalite_to_svg(vl_spec, vl_version=vl_version())
    return svg


def to_png(vl_spec: dict[str, Any], scale: float = 2.0) -> bytes:
    png: bytes = _vlc().vegalite_to_png(vl_spec, vl_version=vl_version(), scale=scale)
    return png
