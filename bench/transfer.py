"""Transfer benchmark: 256 MiB up and down through putUrl / getUrl.

    python bench/transfer.py [--theirs-python PATH/TO/venv/bin/python]
                             [--size-mib 256] [--rounds 3]

(``nox -s bench`` runs it after bench/run.py, with the ``taskcluster``
113.2.0 package's environment.)  Storage is moto (S3) in server mode on
127.0.0.1, the object service the tests' loopback fake; both run in this
process.  Each client runs in a fresh interpreter of its own, in rounds that
alternate between clients: this library's sync helpers, the package's sync
helpers, and a plain ``requests`` streaming copy of the same bytes to the same
presigned URLs (no hashing, no service calls), and that copy hashing the
bytes (sha256 and sha512, in the copying thread) for what hashing costs;
then the async helpers, this library's and the package's
(``taskcluster.aio.upload`` / ``download``).  Prints MB/s (median of the
rounds, [min..max]) and the peak RSS increase of the client process during
the transfer.  Nothing here fails on a timing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))

OURS, THEIRS, PLAIN = "this library", "taskcluster 113.2.0", "plain requests"
HASHED = "requests + sha256/512"
OURS_AIO, THEIRS_AIO = "this library aio", "taskcluster 113.2.0 aio"
# Each async client is compared with the package's async helpers.
_PACKAGE_PEER = {OURS: THEIRS, OURS_AIO: THEIRS_AIO, THEIRS: THEIRS, THEIRS_AIO: THEIRS_AIO}

# Run in the client's interpreter.  Data is made on the fly from one 1 MiB
# block; the writer throws data away.  VmHWM (peak RSS) is read from
# /proc: ru_maxrss would include the parent's peak across fork and exec.
CLIENT = r"""
import os, sys, time
N, MODE, ROOT_URL, PUT_URL, GET_URL, WHO = (int(sys.argv[1]),) + tuple(sys.argv[2:7])

def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024

BLOCK = os.urandom(1 << 20)

class Reader:
    def __init__(self):
        self.left = N
    def read(self, n):
        n = min(n, self.left, len(BLOCK))
        self.left -= n
        return BLOCK[:n]

class Sink:
    def write(self, chunk):
        pass

class AsyncReader(Reader):
    async def read(self, n):
        return Reader.read(self, n)

class AsyncSink:
    async def write(self, chunk):
        pass

async def async_reader():
    return AsyncReader()

async def async_sink():
    return AsyncSink()

import hashlib
HASHES = [hashlib.sha256(), hashlib.sha512()] if WHO == "hashed" else []

class Body:
    def __len__(self):
        return N
    def __iter__(self):
        r = Reader()
        while True:
            c = r.read(1 << 20)
            if not c:
                return
            for h in HASHES:
                h.update(c)
            yield c

import requests
OPTIONS = {"rootUrl": ROOT_URL, "credentials": {"clientId": "bench", "accessToken": "bench"}}
KW = dict(projectId="bench", contentType="application/octet-stream", contentLength=N,
          expires="2030-01-01T00:00:00.000Z")
if WHO in ("ours", "theirs"):
    import taskcluster, taskcluster.upload, taskcluster.download
    obj = taskcluster.Object(OPTIONS)
    kw = dict(KW, objectService=obj)
    obj.ping()  # the client's lazy set-up happens before the measure
elif WHO.endswith("-aio"):
    import asyncio
    import taskcluster.aio, taskcluster.aio.upload, taskcluster.aio.download

    async def run_aio():
        # The helpers open their own storage session, as a caller's would.
        global before
        obj = taskcluster.aio.Object(OPTIONS)
        await obj.ping()  # aiohttp imported, the session made: before the measure
        before = status("VmRSS")
        t = time.perf_counter()
        if MODE == "upload":
            await taskcluster.aio.upload.upload(name="bench-up-%d" % os.getpid(),
                                                readerFactory=async_reader,
                                                objectService=obj, **KW)
        else:
            await taskcluster.aio.download.download(name="bench-big", objectService=obj,
                                                    writerFactory=async_sink)
        dt = time.perf_counter() - t
        close = getattr(obj, "close", None)  # the package's clients have none
        if close is not None:
            await close()
        return dt

def run():
    if WHO in ("plain", "hashed"):
        if MODE == "upload":
            r = requests.put(PUT_URL, data=Body())
            r.raise_for_status()
        else:
            with requests.get(GET_URL, stream=True) as r:
                r.raise_for_status()
                for chunk in r.iter_content(1 << 20):
                    for h in HASHES:
                        h.update(chunk)
    elif MODE == "upload":
        taskcluster.upload.upload(name="bench-up-%d" % os.getpid(), readerFactory=Reader, **kw)
    else:
        taskcluster.download.download(name="bench-big", objectService=obj,
                                      writerFactory=Sink)

