"""Read a list of URLs to scan: ``.txt`` (one per line), ``.csv`` or ``.parquet`` (a ``url``
column).

Every URL is checked for a supported scheme up front (a bad line is a one-line error naming the
file and line), and gets the path its record carries: the URL without user info and without the
query parameters that carry credentials in signed URLs (``X-Amz-Signature``, Azure SAS ``sig``,
``token``...), so that a manifest never stores a secret. The download itself uses the URL as
given.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from imgeda_ci.errors import UserError
from imgeda_ci.scan.remote import check_scheme, redact

_SECRET_PARAM = re.compile(
    r"^(x-amz-.*|x-goog-.*|sig|signature|se|sp|sv|sr|st|spr|sip|skoid|sktid|skt|ske|sks|skv|"
    r"token|access_token|auth|api_key|apikey|key|policy|key-pair-id|expires|credential)$",
    re.IGNORECASE,
)


def public_url(url: str) -> str:
    """``url`` without user info, fragment and credential-bearing query parameters."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not _SECRET_PARAM.match(k)
    ]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query), ""))


def _column(names: list[str], where: str) -> int:
    lowered = [n.strip().lower() for n in names]
    if "url" not in lowered:
        found = ", ".join(repr(n) for n in names[:8]) or "none"
        raise UserError(f"{where}: no 'url' column (columns: {found})")
    return lowered.index("url")


def _read_txt(path: Path) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8-sig")
    return [
        (n, line.strip())
        for n, line in enumerate(text.splitlines(), 1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


def _read_csv(path: Path) -> list[tuple[int, str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = csv.reader(fh)
        header = next(rows, None)
        if header is None:
            return []
        col = _column(header, f"--urls {path}")
        return [
            (n, row[col].strip())
            for n, row in enumerate(rows, 2)
            if len(row) > col and row[col].strip()
        ]


def _read_parquet(path: Path) -> list[tuple[int, str]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise UserError(
            f"--urls {path}: reading parquet needs pyarrow: pip install 'imgeda-ci[parquet]'"
        ) from None
    try:
        table = pq.read_table(path)
    except Exception as exc:
        raise UserError(f"--urls {path}: not a readable parquet file: {exc}") from None
    col = _column(list(table.column_names), f"--urls {path}")
    values = table.column(col).to_pylist()
    return [(n, str(v).strip()) for n, v in enumerate(values, 1) if v and str(v).strip()]


def read_urls(list_file: Path) -> dict[str, str]:
    """Record path -> URL to fetch, for every URL in ``list_file`` (first one wins)."""
    suffix = list_file.suffix.lower()
    try:
        if suffix == ".parquet":
            items = _read_parquet(list_file)
        elif suffix == ".csv":
            items = _read_csv(list_file)
        else:
            items = _read_txt(list_file)
    except FileNotFoundError:
        raise UserError(f"--urls {list_file}: no such file") from None
    except OSError as exc:
        raise UserError(f"--urls {list_file}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UserError(f"--urls {list_file}: not UTF-8 text") from None
    except csv.Error as exc:
        raise UserError(f"--urls {list_file}: malformed CSV: {exc}") from None
    out: dict[str, str] = {}
    for n, url in items:
        where = f"--urls {list_file}:{n}"
        check_scheme(url, where)
        try:
            path = public_url(url)
        except ValueError:
            raise UserError(f"{where}: malformed URL {redact(url)!r}") from None
        if not urlsplit(path).netloc:
            raise UserError(f"{where}: URL without a host: {redact(url)!r}")
        out.setdefault(path, url)
    if not out:
        raise UserError(f"--urls {list_file}: no URLs in the list")
    return out
