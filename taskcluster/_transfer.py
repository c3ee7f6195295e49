"""The object and artifact transfer protocol, without I/O.

Everything the upload and download helpers decide lives here as plain
functions and small objects: which upload and download methods to propose,
what the service's answer means, the request bodies of ``createUpload``,
``finishUpload`` and ``startDownload``, how a queue artifact is fetched, the
running hashes, their verification, the retry decision and the wait.  The
sync helpers (``taskcluster.upload``, ``taskcluster.download``) only send,
stream and sleep around it, and an async driver can do the same with the
same core.

Nothing here reads a socket, a file or the clock: the time is a parameter.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Optional
from urllib.parse import unquote, urlsplit, urlunsplit

from ._retry import backoff_delay
from .exceptions import (ObjectHashVerificationError, TaskclusterArtifactError,
                         TaskclusterFailure, TaskclusterInputError)

__all__ = [
    "DATA_INLINE_MAX_SIZE", "ACCEPTABLE_HASHES", "CHUNK_SIZE",
    "TaskclusterArtifactError", "ObjectHashVerificationError",
    "Hasher", "verifyHashes", "RetryPolicy",
    "propose_upload", "create_upload_request", "UploadMethod", "upload_method",
    "put_headers", "finish_upload_request",
    "start_download_request", "DownloadPlan", "download_plan", "url_expired",
    "ArtifactSource", "artifact_source", "task_id_from_location", "redirect_location",
    "content_type", "length_problem", "is_retriable_status", "redact",
    "check_upload_args", "check_download_args",
]

# dataInline carries at most 8 KiB of decoded data (upload-method-data-inline.json).
DATA_INLINE_MAX_SIZE = 8192

# The algorithms the object service's hashes.json names; at least one of
# them must be present and match for a download to count as verified.
ACCEPTABLE_HASHES = frozenset(["sha256", "sha512"])

# One read or write: large enough that per-chunk overhead vanishes at disk
# and loopback speeds, small enough that a transfer holds a few MiB at most.
CHUNK_SIZE = 1024 * 1024


# -- hashes -------------------------------------------------------------------

class Hasher:
    """The running sha256 and sha512 of a stream, and its length."""

    __slots__ = ("_sha256", "_sha512", "length")

    def __init__(self):
        self._sha256 = hashlib.sha256()
        self._sha512 = hashlib.sha512()
        self.length = 0

    def update(self, chunk) -> None:
        self._sha256.update(chunk)
        self._sha512.update(chunk)
        self.length += len(chunk)

    def hashes(self) -> Dict[str, str]:
        """``{"sha256": hex, "sha512": hex}``, as the object service's hashes."""
        return {"sha256": self._sha256.hexdigest(), "sha512": self._sha512.hexdigest()}


def verifyHashes(observed: Mapping[str, str], expected: Mapping[str, str]) -> None:
    """Raise ObjectHashVerificationError unless every algorithm present in both
    agrees and at least one of them is in ACCEPTABLE_HASHES."""
    verified = False
    for algorithm, value in observed.items():
        if algorithm not in expected:
            continue
        if expected[algorithm] != value:
            raise ObjectHashVerificationError(
                "the downloaded data's %s hash is %s, but the object service has %s"
                % (algorithm, value, expected[algorithm]))
        verified = verified or algorithm in ACCEPTABLE_HASHES
    if not verified:
        raise ObjectHashVerificationError(
            "the object service gave no hash this client can check (it gave %s; "
            "acceptable: %s)" % (sorted(expected) or "none", ", ".join(sorted(ACCEPTABLE_HASHES))))


# -- retries ------------------------------------------------------------------

