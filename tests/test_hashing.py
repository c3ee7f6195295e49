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
    before = threading.enumerate()
    with ParallelHasher() as hasher:
        hasher.update(b"partial")
        # The hasher's own threads, not every thread of the process.
        started = [t for t in threading.enumerate() if t not in before]
        assert sorted(t.name for t in started) == ["taskcluster-sha256", "taskcluster-sha512"]
    assert not any(t.is_alive() for t in started)


def test_an_async_caller_feeds_a_lagging_hasher_from_a_worker_thread():
    import asyncio

    from taskcluster._aiostreaming import hash_chunk

    class Lagging:
        def __init__(self, full):
            self._full, self.threads = full, []

        def full(self):
            return self._full

        def update(self, chunk):
            self.threads.append(threading.get_ident())

    async def main():
        lagging, keeping_up = Lagging(True), Lagging(False)
        await hash_chunk(lagging, b"a")
        await hash_chunk(keeping_up, b"a")
        return lagging.threads, keeping_up.threads, threading.get_ident()

    lagging, keeping_up, loop_thread = asyncio.run(main())
    assert len(lagging) == 1 and lagging[0] != loop_thread and keeping_up == [loop_thread]
    # A ParallelHasher with room takes the chunk at once.
    with ParallelHasher() as hasher:
        assert not hasher.full()
        asyncio.run(hash_chunk(hasher, b"abc"))
        plain = Hasher()
        plain.update(b"abc")
        assert hasher.length == 3 and hasher.hashes() == plain.hashes()
