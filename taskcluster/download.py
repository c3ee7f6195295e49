"""Download objects and queue artifacts, synchronously (no event loop inside).

The data goes to a *writer* made by ``writerFactory`` (see
``taskcluster.reader_writer``), called again for each retried attempt.
Objects are fetched by ``getUrl`` (or ``simple``) and their sha256 and
sha512 checked against the object service's; a mismatch raises
ObjectHashVerificationError.  Queue artifacts of storage type ``s3``,
``reference`` and ``object`` are fetched, an ``error`` artifact raises
TaskclusterArtifactError (``link`` artifacts are followed by the queue).
``downloadArtifactFromIndex`` finds the artifact through an index path.

``*ToFile`` helpers take a file object (rewound for each attempt, emptied
if the download fails) or a path (written beside it, renamed over it only
once verified, removed if the download fails).  ``progress(bytesDone,
totalBytes)``, when given, is called as data arrives (``totalBytes`` None
when unknown; from 0 again when an attempt is retried).
"""

from __future__ import annotations

import datetime
from typing import Dict

from . import _streaming, _targets, _transfer
from ._hashing import ParallelHasher
from ._transfer import (ACCEPTABLE_HASHES, ObjectHashVerificationError,
                        TaskclusterArtifactError, verifyHashes)
from .reader_writer import BufferWriter, FileWriter

__all__ = [
    "download", "downloadToBuf", "downloadToFile",
    "downloadArtifact", "downloadArtifactToBuf", "downloadArtifactToFile",
    "downloadArtifactFromIndex", "downloadArtifactFromIndexToBuf",
    "downloadArtifactFromIndexToFile",
    "HashingWriter", "verifyHashes", "ACCEPTABLE_HASHES",
    "TaskclusterArtifactError", "ObjectHashVerificationError",
]


class HashingWriter:
    """A writer that hashes what it writes to ``inner``.  ``hasher`` (an
    object with ``update`` and ``hashes()``) defaults to one hashing in the
    calling thread."""

    def __init__(self, inner, hasher=None):
        self.inner = inner
        self._hasher = _transfer.Hasher() if hasher is None else hasher

    def write(self, chunk) -> None:
        self.inner.write(chunk)
        self._hasher.update(chunk)

    def update(self, chunk) -> None:
        self._hasher.update(chunk)

    def hashes(self) -> Dict[str, str]:
        return self._hasher.hashes()


# -- the client classes the helpers build ------------------------------------------

def __getattr__(name: str):
    # ``Object`` and ``Queue``, built on first use: module attributes, so that
    # code written for the package can replace them (monkeypatch.setattr).
    if name in _CLASSES:
        from ._client import client_class
        return client_class(name)
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


_CLASSES = ("Object", "Queue")


def _client_class(name: str) -> type:
    """The class a helper builds, looked up on this module at call time."""
    import sys
    return getattr(sys.modules[__name__], name)


# -- objects ------------------------------------------------------------------------

def download(*, name: str, maxRetries: int = 5, objectService, writerFactory,
             progress=None) -> str:
    """Download object ``name`` through writers from ``writerFactory``, with
    ``objectService`` (an ``Object`` client allowed to download it).  Returns
    the content type."""
    label = "download"
    _transfer.check_download_args(label, writerFactory, progress, objectService)
    policy = _transfer.RetryPolicy.of(objectService, maxRetries)
    plan = _start(objectService, name)
    expected = plan.hashes if plan.hashes is not None else _object_hashes(objectService, name)

    def attempt(n):
        nonlocal plan, expected
        if n > 1 and _transfer.url_expired(plan.expires, _now()):
            plan = _start(objectService, name)
            if plan.hashes is not None:
                expected = plan.hashes
        with ParallelHasher() as hasher:
            writer = HashingWriter(writerFactory(), hasher)
            contentType = _streaming.get(http, label, plan.url, writer, policy, progress,
                                         plan.follow_redirects)
            observed = hasher.hashes()
        # Not retried: the service's hashes and the storage disagree.
        verifyHashes(observed, expected)
        return contentType

    with _streaming.session() as http:
        return _streaming.attempts(policy, label, attempt)


def downloadToBuf(**kwargs):
    """``download`` into memory; returns ``(buffer, contentType)``."""
    return _to_buf(download, kwargs)


def downloadToFile(file, **kwargs) -> str:
    """``download`` into ``file`` (a path, or a binary file object that can
    seek and truncate); returns the content type."""
    return _to_file("downloadToFile", file, download, kwargs)


def _start(objectService, name):
    return _transfer.download_plan(
        objectService.startDownload(name, _transfer.start_download_request()))


def _object_hashes(objectService, name):
    # A ``simple`` download carries no hashes; the object's metadata does.
    return dict(objectService.object(name).get("hashes") or {})


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


# -- queue artifacts ------------------------------------------------------------------

