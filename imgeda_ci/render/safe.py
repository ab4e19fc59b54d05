"""Put data into HTML safely: JSON inside ``<script>`` elements, and script hashes for the
page's Content-Security-Policy.

JSON embedded in a script element must not contain ``</script>`` (it would end the element and
let the rest run as HTML) nor ``<!--``; escaping ``<``, ``>`` and ``&`` as ``\\u003c`` ... keeps
the JSON identical for ``JSON.parse`` and inert for the HTML parser. U+2028/U+2029 are escaped
too, for older JavaScript parsers.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

import orjson
from markupsafe import Markup

_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_TABLE = str.maketrans(_SCRIPT_ESCAPES)
_END_SCRIPT = re.compile(r"</script", re.IGNORECASE)


def dumps(obj: Any) -> str:
    """Compact, deterministic JSON (sorted keys), non-finite floats refused by orjson as null."""
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY).decode()


def script_json(obj: Any) -> Markup:
    """``obj`` as JSON that is safe inside ``<script type="application/json">``."""
    return Markup(dumps(obj).translate(_TABLE))


def script_text(js: str) -> Markup:
    """Trusted JavaScript (our own, or the Vega bundle) checked to be safe inside ``<script>``."""
    js = _END_SCRIPT.sub(lambda m: "<\\/" + m.group(0)[2:], js)
    return Markup(js.replace("<!--", "<\\!--"))


def csp_hash(text: str) -> str:
    """The CSP source expression allowing exactly this inline script: ``'sha256-...'``."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"
