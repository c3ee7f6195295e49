"""taskcluster.aio.reader_writer: the async readers and writers the
helpers' factories make, and their copy."""

import asyncio
import inspect
import io

from taskcluster import reader_writer as sync
from taskcluster.aio.reader_writer import (BufferReader, BufferWriter, FileReader, FileWriter,
                                           streamingCopy)


def run(coroutine):
    return asyncio.run(coroutine)


def test_buffer_to_buffer():
    data = bytes(range(256)) * 5000
    writer = BufferWriter()
    assert run(streamingCopy(BufferReader(data), writer, chunk_size=7000)) == len(data)
    assert bytes(writer.getbuffer()) == data


def test_reader_gives_at_most_max_size_then_empty():
    async def main():
        reader = BufferReader(bytearray(b"abcdef"))
        return [bytes(await reader.read(4)) for _ in range(3)]
    assert run(main()) == [b"abcd", b"ef", b""]


def test_file_to_file():
    source, target = io.BytesIO(b"file data" * 1000), io.BytesIO()
    assert run(streamingCopy(FileReader(source), FileWriter(target))) == 9000
    assert target.getvalue() == source.getvalue()


def test_sync_readers_and_writers_are_copied_too():
    writer = sync.BufferWriter()
    assert run(streamingCopy(sync.BufferReader(b"mixed" * 100), writer)) == 500
    assert bytes(writer.getbuffer()) == b"mixed" * 100


def test_the_package_names_are_coroutines():
    for cls, method in ((BufferReader, "read"), (FileReader, "read"),
                        (BufferWriter, "write"), (FileWriter, "write")):
        assert inspect.iscoroutinefunction(getattr(cls, method)), cls
    assert inspect.iscoroutinefunction(streamingCopy)