@dataclass(frozen=True)
class RetryPolicy:
    """The service clients' retry policy, applied to storage requests: up to
    ``maxRetries`` retries after the first attempt, backoff as ``_retry``."""
    maxRetries: int = 5
    delayFactor: float = 0.1
    randomizationFactor: float = 0.25
    maxDelay: float = 30
    timeout: float = 30

    @classmethod
    def of(cls, service: Any, maxRetries: Optional[int] = None) -> "RetryPolicy":
        """The policy of a service client (its options), with ``maxRetries``
        (the helpers' keyword) overriding the client's own."""
        options = getattr(service, "options", None)
        values = {}
        for name in ("maxRetries", "delayFactor", "randomizationFactor", "maxDelay", "timeout"):
            try:
                value = options[name] if options is not None else None
            except (KeyError, TypeError):
                value = None
            if value is not None:
                values[name] = value
        if maxRetries is not None:
            values["maxRetries"] = maxRetries
        return cls(**values)

    def delay(self, attempt: int, random: Optional[Callable[[], float]] = None) -> Optional[float]:
        """Seconds to wait after failed attempt ``attempt`` (1 for the first),
        or None when the retries are used up."""
        if attempt > self.maxRetries:
            return None
        if random is None:
            return backoff_delay(attempt, self.delayFactor, self.randomizationFactor,
                                 self.maxDelay)
        return backoff_delay(attempt, self.delayFactor, self.randomizationFactor,
                             self.maxDelay, random)


def is_retriable_status(status: int) -> bool:
    """5xx answers from storage are retried; 4xx (an expired presigned URL's
    403 among them) never: sending the same request again cannot help."""
    return 500 <= status < 600


# -- upload ---------------------------------------------------------------------

def propose_upload(contentType: str, contentLength: int,
                   inline_data: Optional[bytes] = None) -> Dict[str, Any]:
    """``proposedUploadMethods``: ``putUrl`` always, and ``dataInline`` when the
    whole object (``inline_data``, already read) fits in DATA_INLINE_MAX_SIZE."""
    proposed: Dict[str, Any] = {}
    if inline_data is not None and len(inline_data) <= DATA_INLINE_MAX_SIZE:
        proposed["dataInline"] = {"contentType": contentType,
                                  "objectData": base64.b64encode(inline_data).decode("ascii")}
    proposed["putUrl"] = {"contentType": contentType, "contentLength": contentLength}
    return proposed


def create_upload_request(projectId: str, uploadId: str, expires: Any,
                          proposed: Dict[str, Any]) -> Dict[str, Any]:
    """The ``createUpload`` payload.  ``expires`` may be a datetime (sent in
    the JSON date format the service takes) or a string."""
    return {"projectId": projectId, "uploadId": uploadId, "expires": _json_date(expires),
            "proposedUploadMethods": proposed}


@dataclass(frozen=True)
class UploadMethod:
    """The method ``createUpload`` chose: ``name`` is ``dataInline`` (nothing
    more to send) or ``putUrl`` (PUT the data to ``url`` with ``headers``)."""
    name: str
    url: Optional[str] = None
    headers: Optional[Dict[str, str]] = None
    expires: Optional[str] = None


def upload_method(response: Any) -> UploadMethod:
    method = response.get("uploadMethod") if isinstance(response, dict) else None
    if isinstance(method, dict):
        if method.get("dataInline") is True:
            return UploadMethod("dataInline")
        put = method.get("putUrl")
        if isinstance(put, dict) and isinstance(put.get("url"), str):
            return UploadMethod("putUrl", put["url"], dict(put.get("headers") or {}),
                                put.get("expires"))
    raise TaskclusterFailure(
        "upload: the object service accepted none of the proposed upload methods "
        "(dataInline, putUrl); it answered uploadMethod=%r" % (method,))


def put_headers(method: UploadMethod, contentLength: int) -> Dict[str, str]:
    """The PUT's headers: the ones the service gave, verbatim (they may be
    signed into the URL), and one Content-Length, equal to ``contentLength``."""
    headers = {}
    for name, value in (method.headers or {}).items():
        if name.lower() == "content-length":
            if str(value).strip() != str(contentLength):
                raise TaskclusterFailure(
                    "upload: the object service asks for Content-Length %s, but "
                    "contentLength is %d" % (value, contentLength))
            continue
        headers[name] = value
    headers["Content-Length"] = str(contentLength)
    return headers


