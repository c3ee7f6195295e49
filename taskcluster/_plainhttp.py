"""Plain HTTP requests with retries, outside any API (a PUT to an artifact's
signed URL, say), as the ``taskcluster`` package's utils send them: through
``requests`` (so ``responses`` or ``requests-mock`` see them), never following
redirects, retrying connection failures and 5xx answers.

``requests`` is imported when a request is first made.  Log lines name the
method and the URL without its query (a signed URL's query is a credential),
never headers or body.  Each socket operation waits at most ``TIMEOUT``
seconds (the package waited forever on a storage server that never
answered).  A request that gets no answer raises
:class:`StorageConnectionError`: a ``TaskclusterConnectionError`` and also
``requests``' ``ConnectionError`` and ``Timeout`` (what the package raised,
for code that catches that), whose message and chain carry no URL query.
"""

from __future__ import annotations

import os
import random as _random
import time
from typing import Callable

__all__ = ["MAX_RETRIES", "DELAY_FACTOR", "RANDOMIZATION_FACTOR", "MAX_DELAY", "TIMEOUT",
           "calculateSleepTime", "makeHttpRequest", "makeSingleHttpRequest", "putFile",
           "no_answer"]   # and StorageConnectionError, made on first use



def _log():
    # Imported on first use, as requests is: importing utils stays cheap.
    import logging
    return logging.getLogger("taskcluster.utils")

# The package's defaults (its clients' defaults, and Node's).
MAX_RETRIES = 5
DELAY_FACTOR = 0.1
RANDOMIZATION_FACTOR = 0.25
MAX_DELAY = 30
# Seconds for one connect or one wait for data (not the whole transfer).
TIMEOUT = 60


def calculateSleepTime(attempt: int, *, random: Callable[[], float] = _random.random) -> float:
    """Seconds to wait before retry ``attempt`` (1 for the first retry):
    ``DELAY_FACTOR * 2**(attempt-1)``, jittered by +-``RANDOMIZATION_FACTOR``,
    at most ``MAX_DELAY``; 0 for ``attempt <= 0``."""
    if attempt <= 0:
        return 0
    delay = 2.0 ** (attempt - 1) * DELAY_FACTOR
    # The same operations, in the same order, as the package: for the same
    # random draw the result is the same float.
    delay = delay * (RANDOMIZATION_FACTOR * (random() * 2 - 1) + 1)
    return min(delay, MAX_DELAY)


def _loggable(url: str) -> str:
    return url.split("?", 1)[0]


def makeSingleHttpRequest(method: str, url: str, payload, headers, session=None, *,
                          timeout: float = TIMEOUT):
    """One request through ``session`` (default: ``requests`` itself), without
    following redirects, each socket operation bounded by ``timeout``
    seconds.  Returns the ``requests.Response``, whatever its status; no
    answer raises :class:`StorageConnectionError`."""
    if session is None:
        import requests as session
    log = _log()
    log.debug("%s %s", method.upper(), _loggable(url))
    failure = None
    from ._redact import urls_hidden
    try:
        with urls_hidden():
            response = session.request(method.upper(), url, data=payload, headers=headers,
                                       allow_redirects=False, timeout=timeout)
    except _requests_error() as exc:
        failure = no_answer("%s %s" % (method.upper(), _loggable(url)), exc, timeout)
    if failure is not None:
        # Raised here, outside the handler: requests' exception (its
        # message quotes the URL with its query) is not even its context.
        raise failure
    log.debug("%s %s: %d", method.upper(), _loggable(url), response.status_code)
    return response


def makeHttpRequest(method: str, url: str, payload, headers, retries: int = MAX_RETRIES,
                    session=None, *, sleep: Callable[[float], None] = time.sleep,
                    timeout: float = TIMEOUT):
    """:func:`makeSingleHttpRequest`, retried up to ``retries`` times after a
    connection failure or a 5xx answer, waiting ``n*n/10`` s before retry
    ``n``.  A file payload is rewound before each attempt.  Returns the last
    response (a 5xx one too, when the retries are used up); a connection
    failure on the last attempt raises :class:`StorageConnectionError`."""
    attempt = 0
    while True:
        if attempt:
            # The package's schedule here (not calculateSleepTime's).
            sleep(attempt * attempt / 10.0)
        if hasattr(payload, "seek"):
            payload.seek(0)
        try:
            response = makeSingleHttpRequest(method, url, payload, headers, session,
                                             timeout=timeout)
        except _error_class() as exc:
            if attempt >= retries:
                raise
            _log().warning("%s %s: %s; retrying", method.upper(), _loggable(url),
                           exc.kind)
        else:
            if not (500 <= response.status_code < 600) or attempt >= retries:
                return response
            _log().warning("%s %s: %d; retrying", method.upper(), _loggable(url),
                           response.status_code)
        attempt += 1


def putFile(filename, url: str, contentType: str, *, timeout: float = TIMEOUT,
            retries: int = MAX_RETRIES):
    """PUT the file ``filename`` to ``url`` (with retries) as ``contentType``;
    returns the ``requests.Response``."""
    with open(filename, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        return makeHttpRequest("put", url, f, headers={"Content-Length": str(size),
                                                       "Content-Type": contentType},
                               retries=retries, timeout=timeout)


def _requests_error():
    import requests
    return requests.exceptions.RequestException


def no_answer(what: str, exc: BaseException, timeout: float) -> Exception:
    """The error for ``what`` (``"PUT https://host/path"``, no query) that got
    no answer because of ``exc`` (a ``requests`` exception): its text keeps
    the reason, never a URL query."""
    import requests

    from ._redact import scrub
    kind = type(exc).__name__
    if not isinstance(exc, (requests.ConnectionError, requests.Timeout,
                            requests.exceptions.ChunkedEncodingError)):
        # Not a missing answer (a malformed URL, say): requests' own class,
        # as the package raised it, with the query out of its text.
        try:
            return type(exc)("%s: %s" % (what, scrub(str(exc))[:300]))
        except Exception:  # a class that takes other arguments
            return requests.RequestException("%s: %s: %s" % (what, kind, scrub(str(exc))[:300]))
    if isinstance(exc, requests.Timeout):
        detail = "timed out: no answer within the %ss timeout" % timeout
    else:
        detail = "failed: %s: %s" % (kind, scrub(str(exc))[:300])
    error = _error_class()("%s %s" % (what, detail), url=what.split(" ", 1)[-1])
    error.kind = kind
    return error


_ERROR_CLASS = None


def __getattr__(name: str):
    # Made on first use, when requests is imported; pickling finds it here.
    if name == "StorageConnectionError":
        return _error_class()
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


def _error_class():
    global _ERROR_CLASS
    if _ERROR_CLASS is None:
        import requests

        from .exceptions import TaskclusterConnectionError

        class StorageConnectionError(TaskclusterConnectionError, requests.ConnectionError,
                                     requests.Timeout):
            """No answer from a storage server (refused, reset, timed out):
            ours, and requests' exceptions as the package raised them."""
            kind = "ConnectionError"
            request = None
            response = None

        StorageConnectionError.__module__ = __name__
        StorageConnectionError.__qualname__ = "StorageConnectionError"
        _ERROR_CLASS = StorageConnectionError
    return _ERROR_CLASS
