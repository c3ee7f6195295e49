"""Synchronous streaming for the transfer helpers: one PUT or GET of object
data through ``requests``, chunk by chunk, and the retry loop around it.

No event loop, no thread: the helpers work from scripts, threads and from
inside a running asyncio loop's thread alike.  Decisions come from
``_transfer``; this module only moves bytes and sleeps.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Callable, Optional

from . import _transfer
from ._redact import urls_hidden
from ._transfer import CHUNK_SIZE, RetryPolicy, redact
from .exceptions import (TaskclusterConnectionError, TaskclusterFailure,
                         TaskclusterInputError)

log = logging.getLogger("taskcluster")

Progress = Optional[Callable[[int, Optional[int]], None]]


class Retry(Exception):
    """Raised by an attempt whose failure may be retried: carries it."""

    def __init__(self, failure: TaskclusterFailure):
        super().__init__(failure.message)
        self.failure = failure


def attempts(policy: RetryPolicy, label: str, attempt: Callable[[int], object],
             sleep: Callable[[float], None] = time.sleep):
    """Call ``attempt(n)`` (n from 1) until it returns, raises something
    other than Retry, or the policy's retries are used up (the last failure
    is raised)."""
    n = 0
    while True:
        n += 1
        try:
            return attempt(n)
        except Retry as retry:
            failure = retry.failure
        delay = policy.delay(n)
        if delay is None:
            raise failure
        log.debug("%s: attempt %d failed (%s); retrying in %.3fs", label, n, failure, delay)
        sleep(delay)


def session():
    import requests  # on first use: keeps `import taskcluster` cheap

    from . import _trace
    http = requests.Session()
    _trace.watch_session(http)
    return http


class _LengthMismatch(TaskclusterInputError):
    """The reader gave more or fewer bytes than contentLength."""


class _Body:
    """A PUT body of exactly ``length`` bytes read from ``reader``: requests
    sends it with that Content-Length, one CHUNK_SIZE read at a time."""

    def __init__(self, label: str, reader, length: int, progress: Progress):
        self._label, self._reader, self._length, self._progress = label, reader, length, progress

    def __len__(self) -> int:
        return self._length

    def __iter__(self):
        sent, length = 0, self._length
        while True:
            chunk = self._reader.read(CHUNK_SIZE)
            if not chunk:
                break
            sent += len(chunk)
            if sent > length:
                break
            if self._progress is not None:
                self._progress(sent, length)
            yield chunk
        if sent != length:
            raise _LengthMismatch(
                "%s: the reader gave %s bytes, but contentLength is %d"
                % (self._label, sent if sent < length else "more than %d" % length, length),
                method=self._label, argument="contentLength")


def put(http, label: str, url: str, headers: dict, reader, length: int,
        policy: RetryPolicy, progress: Progress) -> None:
    """One PUT of ``length`` bytes from ``reader`` to a presigned URL.
    Raises Retry for a failure worth another attempt."""
    import requests

    with urls_hidden():
        try:
            response = http.put(url, data=_Body(label, reader, length, progress),
                                headers=headers, timeout=(policy.timeout, policy.timeout),
                                allow_redirects=False, stream=True)
        except requests.RequestException as e:
            raise _connection_failure(label, "PUT", url, e) from None
        with response:
            if response.status_code >= 300:
                _status_failure(label, "PUT", url, response)


def get(http, label: str, url: str, writer, policy: RetryPolicy, progress: Progress,
        follow_redirects: bool) -> str:
    """One GET of ``url`` into ``writer``; returns the media type.  The body
    is decoded (gzip) before it is written, and its length on the wire is
    checked against Content-Length.  Raises Retry for a failure worth
    another attempt."""
    with urls_hidden():
        return _get(http, label, url, writer, policy, progress, follow_redirects)


def _get(http, label: str, url: str, writer, policy: RetryPolicy, progress: Progress,
         follow_redirects: bool) -> str:
    import requests

    try:
        response = http.get(url, stream=True, timeout=(policy.timeout, policy.timeout),
                            allow_redirects=follow_redirects)
    except requests.RequestException as e:
        raise _connection_failure(label, "GET", url, e) from None
    with response:
        if response.status_code >= 300:
            _status_failure(label, "GET", url, response)
        declared = response.headers.get("Content-Length")
        encoded = response.headers.get("Content-Encoding", "identity").lower() != "identity"
        total = None
        if declared is not None and declared.isdigit() and not encoded:
            total = int(declared)
        done = 0
        try:
            for chunk in response.iter_content(CHUNK_SIZE):
                writer.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError, requests.Timeout) as e:
            raise _connection_failure(label, "GET", url, e) from None
        problem = _transfer.length_problem(declared, response.raw.tell())
        if problem is not None:
            raise Retry(TaskclusterConnectionError(
                "%s: GET %s: %s" % (label, redact(url), problem), method=label,
                url=redact(url)))
        return _transfer.content_type(response.headers.get("Content-Type"))


def _connection_failure(label, method, url, exc) -> Exception:
    import requests

    safe = redact(url)
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                        requests.exceptions.InvalidSchema)):
        return TaskclusterFailure("%s: %s %s cannot be sent: %s" % (label, method, safe,
                                                                   type(exc).__name__))
    return Retry(TaskclusterConnectionError(
        "%s: %s %s failed: %s: %s" % (label, method, safe, type(exc).__name__, _detail(exc)),
        method=label, url=safe))


def _detail(exc) -> str:
    # requests quotes the URL it failed on, and a presigned URL's query is
    # its signature: drop every query.
    text = re.sub(r"\?[^\s'\")]*", "?...", str(exc))
    return text if len(text) <= 300 else text[:297] + "..."


def _status_failure(label, method, url, response) -> None:
    safe = redact(url)
    status = response.status_code
    # Storage answers errors as small XML or JSON documents; keep a little.
    body = _scrub(response.raw.read(2000, decode_content=True).decode("utf-8", "replace"))
    from ._storageerror import TaskclusterStorageError
    failure = TaskclusterStorageError(
        "%s: %s %s answered %d%s" % (label, method, safe, status,
                                     " (the presigned URL may have expired)"
                                     if status == 403 else ""),
        status_code=status, body=body, method=label, url=safe)
    if _transfer.is_retriable_status(status):
        raise Retry(failure)
    raise failure


_SIGNED_PARTS = re.compile(
    r"<(SignatureProvided|StringToSign|StringToSignBytes|CanonicalRequest|"
    r"CanonicalRequestBytes)>.*?</\1>", re.S)


def _scrub(body: str) -> str:
    """An S3 error body without what would let it be replayed: a
    SignatureDoesNotMatch answer quotes the signature and what was signed."""
    body = _SIGNED_PARTS.sub(lambda m: "<%s>...</%s>" % (m.group(1), m.group(1)), body)
    return re.sub(r"\?[^\s'\"<)]*", "?...", body)
