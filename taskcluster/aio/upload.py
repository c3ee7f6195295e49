"""Upload to the object service, from a coroutine: the async twin of
``taskcluster.upload``, with its names, keyword arguments and behaviour.

The data comes from a *reader* made by ``readerFactory`` (see
``taskcluster.aio.reader_writer``), called again for each retried attempt.
Objects of at most DATA_INLINE_MAX_SIZE bytes are offered inline
(``dataInline``); any object may go by ``putUrl`` (a PUT to presigned
storage through aiohttp, streamed with bounded memory).  Its sha256 and
sha512 are computed while it streams and sent with ``finishUpload``.
``objectService`` is a ``taskcluster.aio.Object`` client.

``progress(bytesDone, totalBytes)``, when given, is called as data goes out
(from 0 again when an attempt is retried).
"""

from __future__ import annotations

from typing import Any, Optional

from .. import _aiostreaming, _slugid, _transfer
from .. import upload as _sync
from .._aiostreaming import hash_chunk, maybe_await
from .._hashing import ParallelHasher
from .._transfer import DATA_INLINE_MAX_SIZE
from .reader_writer import BufferReader, FileReader

__all__ = ["upload", "uploadFromBuf", "uploadFromFile", "HashingReader",
           "DATA_INLINE_MAX_SIZE"]


class HashingReader(_sync.HashingReader):
    """A reader that hashes what it reads from ``inner`` (a reader whose
    ``read`` may be a coroutine or not); ``bytes``, ``update`` and
    ``hashes(contentLength)`` as the sync one's."""

    async def read(self, max_size):
        chunk = await maybe_await(self.inner.read(max_size))
        await hash_chunk(self._hasher, chunk)
        return chunk


async def uploadFromBuf(*, data, **kwargs) -> None:
    """``upload`` from bytes in memory (no ``readerFactory``)."""
    return await upload(readerFactory=lambda: BufferReader(data), **kwargs)


async def uploadFromFile(*, file, **kwargs) -> None:
    """``upload`` from a file open for reading in binary mode, and seekable
    (each attempt starts from offset 0)."""
    def readerFactory():
        file.seek(0)
        return FileReader(file)
    return await upload(readerFactory=readerFactory, **kwargs)


async def upload(*, projectId: str, name: str, contentType: str, contentLength: int,
                 expires: Any, readerFactory, maxRetries: int = 5,
                 uploadId: Optional[str] = None,
                 objectService, progress=None) -> None:
    """Upload an object of ``contentLength`` bytes, read from the readers
    ``readerFactory()`` makes, as ``name`` in ``projectId``.  ``objectService``
    is an ``Object`` client with credentials for the upload; ``maxRetries``
    bounds the retries of the data transfer (the service calls follow the
    client's own).  ``uploadId`` defaults to a new slug id."""
    label = "upload"
    _transfer.check_upload_args(label, contentLength, readerFactory, objectService, progress)
    uploadId = uploadId or _slugid.nice()
    policy = _transfer.RetryPolicy.of(objectService, maxRetries)

    hashing: Optional[HashingReader] = None
    inline = None
    if contentLength <= DATA_INLINE_MAX_SIZE:
        # Small enough to go inline: read it once now; it is then also the
        # data for putUrl, should the service prefer that.
        hashing = HashingReader(await maybe_await(readerFactory()))
        inline = await _read_small(hashing, contentLength)
    proposed = _transfer.propose_upload(contentType, contentLength, inline)
    answer = await _aiostreaming.call(
        objectService.createUpload, name,
        _transfer.create_upload_request(projectId, uploadId, expires, proposed))
    method = _transfer.upload_method(answer)

    if method.name == "dataInline":
        if progress is not None:
            progress(contentLength, contentLength)
    else:
        headers = _transfer.put_headers(method, contentLength)

        async def attempt(n):
            nonlocal hashing
            # Hashed on two threads, as the sync helper does, fed without
            # holding up the loop (see _aiostreaming.hash_chunk).
            with ParallelHasher() as hasher:
                reader = HashingReader(await maybe_await(readerFactory()), hasher)
                await _aiostreaming.put(http, label, method.url, headers, reader,
                                        contentLength, policy, progress)
            hashing = reader

        async with _aiostreaming.session() as http:
            await _aiostreaming.attempts(policy, label, attempt)

    assert hashing is not None  # read inline, or by the attempt that succeeded
    await _aiostreaming.call(
        objectService.finishUpload, name,
        _transfer.finish_upload_request(projectId, uploadId, hashing.hashes(contentLength)))


async def _read_small(reader, contentLength: int) -> bytes:
    parts, size = [], 0
    while size <= contentLength:
        chunk = await reader.read(contentLength + 1 - size)
        if not chunk:
            break
        parts.append(bytes(chunk))
        size += len(chunk)
    data = b"".join(parts)
    reader.hashes(contentLength)  # the reader gave exactly contentLength bytes
    return data