def finish_upload_request(projectId: str, uploadId: str,
                          hashes: Dict[str, str]) -> Dict[str, Any]:
    return {"projectId": projectId, "uploadId": uploadId, "hashes": dict(hashes)}


# -- download -------------------------------------------------------------------

def start_download_request() -> Dict[str, Any]:
    """``startDownload`` payload: getUrl (hashes included) preferred by the
    service, simple accepted."""
    return {"acceptDownloadMethods": {"getUrl": True, "simple": True}}


@dataclass(frozen=True)
class DownloadPlan:
    """How to fetch an object: GET ``url``.  ``hashes`` are the ones to verify
    (None for ``simple``: ask ``object(name)`` for them); ``follow_redirects``
    is False for getUrl, whose URL answers the data itself (a 3xx is an error);
    ``expires`` says when the URL must be asked for again."""
    method: str
    url: str
    hashes: Optional[Dict[str, str]]
    expires: Optional[str]
    follow_redirects: bool


def download_plan(response: Any) -> DownloadPlan:
    method = response.get("method") if isinstance(response, dict) else None
    if method == "getUrl":
        return DownloadPlan("getUrl", response["url"], dict(response.get("hashes") or {}),
                            response.get("expires"), False)
    if method == "simple":
        return DownloadPlan("simple", response["url"], None, None, True)
    raise TaskclusterFailure(
        "download: the object service chose download method %r, which this client does "
        "not know (it proposed getUrl and simple)" % (method,))


def url_expired(expires: Optional[str], now: datetime.datetime) -> bool:
    """Whether a URL with this ``expires`` (ISO 8601) is past it at ``now``
    (an aware datetime).  A missing or unreadable date counts as expired:
    asking again costs one call; a stale URL costs a failed transfer."""
    if not expires:
        return True
    try:
        when = datetime.datetime.fromisoformat(expires.replace("Z", "+00:00"))
    except ValueError:
        return True
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when <= now


@dataclass(frozen=True)
class ArtifactSource:
    """Where a queue artifact's data is: ``url`` for ``s3`` and ``reference``
    (a plain GET, redirects followed), or an object ``name`` on the object
    service with the temporary ``credentials`` the queue gave."""
    storageType: str
    url: Optional[str] = None
    name: Optional[str] = None
    credentials: Optional[Dict[str, Any]] = None


def artifact_source(artifact: Any, label: str = "downloadArtifact") -> ArtifactSource:
    """Read the answer of ``queue.artifact`` / ``latestArtifact``
    (artifact-content-response.json).  An ``error`` artifact raises
    TaskclusterArtifactError with its reason.  ``link`` artifacts never
    appear: the queue follows them."""
    kind = artifact.get("storageType") if isinstance(artifact, dict) else None
    if kind in ("s3", "reference") and isinstance(artifact.get("url"), str):
        return ArtifactSource(kind, url=artifact["url"])
    if kind == "object" and isinstance(artifact.get("name"), str):
        return ArtifactSource(kind, name=artifact["name"],
                              credentials=artifact.get("credentials"))
    if kind == "error":
        return _raise_artifact_error(artifact, label)
    raise TaskclusterFailure("%s: the queue answered an artifact of storageType %r, which "
                             "this client does not know" % (label, kind))


class ContentLengthMismatch(TaskclusterInputError, RuntimeError):
    """The reader gave another number of bytes than ``contentLength`` (a
    RuntimeError too, as the package raises)."""


def _raise_artifact_error(artifact: dict, label: str):
    # Worded as the package words it: the artifact's own message, and its
    # reason in ``reason`` (code matches on both).  ``method`` names the helper.
    reason, message = artifact.get("reason"), artifact.get("message")
    if not isinstance(message, str) or not message:
        message = "%s: an error artifact (reason %r)" % (label, reason)
    raise TaskclusterArtifactError(message, reason, method=label)


_QUEUE_ARTIFACT = re.compile(r"/task/([A-Za-z0-9_-]{22})/(?:runs/(\d+)/)?artifacts/")


