"""taskcluster.reader_writer: the readers and writers the helpers' factories make."""

import io

from taskcluster.reader_writer import (BufferReader, BufferWriter, FileReader, FileWriter,
                                       streamingCopy)


def test_buffer_to_buffer():
    data = bytes(range(256)) * 5000
    writer = BufferWriter()
    assert streamingCopy(BufferReader(data), writer, chunk_size=7000) == len(data)
    assert bytes(writer.getbuffer()) == data


def test_reader_gives_at_most_max_size_then_empty():
    reader = BufferReader(bytearray(b"abcdef"))
    assert bytes(reader.read(4)) == b"abcd"
    assert bytes(reader.read(4)) == b"ef"
    assert reader.read(4) == b""


def test_file_to_file():
    source, target = io.BytesIO(b"file data" * 1000), io.BytesIO()
    assert streamingCopy(FileReader(source), FileWriter(target)) == 9000
    assert target.getvalue() == source.getvalue()