before = status("VmRSS")
if WHO.endswith("-aio"):
    dt = asyncio.run(run_aio())
else:
    t = time.perf_counter()
    run()
    dt = time.perf_counter() - t
print(N / dt / 1e6, max(0, status("VmHWM") - before))
"""


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--theirs-python", help="an interpreter with taskcluster==113.2.0")
    p.add_argument("--size-mib", type=int, default=256)
    p.add_argument("--rounds", type=int, default=3)
    args, _ = p.parse_known_args(argv)

    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from fake_services import FakeServices
    from loopback import LoopbackServer
    from s3server import S3Server

    size = args.size_mib << 20
    clients = {OURS: (sys.executable, "ours"), PLAIN: (sys.executable, "plain"),
               HASHED: (sys.executable, "hashed")}
    if args.theirs_python:
        clients[THEIRS] = (args.theirs_python, "theirs")
    clients[OURS_AIO] = (sys.executable, "ours-aio")
    if args.theirs_python:
        clients[THEIRS_AIO] = (args.theirs_python, "theirs-aio")
    results = {(who, mode): [] for who in clients for mode in ("upload", "download")}
    with S3Server() as s3, LoopbackServer() as server:
        services = FakeServices(server, s3)
        block = os.urandom(1 << 20)
        print("storing the %d MiB object to download ..." % args.size_mib, file=sys.stderr)
        s3.client().upload_fileobj(_Repeat(block, size), "tc-objects", "objects/bench-big")
        import hashlib
        sha256, sha512 = hashlib.sha256(), hashlib.sha512()
        for _ in range(size >> 20):
            sha256.update(block)
            sha512.update(block)
        services.objects["bench-big"] = {"key": "objects/bench-big",
                                         "contentType": "application/octet-stream",
                                         "hashes": {"sha256": sha256.hexdigest(),
                                                    "sha512": sha512.hexdigest()}}
        env = dict(os.environ, PYTHONPATH="")
        for n in range(args.rounds):
            for mode in ("upload", "download"):
                for who, (python, tag) in clients.items():
                    put_url = s3.presign("put_object", "plain-%d" % n)
                    get_url = s3.presign("get_object", "objects/bench-big")
                    out = subprocess.run(
                        [python, "-c", CLIENT, str(size), mode, services.root_url, put_url,
                         get_url, tag], capture_output=True, text=True, cwd=_tmp(), env=env)
                    if out.returncode != 0:
                        print("%s %s failed:\n%s" % (who, mode, out.stderr[-3000:]),
                              file=sys.stderr)
                        return 1
                    rate, peak = out.stdout.split()
                    results[(who, mode)].append((float(rate), int(peak)))
                    print("round %d %-20s %-8s %7.1f MB/s  peak +%.1f MiB"
                          % (n + 1, who, mode, float(rate), int(peak) / 2**20), file=sys.stderr)
    _table(results, clients, args.size_mib)
    return 0


class _Repeat:
    """A file-like object of ``size`` bytes, ``block`` repeated."""

    def __init__(self, block, size):
        self.block, self.left = block, size

    def read(self, n=-1):
        # Whole reads (boto3 takes a short read for the end), at block
        # boundaries: the stored bytes are the block repeated.
        n = self.left if n is None or n < 0 else min(n, self.left)
        n -= n % len(self.block) if n >= len(self.block) else 0
        self.left -= n
        return self.block * (n // len(self.block)) + self.block[:n % len(self.block)]


def _tmp() -> str:
    import tempfile

    return tempfile.gettempdir()


def _table(results, clients, size_mib) -> None:
    print()
    print("## Transfers: %d MiB through putUrl / getUrl (moto on 127.0.0.1)" % size_mib)
    print()
    print("| client | direction | MB/s (median [min..max]) | vs package | vs plain requests "
          "| peak RSS increase |")
    print("|---|---|---|---|---|---|")
    for mode in ("upload", "download"):
        med = {who: statistics.median(r for r, _ in results[(who, mode)]) for who in clients}
        for who in clients:
            rates = [r for r, _ in results[(who, mode)]]
            peak = max(p for _, p in results[(who, mode)])
            peer = _PACKAGE_PEER.get(who)
            vs_theirs = "%.2fx" % (med[who] / med[peer]) if peer in med else "-"
            print("| %s | %s | %.0f [%.0f..%.0f] | %s | %.2fx | %.1f MiB |"
                  % (who, mode, med[who], min(rates), max(rates), vs_theirs,
                     med[who] / med[PLAIN], peak / 2**20))
    print()
    print("Targets (issue 10): >= 1.5x the package (aio rows: its aio helpers), "
          "within 2x of plain requests "
          "(>= 0.5x), peak RSS increase <= 32 MiB.  Uploads are bound by moto's "
          "own PUT handling on this machine.")


if __name__ == "__main__":
    sys.exit(main())
