"""Why a connection failed, said plainly, whichever HTTP library failed.

requests wraps the operating system's error three times (``ConnectionError``
around urllib3's ``MaxRetryError`` around ``NewConnectionError`` around
``ConnectionRefusedError``), and its text quotes urllib3's "Max retries
exceeded" (retries this library does not make) and internal class names;
aiohttp's ``ClientConnectorError`` holds it as ``os_error``.  The cause a
person can act on is the innermost one: found here by walking the chain.
"""

from __future__ import annotations

import errno
import socket
from typing import Optional
from urllib.parse import urlsplit

__all__ = ["plain_reason"]

_BY_ERRNO = {
    errno.ECONNREFUSED: "the connection was refused: nothing accepts connections at %s",
    errno.ECONNRESET: "the connection to %s was reset",
    errno.ECONNABORTED: "the connection to %s was aborted",
    errno.EPIPE: "the connection to %s was closed while the request was being sent",
    errno.EHOSTUNREACH: "no route to %s (the host is unreachable)",
    errno.ENETUNREACH: "no route to %s (the network is unreachable)",
    errno.ETIMEDOUT: "the connection to %s timed out",
}


def _causes(exc: BaseException):
    """``exc`` and every exception it wraps, outermost first, each once."""
    seen = set()
    stack = [exc]
    while stack:
        e = stack.pop(0)
        if e is None or id(e) in seen or not isinstance(e, BaseException):
            continue
        seen.add(id(e))
        yield e
        # urllib3's MaxRetryError.reason, aiohttp's os_error, requests' args[0]
        stack += [getattr(e, "reason", None), getattr(e, "os_error", None), e.__cause__,
                  e.__context__]
        stack += [a for a in getattr(e, "args", ()) if isinstance(a, BaseException)]


def _where(url: str) -> str:
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        host = parts.hostname or ""
    except ValueError:
        return "the server"
    return "%s:%d" % ("[%s]" % host if ":" in host else host, port)


def plain_reason(exc: BaseException, url: str) -> Optional[str]:
    """A sentence for the operating system's reason behind ``exc`` (refused,
    reset, unknown host, unreachable), or None when there is none to find.
    Names only the host and port of ``url``, never its path or query."""
    for e in _causes(exc):
        if isinstance(e, socket.gaierror):
            host = urlsplit(url).hostname or url
            return "the host name %r could not be resolved (%s)" % (host, e.strerror or e)
        number = getattr(e, "errno", None) if isinstance(e, OSError) else None
        if number in _BY_ERRNO:
            return _BY_ERRNO[number] % _where(url)
    return None
