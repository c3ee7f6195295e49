"""Streaming with bounded memory: 256 MiB up and down through putUrl and
getUrl (moto on loopback), in a child process whose peak resident memory
is read before and after.  A bound on memory, not a timing."""

import os
import subprocess
import sys

import pytest

SIZE = 256 * 1024 * 1024
BOUND = 32 * 1024 * 1024

# Data is made on the fly from one 1 MiB block; the writer drops it.  VmHWM
# is the process's own peak (ru_maxrss would carry the parent's across exec).
CHILD = r"""
import os, sys
import taskcluster, taskcluster.download, taskcluster.upload

def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024

root_url, mode, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
block = bytes(range(256)) * 4096

class Reader:
    left = size
    def read(self, n):
        n = min(n, self.left, len(block))
        self.left -= n
        return block[:n]

class Sink:
    def write(self, chunk):
        pass

obj = taskcluster.Object({"rootUrl": root_url})
obj.ping()
before = status("VmRSS")
if mode == "upload":
    taskcluster.upload.upload(projectId="p", name="big", contentType="a/b", contentLength=size,
                              expires="2030-01-01T00:00:00.000Z", readerFactory=Reader,
                              objectService=obj)
else:
    taskcluster.download.download(name="big", objectService=obj, writerFactory=Sink)
print(status("VmHWM") - before)
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/status"),
                    reason="reads the peak resident memory from /proc (Linux)")
def test_256_mib_up_and_down_hold_a_few_mib(services):
    for mode in ("upload", "download"):
        out = subprocess.run([sys.executable, "-c", CHILD, services.root_url, mode, str(SIZE)],
                             capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stderr[-2000:]
        assert int(out.stdout) < BOUND, "%s: peak RSS grew by %s bytes" % (mode, out.stdout)
        if mode == "upload":
            block = bytes(range(256)) * 4096
            import hashlib
            h = hashlib.sha256()
            for _ in range(SIZE // len(block)):
                h.update(block)
            assert services.finished["big"]["hashes"]["sha256"] == h.hexdigest()
