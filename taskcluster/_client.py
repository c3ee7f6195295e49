"""Client classes built from the references, and the sync driver.

A call flows through the call plan (``_plan``): bind the arguments, build
the URL, serialize the payload once; then for each attempt sign afresh,
send (``_transport``, through requests), and settle the answer.  This
module only sends and sleeps; the async driver (``aio``) does the same with
aiohttp.  The classes are built by ``_classes`` for both.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Iterator, Optional

from . import _references
from ._classes import build_class
from ._plan import CallCore
from ._transport import TransportError

__all__ = ["BaseClient", "client_class", "build_class", "createSession"]

log = logging.getLogger("taskcluster")


def createSession(*args, **kwargs):
    """A new ``requests.Session`` (arguments passed on), as the package's."""
    import requests
    return requests.Session(*args, **kwargs)


class BaseClient(CallCore):
    """Base of every generated client class (``Queue``, ``Index``, ...).

    ``options`` is a dict (see :mod:`taskcluster._options`); ``session`` a
    ``requests.Session`` to send through (left open: it is the caller's).
    Keyword-only: ``transport`` (an object with ``send`` and ``close``,
    replacing the HTTP layer), and ``sleep``, ``random``, ``clock``,
    ``nonce`` to pin time and randomness.
    """

    def __init__(self, options: Optional[dict] = None, session=None, **kwargs):
        super().__init__(options, session, **kwargs)
        if self._sleep is None:
            self._sleep = time.sleep
        self._transport_lock = threading.Lock()

    @property
    def session(self):
        """The ``requests.Session`` calls go through (the package's attribute)."""
        transport = self._get_transport()
        return getattr(transport, "session", None)

    def close(self) -> None:
        """Close the connections this client opened (not a session passed in)."""
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()

    _drop_transport = close

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _get_transport(self):
        transport = self._transport
        if transport is None:
            with self._transport_lock:
                if self._transport is None:
                    from ._transport import RequestsTransport
                    self._transport = RequestsTransport(self._session, self._resolved.rootUrl)
                transport = self._transport
        return transport

    # -- calls -----------------------------------------------------------------
    def _call(self, entry, args, kwargs):
        bound, handler = self._bind_paginated(entry, args, kwargs)
        if handler is None:
            return self._send(bound)
        for page in self._pages(bound):
            handler(page)
        return None

    def _pages(self, bound) -> Iterator[Any]:
        while bound is not None:
            page = self._send(bound)
            yield page
            bound = self._next_page(bound, page)

    def pages(self, methodName, *args, **kwargs) -> Iterator[Any]:
        """Iterate over the pages of a paginated method, following each
        page's ``continuationToken``: ``for page in queue.pages('listTaskGroup', id)``."""
        return self._pages(self._pages_entry(methodName, args, kwargs))

    def _send(self, bound) -> Any:
        call = self._prepare(bound)
        limit = self._resolved.maxResponseBytes
        timeout = self._resolved.timeout
        transport = self._get_transport()
        attempt = 0
        while True:
            attempt += 1
            headers = self._headers(call)
            log.debug("%s: %s %s (attempt %d)", call.label, call.method, call.url, attempt)
            try:
                outcome = transport.send(call.method, call.target, headers, call.body, timeout,
                                         limit)
            except TransportError as e:
                outcome = e
            step = self._settle(call, attempt, outcome)
            if step.failure is None:
                return step.value
            if step.delay is None:
                raise step.failure
            self._sleep(step.delay)


def _build_class(class_name: str) -> type:
    return build_class(class_name, _references.load(class_name), BaseClient)


client_class = _references.BuildOnce(_build_class)
client_class.__doc__ = "The client class for a class name (e.g. \"Queue\"), built once."
