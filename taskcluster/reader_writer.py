"""Readers and writers for the transfer helpers (synchronous).

A *reader* has ``read(max_size)``, returning 1 to ``max_size`` bytes, or
``b""`` at the end.  A *writer* has ``write(chunk)``, writing all of it.
The helpers take *factories*: callables returning a fresh reader or writer
positioned at the first byte, called again for each retried attempt.
``taskcluster.aio.reader_writer`` holds the async twins.
"""

from __future__ import annotations

from ._transfer import CHUNK_SIZE

__all__ = ["BufferReader", "BufferWriter", "FileReader", "FileWriter", "streamingCopy"]


class BufferReader:
    """Reads from bytes (or any buffer) in memory, without copying it."""

    def __init__(self, data):
        self._view = memoryview(data).cast("B")
        self._pos = 0

    def read(self, max_size):
        chunk = self._view[self._pos:self._pos + max_size]
        self._pos += len(chunk)
        return chunk


class BufferWriter:
    """Writes to an in-memory buffer; ``getbuffer()`` gives its content (a
    memoryview, without a copy).

    The buffer is a bytearray, not a BytesIO: a BytesIO has a finalizer,
    and where the cycle collector frees it with the view still exported
    (a retried download's exceptions hold the caller's frames, and so its
    view, in a cycle), closing it raises BufferError, reported on Python
    3.13 as an unraisable exception."""

    def __init__(self):
        self.buf = bytearray()

    def write(self, chunk):
        self.buf += chunk

    def getbuffer(self):
        return memoryview(self.buf)


class FileReader:
    """Reads from a file opened in binary mode, from where it stands."""

    def __init__(self, file):
        self.file = file

    def read(self, max_size):
        return self.file.read(max_size)


class FileWriter:
    """Writes to a file opened in binary mode."""

    def __init__(self, file):
        self.file = file

    def write(self, chunk):
        self.file.write(chunk)


def streamingCopy(reader, writer, chunk_size=CHUNK_SIZE):
    """Copy everything ``reader`` gives to ``writer``; returns the byte count."""
    total = 0
    while True:
        chunk = reader.read(chunk_size)
        if not chunk:
            return total
        writer.write(chunk)
        total += len(chunk)
