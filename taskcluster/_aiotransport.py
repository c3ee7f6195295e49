"""The async HTTP layer: send one prepared request through aiohttp.

The async twin of ``_transport``: one ``aiohttp.ClientSession`` per client
(keep-alive, pooled), or the caller's.  It raises the same
:class:`~taskcluster._transport.TransportError` and returns the same
:class:`~taskcluster._transport.Response`, so the call plan reads both alike.

- Each attempt is bounded as a whole by its timeout (``ClientTimeout(total=)``:
  connecting, sending and reading the body).
- The body is refused past ``maxResponseBytes``, counted after
  decompression: read whole when its declared length is within the limit,
  else in bounded pieces.
- For a session of its own, the environment (proxies and ``NO_PROXY``,
  ``.netrc``) is read with aiohttp's own helpers, as ``trust_env=True``
  reads it, but once per origin: aiohttp's ``trust_env`` reads it again on
  every request, in two worker-thread hops, and adds ``.netrc`` credentials
  even beside an Authorization header (which it then refuses to send).
- The URL is sent as it is (``encoded=True``): requoting it would change
  what Hawk signed.
"""

from __future__ import annotations

import asyncio
import ssl
import weakref
from typing import Any, Dict, Mapping, Optional, Tuple

from ._netreason import plain_reason
from ._transport import Response, TransportError, declared_length, too_large

__all__ = ["AiohttpTransport"]

_PIECE = 65536
# aiohttp labels a POST, PUT or PATCH without a body application/octet-stream;
# Node's client (and the sync one) send no Content-Type without a payload.
# Asked per request, only then: skipping costs aiohttp a header copy a request.
_SKIP = ("Content-Type",)
_BODY_METHODS = frozenset(("POST", "PUT", "PATCH"))


def _close_quietly(session, loop) -> None:
    """Close ``session`` without awaiting: its connector closes its
    connections at once (the session then counts as closed), and what is
    left to wait for runs on ``loop`` if it still can.  Called when a
    transport was dropped unclosed, or when a loop closed by hand left it."""
    if session.closed:
        return
    waiter = session.connector.close()
    # Awaited by hand: with the loop closed there is nothing to wait for;
    # else the connections finish closing in a task of the loop.
    steps = waiter.__await__()
    try:
        next(steps)
    except StopIteration:
        pass
    finally:
        steps.close()


