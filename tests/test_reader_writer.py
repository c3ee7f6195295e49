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


def test_a_buffer_freed_in_a_cycle_with_its_view_still_exported_is_freed_quietly():
    """What a retried *ToBuf download leaves: the writer and the view it gave
    in a reference cycle (the retries' exceptions hold the caller's frames).
    A BytesIO's finalizer raised BufferError there, which Python 3.13 reports
    (an unraisable exception: an error under filterwarnings = error)."""
    import gc
    writer = BufferWriter()
    writer.write(b"abc")
    view = writer.getbuffer()
    assert bytes(view) == b"abc" and not view.readonly
    cycle: list = [writer, view]
    cycle.append(cycle)
    del writer, view, cycle
    gc.collect()
