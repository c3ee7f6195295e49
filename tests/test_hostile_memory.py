"""Memory stays bounded whatever a server sends (issue 14): huge answers,
endless streams, decompression bombs and absurd ``Content-Length`` values
each end in a ``TaskclusterResponseTooLarge`` saying what was exceeded, and
the process grows by less than the ``maxResponseBytes`` limit plus a small
margin.

Each call runs in a fresh Python process (the servers stay here).  Just
before the call it resets the kernel's record of its peak resident size
(``/proc/self/clear_refs``), so that the peak read after the call (``VmHWM``)
less the resident size before it is what the call added; ``ru_maxrss`` alone
would hide growth under the peak left by importing the references.  A first
test shows the measure sees a body the client keeps.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys

import pytest
from hostile import HostileServer, bomb, head, json_answer, send_forever

from taskcluster import TaskclusterFailure, TaskclusterResponseTooLarge

MiB = 2**20
LIMIT = 8 * MiB
DEFAULT_LIMIT = 64 * MiB
# What a call may add on top of the body it holds: urllib3's and zlib's
# buffers, the exception, allocator slack.
MARGIN = 8 * MiB
PIECE = bytes(64 * 1024)

PROBE = r"""
import json, sys
import taskcluster

root, limit = sys.argv[1], int(sys.argv[2])
options = {"rootUrl": root, "maxRetries": 0, "timeout": 120}
if limit:
    options["maxResponseBytes"] = limit
queue = taskcluster.Queue(options)
queue.ping()                  # everything imported and connected: the baseline
def status(field):
    with open("/proc/self/status") as f:
        line = next(l for l in f if l.startswith(field + ":"))
    return int(line.split()[1]) * 1024
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")              # the peak (VmHWM) starts again from here
before = status("VmRSS")
try:
    value = queue.task("hostile")
    outcome = {"returned": len(json.dumps(value))}
except Exception as e:
    outcome = {"raised": [c.__name__ for c in type(e).__mro__], "message": str(e),
               "limit": getattr(e, "limit", None), "attempts": getattr(e, "attempts", None)}
