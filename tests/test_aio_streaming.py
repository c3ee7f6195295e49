"""Async streaming with bounded memory: 256 MiB up and down through putUrl
and getUrl (moto on loopback) with taskcluster.aio's helpers, in a child
process whose peak resident memory is read before and after.  A bound on
memory, not a timing."""

import hashlib
import os
import subprocess
import sys

import pytest

SIZE = 256 * 1024 * 1024
BOUND = 32 * 1024 * 1024

CHILD = r"""
import asyncio, sys
import taskcluster.aio, taskcluster.aio.download, taskcluster.aio.upload

def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024

root_url, mode, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
block = bytes(range(256)) * 4096

class Reader:
    left = size
    async def read(self, n):
        n = min(n, self.left, len(block))
        self.left -= n
        return block[:n]

class Sink:
    async def write(self, chunk):
        pass

async def main():
    async with taskcluster.aio.Object({"rootUrl": root_url}) as obj:
        await obj.ping()
        before = status("VmRSS")
        if mode == "upload":
            await taskcluster.aio.upload.upload(
                projectId="p", name="big-aio", contentType="a/b", contentLength=size,
                expires="2030-01-01T00:00:00.000Z", readerFactory=Reader, objectService=obj)
        else:
            await taskcluster.aio.download.download(name="big-aio", objectService=obj,
                                                    writerFactory=Sink)
        print(status("VmHWM") - before)

asyncio.run(main())
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/status"),
                    reason="reads the peak resident memory from /proc (Linux)")
def test_256_mib_up_and_down_hold_a_few_mib(services):
    block = bytes(range(256)) * 4096
    h = hashlib.sha256()
    for _ in range(SIZE // len(block)):
        h.update(block)
    for mode in ("upload", "download"):
        out = subprocess.run([sys.executable, "-c", CHILD, services.root_url, mode, str(SIZE)],
                             capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stderr[-2000:]
        assert int(out.stdout) < BOUND, "%s: peak RSS grew by %s bytes" % (mode, out.stdout)
        if mode == "upload":
            # What was stored is what the download then verifies against.
            assert services.finished["big-aio"]["hashes"]["sha256"] == h.hexdigest()