def task_id_from_location(location: str) -> Optional[str]:
    """The taskId in the queue URL that ``index.findArtifactFromTask``
    redirects to (``.../queue/v1/task/<taskId>/artifacts/<name>``), or None."""
    path = unquote(urlsplit(location).path)
    if "/queue/v1/" not in path:
        return None
    match = _QUEUE_ARTIFACT.search(path)
    return match.group(1) if match else None


def redirect_location(answer: Any) -> Optional[str]:
    """The redirect target in a client's answer to ``findArtifactFromTask``'s
    303: the Location header of ``{"response": <the HTTP library's
    response>}`` (requests' or aiohttp's, whose headers both have ``get``),
    or a JSON body's ``url``."""
    if not isinstance(answer, dict):
        return None
    response = answer.get("response")
    headers = getattr(response, "headers", None)
    if headers is not None:
        location = headers.get("Location") or headers.get("location")
        if location:
            return location
    url = answer.get("url")
    return url if isinstance(url, str) else None


# -- arguments ----------------------------------------------------------------------

def check_upload_args(label: str, contentLength: Any, readerFactory: Any, objectService: Any,
                      progress: Any) -> None:
    """Refuse bad arguments of an upload helper before anything is sent."""
    if isinstance(contentLength, bool) or not isinstance(contentLength, int) \
            or contentLength < 0:
        raise TaskclusterInputError(
            "%s: contentLength must be a whole number of bytes >= 0, not %r"
            % (label, contentLength), method=label, argument="contentLength")
    _check_factory(label, "readerFactory", "reader", readerFactory)
    _check_service(label, "objectService", "Object", objectService,
                   ("createUpload", "finishUpload"))
    _check_progress(label, progress)


def check_download_args(label: str, writerFactory: Any, progress: Any, service: Any,
                        argument: str = "objectService", kind: str = "Object",
                        methods=("startDownload",)) -> None:
    """Refuse bad arguments of a download helper before anything is sent:
    ``service`` (the argument named ``argument``) must have ``methods``."""
    _check_factory(label, "writerFactory", "writer", writerFactory)
    _check_progress(label, progress)
    _check_service(label, argument, kind, service, methods)


def _check_factory(label, argument, what, factory) -> None:
    if not callable(factory):
        raise TaskclusterInputError(
            "%s: %s must be a function returning a %s, not %s"
            % (label, argument, what, type(factory).__name__), method=label, argument=argument)


def _check_service(label, argument, kind, service, methods) -> None:
    if not all(callable(getattr(service, m, None)) for m in methods):
        raise TaskclusterInputError(
            "%s: %s must be a taskcluster %s client, not %s"
            % (label, argument, kind, type(service).__name__), method=label, argument=argument)


def _check_progress(label, progress) -> None:
    if progress is not None and not callable(progress):
        raise TaskclusterInputError(
            "%s: progress must be a function taking (bytesDone, totalBytes), not %s"
            % (label, type(progress).__name__), method=label, argument="progress")


# -- responses --------------------------------------------------------------------

def content_type(header: Optional[str]) -> str:
    """The media type of a Content-Type header, without parameters (as the
    package's helpers return it); ``application/octet-stream`` when absent."""
    media = (header or "").split(";", 1)[0].strip()
    return media or "application/octet-stream"


def length_problem(declared: Optional[str], received: int) -> Optional[str]:
    """What is wrong when ``received`` bytes came for a Content-Length of
    ``declared`` (the header's text, None when absent), or None."""
    if declared is None:
        return None
    try:
        expected = int(declared)
    except ValueError:
        return "the Content-Length header %r is not a number" % declared
    if expected != received:
        return "received %d bytes, but Content-Length is %d" % (received, expected)
    return None


def redact(url: str) -> str:
    """A URL safe to show: presigned storage URLs carry their signature (and
    queue URLs a bewit) in the query, so it goes."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


def _json_date(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        from .utils import stringDate
        return stringDate(value)
    return value
