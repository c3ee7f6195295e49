"""Upload to the object service, synchronously (no event loop inside).

The data comes from a *reader* made by ``readerFactory`` (see
``taskcluster.reader_writer``), called again for each retried attempt.
Objects of at most DATA_INLINE_MAX_SIZE bytes are offered inline
(``dataInline``); any object may go by ``putUrl`` (a PUT to presigned
storage, streamed with bounded memory).  Its sha256 and sha512 are computed
while it streams and sent with ``finishUpload``.

``progress(bytesDone, totalBytes)``, when given, is called as data goes out
(from 0 again when an attempt is retried).
"""

from __future__ import annotations

from typing import Any, Dict

from . import _slugid, _streaming, _transfer
from ._hashing import ParallelHasher
from ._transfer import DATA_INLINE_MAX_SIZE
from .reader_writer import BufferReader, FileReader

__all__ = ["upload", "uploadFromBuf", "uploadFromFile", "HashingReader",
           "DATA_INLINE_MAX_SIZE"]


class HashingReader:
    """A reader that hashes what it reads from ``inner``.  ``hasher`` (an
    object with ``update``, ``length`` and ``hashes()``) defaults to one
    hashing in the calling thread."""

    def __init__(self, inner, hasher=None):
        self.inner = inner
        self._hasher = _transfer.Hasher() if hasher is None else hasher

    @property
    def bytes(self) -> int:
        return self._hasher.length

    def read(self, max_size):
        chunk = self.inner.read(max_size)
        self._hasher.update(chunk)
        return chunk

    def update(self, chunk) -> None:
        self._hasher.update(chunk)

    def hashes(self, contentLength: int) -> Dict[str, str]:
        """The hashes for ``finishUpload``, once all ``contentLength`` bytes were read."""
        if self._hasher.length != contentLength:
            raise _transfer.ContentLengthMismatch(
                "upload: the reader gave %d bytes, but contentLength is %d"
                % (self._hasher.length, contentLength),
                method="upload", argument="contentLength")
        return self._hasher.hashes()


def uploadFromBuf(*, data, **kwargs) -> None:
    """``upload`` from bytes in memory (no ``readerFactory``)."""
    return upload(readerFactory=lambda: BufferReader(data), **kwargs)


def uploadFromFile(*, file, **kwargs) -> None:
    """``upload`` from a file open for reading in binary mode, and seekable
    (each attempt starts from offset 0)."""
    def readerFactory():
        file.seek(0)
        return FileReader(file)
    return upload(readerFactory=readerFactory, **kwargs)


def upload(*, projectId: str, name: str, contentType: str, contentLength: int,
           expires: Any, readerFactory, maxRetries: int = 5, uploadId: str = None,
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

    hashing = None
    inline = None
    if contentLength <= DATA_INLINE_MAX_SIZE:
        # Small enough to go inline: read it once now; it is then also the
        # data for putUrl, should the service prefer that.
        hashing = HashingReader(readerFactory())
        inline = _read_small(hashing, contentLength)
    proposed = _transfer.propose_upload(contentType, contentLength, inline)
    answer = objectService.createUpload(
        name, _transfer.create_upload_request(projectId, uploadId, expires, proposed))
    method = _transfer.upload_method(answer)

    if method.name == "dataInline":
        if progress is not None:
            progress(contentLength, contentLength)
    else:
        headers = _transfer.put_headers(method, contentLength)

        def attempt(n):
            nonlocal hashing
            with ParallelHasher() as hasher:
                reader = HashingReader(readerFactory(), hasher)
                _streaming.put(http, label, method.url, headers, reader, contentLength,
                               policy, progress)
            hashing = reader

        with _streaming.session() as http:
            _streaming.attempts(policy, label, attempt)

    objectService.finishUpload(
        name, _transfer.finish_upload_request(projectId, uploadId,
                                              hashing.hashes(contentLength)))


def _read_small(reader, contentLength: int) -> bytes:
    parts, size = [], 0
    while size <= contentLength:
        chunk = reader.read(contentLength + 1 - size)
        if not chunk:
            break
        parts.append(bytes(chunk))
        size += len(chunk)
    data = b"".join(parts)
    reader.hashes(contentLength)  # the reader gave exactly contentLength bytes
    return data