class AiohttpTransport:
    """Sends through one ``aiohttp.ClientSession``; ``session`` given is the
    caller's (used as it is, left open by :meth:`close`)."""

    def __init__(self, session=None):
        import aiohttp  # imported on first use: it dominates import time
        import yarl

        self._aiohttp = aiohttp
        self._url = yarl.URL
        self._owned = session is None
        self._by_origin: Dict[str, Tuple[dict, Any]] = {}  # origin -> (request kwargs, netrc)
        self._timeouts: Dict[float, Any] = {}
        if session is None:
            # Made inside the running loop (aiohttp binds a session to it).
            session = aiohttp.ClientSession(trust_env=False)
            if hasattr(session, "_retry_connection"):
                # aiohttp (3.10+) silently sends an idempotent request again,
                # with the same headers, when a pooled connection drops: the
                # same Hawk nonce twice, and an attempt the retry policy never
                # counted.  The call plan decides retries and signs each
                # attempt afresh.  (No public switch; aiohttp's test_utils
                # turns it off the same way.)
                session._retry_connection = False
        self.session = session
        self._loop = asyncio.get_running_loop()   # made on a call: in its loop
        self._guard = None
        if self._owned:
            # Dropped without close() (the package's clients never warn,
            # whatever the caller does): close the session's connections as
            # the transport goes, before aiohttp's finalizers would complain.
            self._finalizer = weakref.finalize(self, _close_quietly, session, self._loop)

    async def close_with_loop(self) -> None:
        """Have the loop close the session this transport made when the loop
        ends (``asyncio.run`` closes every async generator still open before
        it closes the loop) or when the transport is dropped: a client that
        was never closed leaves no open session or connection behind."""
        if self._owned and self._guard is None:
            self._guard = self._until_closed()
            await self._guard.__anext__()

    async def _until_closed(self):
        try:
            yield
        finally:
            await self.session.close()

    def loop_ended(self) -> bool:
        """True when the loop this session of its own was made in has been
        closed, or another one runs now."""
        if not self._owned:
            return False  # the caller's session, the caller's loop
        return self._loop.is_closed() or self._loop is not asyncio.get_running_loop()

    def _settings(self, url: str) -> Tuple[dict, Any]:
        """What every request to ``url``'s origin is sent with, computed once."""
        end = url.find("/", url.find("//") + 2)
        origin = url[:end] if end > 0 else url
        settings = self._by_origin.get(origin)
        if settings is None:
            kwargs: Dict[str, Any] = {"allow_redirects": False}
            netrc = None
            if self._owned:
                from aiohttp import helpers
                target = self._url(origin + "/", encoded=True)
                try:
                    kwargs["proxy"], kwargs["proxy_auth"] = helpers.get_env_proxy_for_url(target)
                except LookupError:  # no proxy for this origin
                    pass
                try:
                    netrc = helpers.basicauth_from_netrc(helpers.netrc_from_env(), target.host)
                except (LookupError, TypeError, ValueError):
                    pass
            settings = self._by_origin[origin] = (kwargs, netrc)
        return settings

    def _timeout(self, seconds: float):
        timeout = self._timeouts.get(seconds)
        if timeout is None:
            timeout = self._timeouts[seconds] = self._aiohttp.ClientTimeout(total=seconds)
        return timeout

    async def send(self, method: str, url: str, headers: Mapping[str, str],
                   body: Optional[bytes], timeout: float, limit: int = 64 * 2**20) -> Response:
        kwargs, netrc = self._settings(url)
        if netrc is not None and "Authorization" not in headers:
            kwargs = dict(kwargs, auth=netrc)
        if body is None and method in _BODY_METHODS:
            kwargs = dict(kwargs, skip_auto_headers=_SKIP)
        response = None
        try:
            response = await self.session.request(
                method, self._url(url, encoded=True), headers=headers, data=body,
                timeout=self._timeout(timeout), **kwargs)
            content = await _read_limited(response, limit)
        except BaseException as e:
            if response is not None:
                # Whatever stopped the read (a timeout, a cancelled task, an
                # answer too large), the connection is closed, not pooled
                # half-read.
                response.close()
            if isinstance(e, TransportError):
                raise
            failure = self._failure(e, url, timeout)
            if failure is None:
                raise
            raise failure from None
        # Read to the end, the connection is back in the pool already; not
        # release()d, which would make a later ``await response.read()`` fail.
        return Response(response.status, response.headers, content, response)

    def _failure(self, e: BaseException, url: str, timeout: float) -> Optional[TransportError]:
        """The TransportError for an exception aiohttp raised, or None for
        one that is not a transport's (a cancelled task, a bug)."""
        aiohttp = self._aiohttp
        # asyncio.TimeoutError is TimeoutError from Python 3.11 only.
        if isinstance(e, (asyncio.TimeoutError, TimeoutError, aiohttp.ServerTimeoutError)):
            return TransportError("timed out: no complete answer within the %ss timeout (%s)"
                                  % (timeout, type(e).__name__), timeout=True)
        if isinstance(e, aiohttp.ClientConnectorCertificateError):
            host = url.split("/")[2] if "//" in url else url
            reason = getattr(e.certificate_error, "verify_message", None) or \
                str(e.certificate_error)
            return TransportError("TLS certificate verification failed for %s: %s"
                                  % (host, reason), retriable=False)
        if isinstance(e, (aiohttp.InvalidURL, aiohttp.ClientConnectionError,
                          aiohttp.ClientPayloadError, aiohttp.ClientResponseError)):
            # A reset, a refused connection, a truncated or malformed answer.
            return TransportError(plain_reason(e, url) or "%s: %s" % (type(e).__name__,
                                                                      _short(e)))
        if isinstance(e, (ValueError, TypeError)):
            # Refused before sending (aiohttp quotes an invalid header's
            # value, and that may be the Authorization header: leave it out).
            return TransportError("the HTTP library refused to send it (%s)"
                                  % type(e).__name__, retriable=False)
        if isinstance(e, ssl.SSLError):
            return TransportError("%s: %s" % (type(e).__name__, _short(e)))
        if isinstance(e, OSError):
            return TransportError(plain_reason(e, url) or "%s: %s" % (type(e).__name__,
                                                                      _short(e)))
        return None

    async def close(self) -> None:
        guard, self._guard = self._guard, None
        if guard is not None and not self._loop.is_closed():
            await guard.aclose()        # closes the session
        elif self._owned:
            await self.session.close()


async def _read_limited(response, limit: int) -> bytes:
    """Read the body whole, decompressed, and refuse it past ``limit`` bytes:
    memory stays bounded whatever the server sends (a huge body, an endless
    stream, a decompression bomb)."""
    headers = response.headers
    declared = declared_length(headers)
    if declared is not None and "content-encoding" not in headers:
        if declared > limit:
            raise too_large(limit, response.status, declared)
        # The length is known and allowed (aiohttp reads no more than it).
        return await response.read()
    chunks = []
    total = 0
    stream = response.content
    while True:
        chunk = await stream.read(_PIECE)
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            raise too_large(limit, response.status)
        chunks.append(chunk)
    body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    # What ClientResponse.read() would have kept: callers given the response
    # ({"response": r}) await r.read(), r.text() and r.json() as usual.
    response._body = body
    return body


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 300 else text[:297] + "..."