def downloadArtifact(*, taskId: str, name: str, runId=None, maxRetries: int = 5,
                     queueService, writerFactory, progress=None) -> str:
    """Download artifact ``name`` of task ``taskId`` (its latest run, or
    ``runId``) through writers from ``writerFactory``, with ``queueService``
    (a ``Queue`` client).  Returns the content type."""
    label = "downloadArtifact"
    _transfer.check_download_args(label, writerFactory, progress, queueService,
                                  "queueService", "Queue", ("artifact", "latestArtifact"))
    if runId is None:
        artifact = queueService.latestArtifact(taskId, name)
    else:
        artifact = queueService.artifact(taskId, runId, name)
    return _fetch_artifact(label, artifact, queueService, maxRetries, writerFactory, progress)


def downloadArtifactToBuf(**kwargs):
    """``downloadArtifact`` into memory; returns ``(buffer, contentType)``."""
    return _to_buf(downloadArtifact, kwargs)


def downloadArtifactToFile(file, **kwargs) -> str:
    """``downloadArtifact`` into ``file`` (a path or a binary file object);
    returns the content type."""
    return _to_file("downloadArtifactToFile", file, downloadArtifact, kwargs)


def downloadArtifactFromIndex(*, indexPath: str, name: str, indexService, queueService=None,
                              maxRetries: int = 5, writerFactory, progress=None) -> str:
    """Download artifact ``name`` of the task that ``indexPath`` names now
    (its latest run), following the redirect of
    ``index.findArtifactFromTask``.  ``queueService`` defaults to a ``Queue``
    client with ``indexService``'s rootUrl and credentials.  Returns the
    content type."""
    label = "downloadArtifactFromIndex"
    _transfer.check_download_args(label, writerFactory, progress, indexService,
                                  "indexService", "Index", ("findArtifactFromTask", "findTask"))
    if queueService is not None:
        _transfer.check_download_args(label, writerFactory, progress, queueService,
                                      "queueService", "Queue", ("latestArtifact",))
    if queueService is None:
        options = indexService.options
        with _client_class("Queue")({
                "rootUrl": options["rootUrl"], "maxRetries": maxRetries,
                "credentials": {k: v for k, v in options["credentials"].items()
                                if v is not None}}) as queueService:
            return downloadArtifactFromIndex(
                indexPath=indexPath, name=name, indexService=indexService,
                queueService=queueService, maxRetries=maxRetries,
                writerFactory=writerFactory, progress=progress)
    answer = indexService.findArtifactFromTask(indexPath, name)
    if isinstance(answer, dict) and "storageType" in answer:
        # Already the artifact's content description.
        return _fetch_artifact(label, answer, queueService, maxRetries, writerFactory,
                               progress)
    location = _transfer.redirect_location(answer)
    taskId = _transfer.task_id_from_location(location) if location else None
    if taskId is None:
        # The client gave no redirect target: ask the index for the task.
        taskId = indexService.findTask(indexPath)["taskId"]
    artifact = queueService.latestArtifact(taskId, name)
    return _fetch_artifact(label, artifact, queueService, maxRetries, writerFactory, progress)


def downloadArtifactFromIndexToBuf(**kwargs):
    """``downloadArtifactFromIndex`` into memory; returns ``(buffer, contentType)``."""
    return _to_buf(downloadArtifactFromIndex, kwargs)


def downloadArtifactFromIndexToFile(file, **kwargs) -> str:
    """``downloadArtifactFromIndex`` into ``file`` (a path or a binary file
    object); returns the content type."""
    return _to_file("downloadArtifactFromIndexToFile", file, downloadArtifactFromIndex, kwargs)


def _fetch_artifact(label, artifact, queueService, maxRetries, writerFactory, progress):
    source = _transfer.artifact_source(artifact, label)
    if source.storageType == "object":
        objectService = _client_class("Object")({
            "rootUrl": queueService.options["rootUrl"], "maxRetries": maxRetries,
            "credentials": source.credentials})
        with objectService:
            return download(name=source.name, maxRetries=maxRetries,
                            objectService=objectService, writerFactory=writerFactory,
                            progress=progress)
    policy = _transfer.RetryPolicy.of(queueService, maxRetries)

    def attempt(n):
        return _streaming.get(http, label, source.url, writerFactory(), policy, progress,
                              follow_redirects=True)

    with _streaming.session() as http:
        return _streaming.attempts(policy, label, attempt)


# The package's helpers have no such function; kept under this name for
# the tests that read a real 303 with it.
_location = _transfer.redirect_location


# -- targets --------------------------------------------------------------------------

def _to_buf(helper, kwargs):
    writer = None

    def writerFactory():
        nonlocal writer
        writer = BufferWriter()
        return writer

    contentType = helper(writerFactory=writerFactory, **kwargs)
    return writer.getbuffer(), contentType


def _to_file(label, file, helper, kwargs):
    if _targets.is_path(file):
        with _targets.partial_file(label, file) as f:
            def writerFactory():
                _targets.rewind(f)
                return FileWriter(f)
            return helper(writerFactory=writerFactory, **kwargs)
    _targets.check_file_object(label, file)

    def writerFactory():
        _targets.rewind(file)
        return FileWriter(file)

    try:
        return helper(writerFactory=writerFactory, **kwargs)
    except BaseException:
        _targets.empty(file)
        raise
