"""taskcluster._hashing: the threaded hasher gives the same hashes as the
plain one, and stops its threads when a stream is abandoned."""

import os
import threading

from taskcluster._hashing import ParallelHasher
from taskcluster._transfer import Hasher


def test_same_hashes_as_the_plain_hasher():
    chunks = [os.urandom(n) for n in (0, 1, 1000, 1 << 20, 12345)]
    chunks.append(memoryview(os.urandom(3000)))
    plain, parallel = Hasher(), ParallelHasher()
    for chunk in chunks:
        plain.update(chunk)
        parallel.update(chunk)
    assert parallel.length == plain.length
    assert parallel.hashes() == plain.hashes()
    assert parallel.hashes() == plain.hashes()  # asking again is harmless


def test_abandoned_stream_leaves_no_thread():
    before = threading.active_count()
    with ParallelHasher() as hasher:
        hasher.update(b"partial")
        assert threading.active_count() == before + 2
    assert threading.active_count() == before
