"""Readers and writers for the async transfer helpers
(``taskcluster.aio.upload``, ``taskcluster.aio.download``).

As ``taskcluster.reader_writer``, but ``read`` and ``write`` are
coroutines: a *reader* has ``async read(max_size)``, returning 1 to
``max_size`` bytes, or ``b""`` at the end; a *writer* has
``async write(chunk)``, writing all of it.  The helpers take *factories*
(plain or coroutine functions) returning a fresh reader or writer
positioned at the first byte, called again for each retried attempt.  They
also take readers and writers whose methods are plain functions (the sync
module's).

The file classes read and write in the event loop's thread, as the
package's do: a local file's 1 MiB read or write is quicker than a hop to
a worker thread and back.
"""

from __future__ import annotations

from .. import reader_writer as _sync
from .._aiostreaming import maybe_await
from .._transfer import CHUNK_SIZE

__all__ = ["BufferReader", "BufferWriter", "FileReader", "FileWriter", "streamingCopy"]


class BufferReader(_sync.BufferReader):
    """Reads from bytes (or any buffer) in memory, without copying it."""

    async def read(self, max_size):
        return super().read(max_size)


class BufferWriter(_sync.BufferWriter):
    """Writes to an in-memory buffer; ``getbuffer()`` gives its content."""

    async def write(self, chunk):
        super().write(chunk)


class FileReader(_sync.FileReader):
    """Reads from a file opened in binary mode, from where it stands."""

    async def read(self, max_size):
        return super().read(max_size)


class FileWriter(_sync.FileWriter):
    """Writes to a file opened in binary mode."""

    async def write(self, chunk):
        super().write(chunk)


async def streamingCopy(reader, writer, chunk_size=CHUNK_SIZE):
    """Copy everything ``reader`` gives to ``writer``; returns the byte count."""
    total = 0
    while True:
        chunk = await maybe_await(reader.read(chunk_size))
        if not chunk:
            return total
        await maybe_await(writer.write(chunk))
        total += len(chunk)
