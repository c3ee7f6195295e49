"""The async driver: the call plan (``_plan``) sent through aiohttp.

It differs from the sync driver (``_client``) only in how it waits: it
awaits the transport (``_aiotransport``) and the sleep between attempts.
Binding, URLs, signing, the retry policy and the errors are the call
plan's, so a fix there lands in both.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any, AsyncIterator, Optional

from . import _references
from ._classes import build_class, reference_from_document
from ._plan import CallCore
from ._transport import TransportError

__all__ = ["AsyncBaseClient", "async_client_class", "createSession", "createApiClient"]

log = logging.getLogger("taskcluster")


def createSession(*args, **kwargs):
    """A new ``aiohttp.ClientSession`` (arguments passed on), as the package's."""
    import aiohttp
    return aiohttp.ClientSession(*args, **kwargs)


async def _maybe_await(value: Any) -> Any:
    # Injected sleeps and pagination handlers may be plain functions or
    # coroutine functions.
    return await value if inspect.isawaitable(value) else value


class AsyncBaseClient(CallCore):
    """Base of every async client class (``taskcluster.aio.Queue``, ...).

    As :class:`taskcluster.BaseClient`, but every API method is a coroutine
    and ``session`` is an ``aiohttp.ClientSession`` the caller owns (left
    open).  Without one, the client makes its own on the first call, and
    closes it on ``await client.close()`` or at the end of ``async with``.
    Keyword-only: ``transport`` (an object with coroutines ``send`` and
    ``close``), ``sleep`` (default ``asyncio.sleep``; a plain function is
    accepted too), ``random``, ``clock``, ``nonce``.
    """

    _is_async = True

    def __init__(self, options: Optional[dict] = None, session=None, **kwargs):
        super().__init__(options, session, **kwargs)
        if self._sleep is None:
            self._sleep = asyncio.sleep

    @property
    def session(self):
        """The ``aiohttp.ClientSession`` calls go through: the caller's, or
        the client's own once it made one (None before the first call)."""
        if self._session is not None:
            return self._session
        return getattr(self._transport, "session", None)

    async def close(self) -> None:
        """Close the session this client made (not a session passed in)."""
        transport, self._transport = self._transport, None
        if transport is not None:
            await transport.close()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    def _drop_transport(self) -> None:
        # Nothing to drop: aiohttp's pool is per host, and the environment
        # is read per origin, so a changed rootUrl needs no new session.
        pass

    async def _get_transport(self):
        transport = self._transport
        ended = getattr(transport, "loop_ended", None)  # an injected one may not say
        if ended is not None and ended():
            # Made in an event loop that has ended (``asyncio.run(q.task(x))``
            # twice): its session, closed as that loop ended, cannot serve
            # this one.
            self._transport = None
            await transport.close()
            transport = self._transport   # another call may have made one meanwhile
        if transport is None:
            # No lock: nothing awaits between this test and the assignment
            # (close_with_loop awaits nothing that yields to the loop).
            from ._aiotransport import AiohttpTransport
            transport = self._transport = AiohttpTransport(self._session)
            await transport.close_with_loop()
        return transport

    # -- calls -----------------------------------------------------------------
    def _call(self, entry, args, kwargs):
        # Not itself a coroutine: it returns the one to await, one frame
        # less for every resumption of a call in flight.
        bound, handler = self._bind_paginated(entry, args, kwargs)
        if handler is None:
            return self._send(bound)
        return self._paginate(bound, handler)

    async def _paginate(self, bound, handler) -> None:
        async for page in self._pages(bound):
            await _maybe_await(handler(page))

    async def _pages(self, bound) -> AsyncIterator[Any]:
        while bound is not None:
            page = await self._send(bound)
            yield page
            bound = self._next_page(bound, page)

    def pages(self, methodName, *args, **kwargs) -> AsyncIterator[Any]:
        """Iterate over the pages of a paginated method, following each
        page's ``continuationToken``:
        ``async for page in queue.pages('listTaskGroup', taskGroupId)``."""
        return self._pages(self._pages_entry(methodName, args, kwargs))

    async def _send(self, bound) -> Any:
        call = self._prepare(bound)
        limit = self._resolved.maxResponseBytes
        timeout = self._resolved.timeout
        transport = await self._get_transport()
        attempt = 0
        while True:
            attempt += 1
            headers = self._headers(call)
            log.debug("%s: %s %s (attempt %d)", call.label, call.method, call.url, attempt)
            try:
                outcome = await transport.send(call.method, call.target, headers, call.body,
                                               timeout, limit)
            except TransportError as e:
                outcome = e
            step = self._settle(call, attempt, outcome)
            if step.failure is None:
                return step.value
            if step.delay is None:
                raise step.failure
            await _maybe_await(self._sleep(step.delay))


def _build_class(class_name: str) -> type:
    return build_class(class_name, _references.load(class_name), AsyncBaseClient,
                       "taskcluster.aio")


async_client_class = _references.BuildOnce(_build_class)
async_client_class.__doc__ = "The async client class for a class name, built once."


def createApiClient(name: str, reference) -> type:
    """An async client class named ``name`` from one API or exchanges
    reference document, as :func:`taskcluster.client.createApiClient`."""
    return build_class(str(name), reference_from_document(name, reference), AsyncBaseClient,
                       "taskcluster.aio")