outcome["grew"] = status("VmHWM") - before
print(json.dumps(outcome))
"""


def probe(behave, limit: int = LIMIT) -> dict:
    """Call ``Queue.task`` in a fresh process against a server answering it
    with ``behave``; what happened, and how much the peak RSS grew."""
    def serve(conn, request):
        if b" /api/queue/v1/ping " in request:
            conn.sendall(json_answer())
            return True
        behave(conn)
        return False

    with HostileServer(serve) as server:
        done = subprocess.run([sys.executable, "-c", PROBE, server.url, str(limit)],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        outcome = json.loads(done.stdout)
        outcome["requests"] = len(server.requests)
    print("\npeak RSS grew by %.1f MiB: %s" % (outcome["grew"] / MiB, outcome.get("message")))
    return outcome


def assert_refused(outcome: dict, limit: int, what: str) -> None:
    assert outcome.get("raised", [None])[0] == TaskclusterResponseTooLarge.__name__, outcome
    assert TaskclusterFailure.__name__ in outcome["raised"]
    assert what in outcome["message"], outcome["message"]
    assert "maxResponseBytes option (%d)" % limit in outcome["message"]
    assert outcome["limit"] == limit and outcome["attempts"] == 1   # never retried
    assert outcome["requests"] == 2                                  # ping, then the call
    assert outcome["grew"] < limit + MARGIN, outcome["grew"] / MiB


def zeros(total=None):
    pieces = itertools.repeat(PIECE)
    return pieces if total is None else itertools.islice(pieces, total // len(PIECE))


def chunked(pieces):
    for piece in pieces:
        yield b"%x\r\n%s\r\n" % (len(piece), piece)


def test_the_measure_sees_a_body_the_client_keeps():
    # A valid 40 MiB JSON answer under a 64 MiB limit: returned, and the
    # process grew by at least its size.  Without this, a probe that missed
    # memory would pass every test below.
    body = b'"' + b"x" * (40 * MiB) + b'"'
    outcome = probe(lambda conn: conn.sendall(json_answer(body)), limit=DEFAULT_LIMIT)
    assert outcome["returned"] == len(body)
    assert outcome["grew"] >= 40 * MiB


def test_a_600_mib_answer_is_refused_by_its_declared_length():
    size = 600 * MiB
    outcome = probe(lambda conn: send_forever(
        conn, head(Content_Type="application/json", Content_Length=size), zeros(size)))
    assert_refused(outcome, LIMIT, "declares %d bytes" % size)


def test_a_600_mib_answer_without_a_length_is_cut_at_the_limit():
    size = 600 * MiB
    outcome = probe(lambda conn: send_forever(
        conn, head(Content_Type="application/json", Connection="close"), zeros(size)))
    assert_refused(outcome, LIMIT, "went on past %d bytes" % LIMIT)


def test_an_endless_chunked_stream_is_cut_at_the_limit():
    outcome = probe(lambda conn: send_forever(
        conn, head(Content_Type="application/json", Transfer_Encoding="chunked"),
        chunked(zeros())))
    assert_refused(outcome, LIMIT, "went on past %d bytes" % LIMIT)


@pytest.fixture(scope="module", params=[("gzip", 31), ("deflate", 15)], ids=lambda p: p[0])
def compressed_bomb(request):
    """(encoding, body): about 1 MiB that decodes to 1 GiB of zeros."""
    encoding, wbits = request.param
    data = bomb(wbits)
    assert len(data) < 1.1 * MiB
    return encoding, data


def test_the_bombs_decode_to_what_they_claim():
    # The bombs repeat one flushed block; built small, they decode exactly.
    import gzip
    import zlib
    assert gzip.decompress(bomb(31, decoded=3 * MiB)) == bytes(3 * MiB)
    assert zlib.decompress(bomb(15, decoded=3 * MiB)) == bytes(3 * MiB)


def test_a_decompression_bomb_is_cut_at_the_limit_counted_decoded(compressed_bomb):
    encoding, data = compressed_bomb
    outcome = probe(lambda conn: send_forever(
        conn, head(Content_Type="application/json", Content_Encoding=encoding,
                   Content_Length=len(data)), [data]))
    assert_refused(outcome, LIMIT, "went on past %d bytes" % LIMIT)


def test_a_bomb_with_an_absurd_declared_length_is_cut_at_the_limit(compressed_bomb):
    # A compressed answer's declared length is not its decoded size: the
    # client reads (bounded) rather than trusting it either way.
    encoding, data = compressed_bomb
    outcome = probe(lambda conn: send_forever(
        conn, head(Content_Type="application/json", Content_Encoding=encoding,
                   Content_Length=10**12), [data]))
    assert_refused(outcome, LIMIT, "went on past %d bytes" % LIMIT)


@pytest.mark.parametrize("encoding", ["gzip, gzip", "deflate, gzip"])
def test_a_bomb_encoded_twice_is_cut_at_the_limit(encoding):
    # Compressed again, the 1 MiB bomb is 2.5 KB: one piece of it decodes
    # to the whole GiB unless each stage is bounded (urllib3 2.6 and later;
    # with urllib3 1.26 the process grew by 2 GiB).
    import gzip
    inner = bomb(31 if encoding.startswith("gzip") else 15)    # the first coding applied
    data = gzip.compress(inner, 9)                             # the last
    assert len(data) < 4096
    outcome = probe(lambda conn: send_forever(
        conn, head(Content_Type="application/json", Content_Encoding=encoding,
                   Content_Length=len(data)), [data]))
    assert_refused(outcome, LIMIT, "went on past %d bytes" % LIMIT)


@pytest.mark.parametrize("declared", [10**12, 10**20], ids=["1e12", "1e20"])
def test_an_absurd_content_length_is_refused(declared):
    outcome = probe(lambda conn: send_forever(
        conn, head(Content_Type="application/json", Content_Length=declared), zeros()))
    assert_refused(outcome, LIMIT, "declares %d bytes" % declared)


def test_the_default_limit_refuses_an_absurd_content_length():
    outcome = probe(lambda conn: send_forever(
        conn, head(Content_Type="application/json", Content_Length=10**12), zeros()),
        limit=0)
    assert_refused(outcome, DEFAULT_LIMIT, "declares %d bytes" % 10**12)


def test_the_default_limit_cuts_an_endless_stream():
    outcome = probe(lambda conn: send_forever(
        conn, head(Content_Type="application/json", Transfer_Encoding="chunked"),
        chunked(zeros())), limit=0)
    assert_refused(outcome, DEFAULT_LIMIT, "went on past %d bytes" % DEFAULT_LIMIT)
