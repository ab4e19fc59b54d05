"""Objects behind URLs (``s3://``, ``gs://``, ``az://``, ``https://``) through fsspec.

Credentials come from each backend's usual environment and config files (``AWS_*`` variables and
``~/.aws``, ``GOOGLE_APPLICATION_CREDENTIALS``, ``AZURE_STORAGE_*``; an S3-compatible endpoint
from ``AWS_ENDPOINT_URL``); imgeda-ci never takes them on its command line and never prints them:
every URL in a message goes through :func:`redact` (user info and query strings, where signed
URLs keep their tokens, are dropped).

Workers read an object with :func:`read_remote`: one size-limited read, retried with exponential
backoff on transient errors, never raising. fsspec and the backend packages are imported here
only, so a local scan never loads them.
"""

from __future__ import annotations

import random
import re
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from imgeda_ci.errors import UserError
from imgeda_ci.model import ErrorInfo

#: URL scheme -> the pip extra that installs its fsspec backend.
SCHEMES: dict[str, str] = {
    "s3": "s3",
    "s3a": "s3",
    "gs": "gcs",
    "gcs": "gcs",
    "az": "azure",
    "abfs": "azure",
    "abfss": "azure",
    "http": "http",
    "https": "http",
}
#: Locator of a remote object with its own size limit: ``remote:<max bytes>:<url>``.
REMOTE = "remote:"
DEFAULT_MAX_BYTES = 256 << 20
RETRIES = 3
BACKOFF = 0.5  # seconds before the first retry; doubles each time (with jitter)
_CHUNK = 1 << 20
_URL_IN_TEXT = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")


def scheme_of(url: str) -> str | None:
    """The lower-case scheme of ``url`` when it has one (``s3``, ``https``), else None."""
    head, sep, _ = url.partition("://")
    if not sep or not head or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", head):
        return None
    return head.lower()


def is_remote(source: str) -> bool:
    """True when ``source`` is a URL (rather than a local path)."""
    return scheme_of(source) is not None


def redact(url: str) -> str:
    """``url`` without user info, query string and fragment: safe to print or log."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unprintable URL>"
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def scrub(text: str) -> str:
    """``text`` with every URL in it redacted (for error messages from backends)."""
    return _URL_IN_TEXT.sub(lambda m: redact(m.group(0)), text)


def check_scheme(url: str, what: str) -> str:
    """The scheme of ``url``, or a one-line UserError naming the supported ones."""
    scheme = scheme_of(url)
    if scheme is None or scheme not in SCHEMES:
        known = ", ".join(f"{s}://" for s in ("s3", "gs", "az", "http", "https"))
        raise UserError(f"{what}: unsupported URL scheme in {redact(url)!r}; use one of {known}")
    return scheme


def filesystem(url: str) -> tuple[Any, str]:
    """(fsspec filesystem, path inside it) for ``url``; UserError when the backend is missing."""
    scheme = check_scheme(url, redact(url))
    extra = SCHEMES[scheme]
    try:
        import fsspec.core
    except ImportError:
        raise UserError(
            f"{scheme}:// needs fsspec and its backend: pip install 'imgeda-ci[{extra}]'"
        ) from None
    try:
        fs, path = fsspec.core.url_to_fs(url)
    except ImportError:
        raise UserError(
            f"{scheme}:// needs the fsspec backend package: pip install 'imgeda-ci[{extra}]'"
        ) from None
    except (ValueError, TypeError) as exc:
        raise UserError(f"{redact(url)}: {scrub(str(exc))}") from None
    return fs, str(path)


def remote_locator(url: str, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    return f"{REMOTE}{max_bytes}:{url}"


def parse_locator(locator: str) -> tuple[str, int]:
    """(url, max bytes) of a locator made by :func:`remote_locator`, or of a bare URL."""
    if locator.startswith(REMOTE):
        limit, _, url = locator[len(REMOTE) :].partition(":")
        return url, int(limit)
    return locator, DEFAULT_MAX_BYTES


class TooLarge(Exception):
    def __init__(self, size: int | None, limit: int) -> None:
        super().__init__(size, limit)
        self.size = size
        self.limit = limit


def _error(code: str, message: str) -> ErrorInfo:
    return {"code": code, "message": message[:300]}


def too_large_error(size: int | None, limit: int) -> ErrorInfo:
    what = f"{size:,} bytes" if size is not None else "more bytes"
    return _error("too_large", f"{what} exceeds the size limit of {limit:,}; see --max-bytes")


def backoff_delay(attempt: int, base: float = BACKOFF, cap: float = 30.0) -> float:
    """Seconds to wait before retry number ``attempt + 1``: exponential with jitter."""
    return float(min(cap, base * (2**attempt)) * (0.5 + random.random() / 2))


def _read_once(url: str, max_bytes: int) -> bytes:
    fs, path = filesystem(url)
    with fs.open(path, "rb", block_size=_CHUNK) as fh:
        size = getattr(fh, "size", None)
        if isinstance(size, int) and size > max_bytes:
            raise TooLarge(size, max_bytes)
        buf = bytearray()
        while True:
            chunk = fh.read(_CHUNK)
            if not chunk:
                break
            buf += chunk
            if len(buf) > max_bytes:
                raise TooLarge(None, max_bytes)
    return bytes(buf)


def _is_timeout(exc: BaseException) -> bool:
    name = type(exc).__name__.lower()
    return isinstance(exc, TimeoutError) or "timeout" in name


def read_remote(
    locator: str, *, retries: int = RETRIES, backoff: float = BACKOFF
) -> tuple[bytes | None, ErrorInfo | None]:
    """The bytes of the object behind ``locator``, or an error record; never raises.

    A missing object is ``vanished`` (it was listed, then went away), a refused one
    ``permission_denied``, one above the size limit ``too_large`` (refused from the size the
    server announces, before the body is read, or as soon as the streamed bytes pass it). Other
    errors are retried ``retries`` times with exponential backoff, then become
    ``download_timeout`` or ``download_error``.
    """
    url, max_bytes = parse_locator(locator)
    last: BaseException | None = None
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff_delay(attempt - 1, backoff))
        try:
            return _read_once(url, max_bytes), None
        except TooLarge as exc:
            return None, too_large_error(exc.size, exc.limit)
        except FileNotFoundError:
            return None, _error("vanished", "the object disappeared before it could be read")
        except PermissionError:
            return None, _error(
                "permission_denied", "access denied; check the backend's credentials"
            )
        except UserError as exc:
            return None, _error("read_error", str(exc))
        except IsADirectoryError:
            return None, _error("read_error", "is a directory")
        except Exception as exc:  # network and backend errors: retried, then recorded
            last = exc
    assert last is not None
    msg = scrub(f"{type(last).__name__}: {last}")
    code = "download_timeout" if _is_timeout(last) else "download_error"
    return None, _error(code, f"{msg} (after {retries} retries)")
