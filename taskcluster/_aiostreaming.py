"""Async streaming for the transfer helpers of ``taskcluster.aio``: one PUT
or GET of object data through aiohttp, chunk by chunk, and the retry loop
around it.

The twin of ``_streaming``: same decisions (from ``_transfer``), same
errors and messages, same limits; only the sending (aiohttp) and the
waiting (``asyncio.sleep``) differ.  Where aiohttp falls short of the sync
socket timeouts (a send the storage stopped taking has no timeout there),
this module adds the bound itself.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any, Awaitable, Callable

from . import _transfer
# What the sync streaming already says the same way: shared, not copied.
from ._streaming import Progress, Retry, _detail, _LengthMismatch, _scrub
from ._transfer import CHUNK_SIZE, RetryPolicy, redact
from .exceptions import TaskclusterConnectionError, TaskclusterFailure

__all__ = ["attempts", "session", "put", "get", "call", "maybe_await", "hash_chunk", "Retry"]

log = logging.getLogger("taskcluster")


async def maybe_await(value: Any) -> Any:
    """``value``, awaited if it is awaitable: factories, readers and writers
    may be coroutine functions (as the package has them) or plain ones."""
    return await value if inspect.isawaitable(value) else value


async def hash_chunk(hasher, chunk) -> None:
    """``hasher.update(chunk)`` without holding up the event loop: a
    ParallelHasher whose threads lag behind is fed from a worker thread (it
    waits there for room); otherwise at once.  Only the loop's thread feeds
    a hasher, so room seen here is still there for the update."""
    full = getattr(hasher, "full", None)
    if full is not None and full():
        await asyncio.to_thread(hasher.update, chunk)
    else:
        hasher.update(chunk)


async def attempts(policy: RetryPolicy, label: str, attempt: Callable[[int], Awaitable[Any]],
                   sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
    """Await ``attempt(n)`` (n from 1) until it returns, raises something
    other than Retry, or the policy's retries are used up (the last failure
    is raised)."""
    n = 0
    while True:
        n += 1
        try:
            return await attempt(n)
        except Retry as retry:
            failure = retry.failure
        delay = policy.delay(n)
        if delay is None:
            raise failure
        log.debug("%s: attempt %d failed (%s); retrying in %.3fs", label, n, failure, delay)
        await sleep(delay)


def session() -> "Storage":
    """What one helper call sends its storage requests through."""
    return Storage()


class Storage:
    """An ``aiohttp.ClientSession`` of its own (``async with``), and the
    sockets it opened, so that a send the storage stopped taking can be cut
    off (``abort``): a cancelled request only closes its connection
    gracefully, which waits for the unsent data to go out."""

    def __init__(self):
        import aiohttp  # on first use: keeps `import taskcluster.aio` cheap
        import weakref

        self._sockets: "weakref.WeakSet" = weakref.WeakSet()
        connector = None
        try:
            # socket_factory: aiohttp >= 3.12; before it, abort() has nothing to cut.
            connector = aiohttp.TCPConnector(socket_factory=self._socket)
        except TypeError:
            pass
        # trust_env: proxies and .netrc from the environment, as requests reads
        # them for the sync helpers.
        self.session = aiohttp.ClientSession(connector=connector, trust_env=True)
        if hasattr(self.session, "_retry_connection"):
            # aiohttp (3.10+) silently sends an idempotent request (a PUT)
            # again when a pooled connection drops: with a streamed body
            # already consumed, and unseen by the retry policy, which gives
            # each attempt a fresh reader.  No public switch; see _aiotransport.
            self.session._retry_connection = False

    def _socket(self, addr_info):
        import socket

        family, type_, proto = addr_info[:3]
        sock = socket.socket(family=family, type=type_, proto=proto)
        self._sockets.add(sock)
        return sock

    def abort(self) -> None:
        """Shut down every socket still open: their transports fail at once
        and close, pending data or not."""
        import socket

        for sock in list(self._sockets):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:  # already closed or never connected
                pass

    async def __aenter__(self) -> "Storage":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.session.close()


def _timeout(policy: RetryPolicy):
    import aiohttp

    # Per socket operation, as the sync helpers' (connect, read) timeouts:
    # a 1 GiB transfer may take long as a whole.
    return aiohttp.ClientTimeout(total=None, sock_connect=policy.timeout,
                                 sock_read=policy.timeout)


class _Body:
    """A PUT body of exactly ``length`` bytes read from ``reader``, one
    CHUNK_SIZE read at a time.  aiohttp reports any failure of the body as
    a broken connection; the real one (a reader giving more or fewer
    bytes, a reader or ``progress`` raising) is kept in ``error``, and is
    not retried, as with the sync helpers."""

    def __init__(self, label: str, reader, length: int, progress: Progress):
        self._label, self._reader, self._length, self._progress = label, reader, length, progress
        self.error = None
        self.done = False
        self.moved = asyncio.get_running_loop().time()  # when aiohttp last took a chunk

    async def __aiter__(self):
        loop = asyncio.get_running_loop()
        try:
            sent, length = 0, self._length
            while True:
                self.moved = loop.time()
                chunk = await maybe_await(self._reader.read(CHUNK_SIZE))
                if not chunk:
                    break
                sent += len(chunk)
                if sent > length:
                    break
                if self._progress is not None:
                    self._progress(sent, length)
                yield chunk
            self.done = True
            if sent != length:
                raise _LengthMismatch(
                    "%s: the reader gave %s bytes, but contentLength is %d"
                    % (self._label, sent if sent < length else "more than %d" % length, length),
                    method=self._label, argument="contentLength")
        except Exception as e:
            self.error = e
            raise


async def put(http: Storage, label: str, url: str, headers: dict, reader, length: int,
              policy: RetryPolicy, progress: Progress) -> None:
    """One PUT of ``length`` bytes from ``reader`` to a presigned URL.
    Raises Retry for a failure worth another attempt."""
    body = _Body(label, reader, length, progress)
    try:
        response = await _unless_stalled(
            http.session.put(_url(url), data=body.__aiter__(), headers=headers,
                             timeout=_timeout(policy), allow_redirects=False),
            http, body, policy.timeout)
    except _Stalled:
        raise Retry(TaskclusterConnectionError(
            "%s: PUT %s failed: the storage took none of the data for %ss (the timeout)"
            % (label, redact(url), policy.timeout), method=label, url=redact(url))) from None
    except _network_errors() as e:
        if body.error is not None:
            raise body.error from None
        raise _connection_failure(label, "PUT", url, e, policy) from None
    try:
        if body.error is not None:
            raise body.error
        if response.status >= 300:
            await _status_failure(label, "PUT", url, response)
    except BaseException:
        response.close()
        raise
    response.release()


class _Stalled(Exception):
    pass


async def _unless_stalled(request, http: Storage, body: _Body, timeout: float):
    """Await ``request`` (a PUT sending ``body``), cancelled when aiohttp has
    taken none of the body for ``timeout`` seconds: its timeouts cover
    connecting and reading the answer, not a send the storage stopped
    taking (the sync helpers' socket timeout covers that too)."""
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(request)
    try:
        while True:
            left = body.moved + timeout - loop.time()
            if not body.done and left <= 0:
                http.abort()
                raise _Stalled()
            done, _ = await asyncio.wait({task}, timeout=None if body.done else left)
            if done:
                return task.result()
    finally:
        if not task.done():
            task.cancel()
            await asyncio.wait({task})
            if not task.cancelled():
                task.exception()  # seen: not "never retrieved"


async def get(http: Storage, label: str, url: str, writer, policy: RetryPolicy,
              progress: Progress, follow_redirects: bool) -> str:
    """One GET of ``url`` into ``writer``; returns the media type.  The body
    is decoded (gzip) before it is written; aiohttp refuses a body shorter
    than its Content-Length.  Raises Retry for a failure worth another
    attempt; what the writer or ``progress`` raise goes through as it is."""
    errors = _network_errors()
    unparsed = None
    try:
        response = await http.session.get(_url(url), timeout=_timeout(policy),
                                          allow_redirects=follow_redirects)
    except errors as e:
        if not _unparseable(e):
            raise _connection_failure(label, "GET", url, e, policy) from None
        unparsed = e
    if unparsed is not None:
        # aiohttp's compiled parser refuses a whole answer when bytes follow
        # its Content-Length (it would read them as the next answer); the
        # sync helpers take the body the Content-Length declares, as
        # aiohttp's own Python parser does.  Read it as they do.
        return await _get_as_the_sync_helpers_do(label, url, writer, policy, progress,
                                                 follow_redirects)
    complete = False
    try:
        if response.status >= 300:
            await _status_failure(label, "GET", url, response)
        declared = response.headers.get("Content-Length")
        encoded = response.headers.get("Content-Encoding", "identity").lower() != "identity"
        total = None
        if declared is not None and declared.isdigit() and not encoded:
            total = int(declared)
        done = 0
        chunks = response.content.iter_chunked(CHUNK_SIZE).__aiter__()
        while True:
            try:
                chunk = await chunks.__anext__()
            except StopAsyncIteration:
                break
            except errors as e:
                raise _connection_failure(label, "GET", url, e, policy) from None
            await maybe_await(writer.write(chunk))
            done += len(chunk)
            if progress is not None:
                progress(done, total)
        complete = True
        return _transfer.content_type(response.headers.get("Content-Type"))
    finally:
        # Read to the end, the connection goes back to the pool; otherwise
        # it is closed, never pooled half-read.
        if complete:
            response.release()
        else:
            response.close()


def _unparseable(exc: BaseException) -> bool:
    """True for aiohttp's refusal of an answer it could not parse (its
    message quotes the bytes it choked on: object content)."""
    import aiohttp
    from aiohttp.http_exceptions import HttpProcessingError

    return isinstance(exc, aiohttp.ClientResponseError) and \
        isinstance(exc.__cause__ or exc.__context__, HttpProcessingError)


async def _get_as_the_sync_helpers_do(label, url, writer, policy, progress,
                                      follow_redirects) -> str:
    """The GET through the sync helpers' streaming, in a worker thread, into
    a temporary file; then its bytes to ``writer`` in this loop."""
    import tempfile

    from . import _streaming

    def fetch(spool):
        with _streaming.session() as http:
            return _streaming.get(http, label, url, spool, policy, None, follow_redirects)

    with tempfile.SpooledTemporaryFile(max_size=8 * CHUNK_SIZE) as spool:
        content_type = await asyncio.to_thread(fetch, spool)
        total = spool.tell()
        spool.seek(0)
        done = 0
        for chunk in iter(lambda: spool.read(CHUNK_SIZE), b""):
            await maybe_await(writer.write(chunk))
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    return content_type


def _network_errors():
    import aiohttp

    # aiohttp's timeouts are asyncio.TimeoutError (ServerTimeoutError among them).
    return (aiohttp.ClientError, asyncio.TimeoutError)


def _url(url: str):
    import yarl

    # Sent as given: requoting would change what the presigned URL signed.
    return yarl.URL(url, encoded=True)


def _connection_failure(label, method, url, exc, policy) -> Exception:
    import aiohttp

    safe = redact(url)
    if isinstance(exc, aiohttp.InvalidURL):
        return TaskclusterFailure("%s: %s %s cannot be sent: %s" % (label, method, safe,
                                                                   type(exc).__name__))
    if isinstance(exc, asyncio.TimeoutError):
        detail = "no answer within the %ss timeout" % policy.timeout
    elif _unparseable(exc):
        detail = "the answer could not be parsed"   # never the bytes it quotes
    else:
        detail = _detail(exc)
    return Retry(TaskclusterConnectionError(
        "%s: %s %s failed: %s: %s" % (label, method, safe, type(exc).__name__, detail),
        method=label, url=safe))


async def _status_failure(label, method, url, response) -> None:
    safe = redact(url)
    status = response.status
    # Storage answers errors as small XML or JSON documents; keep a little.
    try:
        raw = await response.content.read(2000)
    except _network_errors():  # the status says enough
        raw = b""
    body = _scrub(raw.decode("utf-8", "replace"))
    from ._storageerror import TaskclusterStorageError
    failure = TaskclusterStorageError(
        "%s: %s %s answered %d%s" % (label, method, safe, status,
                                     " (the presigned URL may have expired)"
                                     if status == 403 else ""),
        status_code=status, body=body, method=label, url=safe)
    if _transfer.is_retriable_status(status):
        raise Retry(failure)
    raise failure


async def call(method, *args):
    """Call a service client's API method: a coroutine function (the async
    clients') is awaited; a plain one (a sync client, which the package's
    async helpers accept too) runs in a worker thread, so that it does not
    hold up the event loop."""
    if inspect.iscoroutinefunction(method):
        return await method(*args)
    return await asyncio.to_thread(method, *args)
