"""Download objects and queue artifacts, from a coroutine: the async twin of
``taskcluster.download``, with its names, keyword arguments and behaviour.

The data goes to a *writer* made by ``writerFactory`` (see
``taskcluster.aio.reader_writer``), called again for each retried attempt.
Objects are fetched by ``getUrl`` (or ``simple``) through aiohttp and their
sha256 and sha512 checked against the object service's; a mismatch raises
ObjectHashVerificationError.  Queue artifacts of storage type ``s3``,
``reference`` and ``object`` are fetched, an ``error`` artifact raises
TaskclusterArtifactError (``link`` artifacts are followed by the queue).
``downloadArtifactFromIndex`` finds the artifact through an index path.
The service arguments are ``taskcluster.aio`` clients (``Object``,
``Queue``, ``Index``).

``*ToFile`` helpers take a file object (rewound for each attempt, emptied
if the download fails) or a path (written beside it, renamed over it only
once verified, removed if the download fails).  ``progress(bytesDone,
totalBytes)``, when given, is called as data arrives (``totalBytes`` None
when unknown; from 0 again when an attempt is retried).
"""

from __future__ import annotations

import datetime

from .. import _aiostreaming, _targets, _transfer
from .. import download as _sync
from .._aiostreaming import call, hash_chunk, maybe_await
from .._hashing import ParallelHasher
from .._transfer import (ACCEPTABLE_HASHES, ObjectHashVerificationError,
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


class HashingWriter(_sync.HashingWriter):
    """A writer that hashes what it writes to ``inner`` (a writer whose
    ``write`` may be a coroutine or not); ``update`` and ``hashes()`` as the
    sync one's."""

    async def write(self, chunk) -> None:  # type: ignore[override]
        await maybe_await(self.inner.write(chunk))
        await hash_chunk(self._hasher, chunk)


# -- the client classes the helpers build ------------------------------------------

def __getattr__(name: str):
    # ``Object`` and ``Queue`` (taskcluster.aio's), built on first use: module
    # attributes, so that code written for the package can replace them.
    if name in _CLASSES:
        from .._aio import async_client_class
        return async_client_class(name)
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


_CLASSES = ("Object", "Queue")


def _client_class(name: str) -> type:
    """The class a helper builds, looked up on this module at call time."""
    import sys
    return getattr(sys.modules[__name__], name)


# -- objects ------------------------------------------------------------------------

async def download(*, name: str, maxRetries: int = 5, objectService, writerFactory,
                   progress=None) -> str:
    """Download object ``name`` through writers from ``writerFactory``, with
    ``objectService`` (an ``Object`` client allowed to download it).  Returns
    the content type."""
    label = "download"
    _transfer.check_download_args(label, writerFactory, progress, objectService)
    policy = _transfer.RetryPolicy.of(objectService, maxRetries)
    plan = await _start(objectService, name)
    expected = plan.hashes if plan.hashes is not None else \
        await _object_hashes(objectService, name)

    async def attempt(n):
        nonlocal plan, expected
        if n > 1 and _transfer.url_expired(plan.expires, _now()):
            plan = await _start(objectService, name)
            if plan.hashes is not None:
                expected = plan.hashes
        # Hashed on two threads, as the sync helper does, fed without
        # holding up the loop (see _aiostreaming.hash_chunk).
        with ParallelHasher() as hasher:
            writer = HashingWriter(await maybe_await(writerFactory()), hasher)
            contentType = await _aiostreaming.get(http, label, plan.url, writer, policy,
                                                  progress, plan.follow_redirects)
            observed = hasher.hashes()
        # Not retried: the service's hashes and the storage disagree.
        verifyHashes(observed, expected)
        return contentType

    async with _aiostreaming.session() as http:
        return await _aiostreaming.attempts(policy, label, attempt)


async def downloadToBuf(**kwargs):
    """``download`` into memory; returns ``(buffer, contentType)``."""
    return await _to_buf(download, kwargs)


async def downloadToFile(file, **kwargs) -> str:
    """``download`` into ``file`` (a path, or a binary file object that can
    seek and truncate); returns the content type."""
    return await _to_file("downloadToFile", file, download, kwargs)


async def _start(objectService, name):
    return _transfer.download_plan(
        await call(objectService.startDownload, name, _transfer.start_download_request()))


async def _object_hashes(objectService, name):
    # A ``simple`` download carries no hashes; the object's metadata does.
    return dict((await call(objectService.object, name)).get("hashes") or {})


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


# -- queue artifacts ------------------------------------------------------------------

async def downloadArtifact(*, taskId: str, name: str, runId=None, maxRetries: int = 5,
                           queueService, writerFactory, progress=None) -> str:
    """Download artifact ``name`` of task ``taskId`` (its latest run, or
    ``runId``) through writers from ``writerFactory``, with ``queueService``
    (a ``Queue`` client).  Returns the content type."""
    label = "downloadArtifact"
    _transfer.check_download_args(label, writerFactory, progress, queueService,
                                  "queueService", "Queue", ("artifact", "latestArtifact"))
    if runId is None:
        artifact = await call(queueService.latestArtifact, taskId, name)
    else:
        artifact = await call(queueService.artifact, taskId, runId, name)
    return await _fetch_artifact(label, artifact, queueService, maxRetries, writerFactory,
                                 progress)


async def downloadArtifactToBuf(**kwargs):
    """``downloadArtifact`` into memory; returns ``(buffer, contentType)``."""
    return await _to_buf(downloadArtifact, kwargs)


async def downloadArtifactToFile(file, **kwargs) -> str:
    """``downloadArtifact`` into ``file`` (a path or a binary file object);
    returns the content type."""
    return await _to_file("downloadArtifactToFile", file, downloadArtifact, kwargs)


async def downloadArtifactFromIndex(*, indexPath: str, name: str, indexService,
                                    queueService=None, maxRetries: int = 5, writerFactory,
                                    progress=None) -> str:
    """Download artifact ``name`` of the task that ``indexPath`` names now
    (its latest run), following the redirect of
    ``index.findArtifactFromTask``.  ``queueService`` defaults to an async
    ``Queue`` client with ``indexService``'s rootUrl and credentials.
    Returns the content type."""
    label = "downloadArtifactFromIndex"
    _transfer.check_download_args(label, writerFactory, progress, indexService,
                                  "indexService", "Index", ("findArtifactFromTask", "findTask"))
    if queueService is not None:
        _transfer.check_download_args(label, writerFactory, progress, queueService,
                                      "queueService", "Queue", ("latestArtifact",))
    if queueService is None:
        options = indexService.options
        async with _client_class("Queue")({
                "rootUrl": options["rootUrl"], "maxRetries": maxRetries,
                "credentials": {k: v for k, v in options["credentials"].items()
                                if v is not None}}) as queueService:
            return await downloadArtifactFromIndex(
                indexPath=indexPath, name=name, indexService=indexService,
                queueService=queueService, maxRetries=maxRetries,
                writerFactory=writerFactory, progress=progress)
    answer = await call(indexService.findArtifactFromTask, indexPath, name)
    if isinstance(answer, dict) and "storageType" in answer:
        # Already the artifact's content description.
        return await _fetch_artifact(label, answer, queueService, maxRetries, writerFactory,
                                     progress)
    location = _transfer.redirect_location(answer)
    taskId = _transfer.task_id_from_location(location) if location else None
    if taskId is None:
        # The client gave no redirect target: ask the index for the task.
        taskId = (await call(indexService.findTask, indexPath))["taskId"]
    artifact = await call(queueService.latestArtifact, taskId, name)
    return await _fetch_artifact(label, artifact, queueService, maxRetries, writerFactory,
                                 progress)


async def downloadArtifactFromIndexToBuf(**kwargs):
    """``downloadArtifactFromIndex`` into memory; returns ``(buffer, contentType)``."""
    return await _to_buf(downloadArtifactFromIndex, kwargs)


async def downloadArtifactFromIndexToFile(file, **kwargs) -> str:
    """``downloadArtifactFromIndex`` into ``file`` (a path or a binary file
    object); returns the content type."""
    return await _to_file("downloadArtifactFromIndexToFile", file, downloadArtifactFromIndex,
                          kwargs)


async def _fetch_artifact(label, artifact, queueService, maxRetries, writerFactory, progress):
    source = _transfer.artifact_source(artifact, label)
    if source.storageType == "object":
        async with _client_class("Object")({
                "rootUrl": queueService.options["rootUrl"], "maxRetries": maxRetries,
                "credentials": source.credentials}) as objectService:
            return await download(name=source.name, maxRetries=maxRetries,
                                  objectService=objectService, writerFactory=writerFactory,
                                  progress=progress)
    policy = _transfer.RetryPolicy.of(queueService, maxRetries)

    async def attempt(n):
        return await _aiostreaming.get(http, label, source.url,
                                       await maybe_await(writerFactory()), policy, progress,
                                       follow_redirects=True)

    async with _aiostreaming.session() as http:
        return await _aiostreaming.attempts(policy, label, attempt)


# -- targets --------------------------------------------------------------------------

async def _to_buf(helper, kwargs):
    writer = None

    def writerFactory():
        nonlocal writer
        writer = BufferWriter()
        return writer

    contentType = await helper(writerFactory=writerFactory, **kwargs)
    return writer.getbuffer(), contentType


async def _to_file(label, file, helper, kwargs):
    if _targets.is_path(file):
        with _targets.partial_file(label, file) as f:
            def writerFactory():
                _targets.rewind(f)
                return FileWriter(f)
            return await helper(writerFactory=writerFactory, **kwargs)
    _targets.check_file_object(label, file)

    def writerFactory():
        _targets.rewind(file)
        return FileWriter(file)

    try:
        return await helper(writerFactory=writerFactory, **kwargs)
    except BaseException:
        _targets.empty(file)
        raise
