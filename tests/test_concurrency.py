"""Concurrency: 8 threads share ONE client and make 500 calls each against
the loopback server, a mix of GETs and PUTs with payloads, while the server
answers some first attempts (and a few second ones) with 503.  Every call
gets the answer to its own request, none is lost, every attempt is signed
afresh for what it carried, and the connections stay within the pool."""

from __future__ import annotations

import collections
import json
import threading

import pytest
from loopback import Reply
from hawkcheck import hawk_attrs, verify_request
from wire import client_sockets

import taskcluster

THREADS, CALLS = 8, 500
POOL_SIZE = 10  # idle connections kept per origin (requests' default)
CREDS = {"clientId": "threads", "accessToken": "thread-token"}


def failures_for(thread: int, call: int) -> int:
    """How many 503s the server answers before the call succeeds."""
    if call % 50 == 7:
        return 2
    if call % 5 == 3:
        return 1
    return 0


def call_of(thread: int, call: int):
    """(method name, args, expected answer) of one call, distinct per call."""
    task_id = "t%d-c%d" % (thread, call)
    if call % 3 == 0:
        return ("createTask", (task_id, {"thread": thread, "call": call}),
                {"method": "PUT", "target": "/api/queue/v1/task/" + task_id})
    return ("task", (task_id,), {"method": "GET", "target": "/api/queue/v1/task/" + task_id})


@pytest.fixture
def flaky(server):
    """The server fails each call's first attempts as failures_for() says."""
    seen: collections.Counter = collections.Counter()
    planned = {}
    for t in range(THREADS):
        for c in range(CALLS):
            planned["/api/queue/v1/task/t%d-c%d" % (t, c)] = failures_for(t, c)

    def respond(rec):
        seen[rec.target] += 1
        if seen[rec.target] <= planned[rec.target]:
            return Reply(503, {"code": "Busy", "message": "try again"})
        return None  # the default: echo method and target
    server.respond(respond)
    return planned


def test_eight_threads_share_one_client(server, flaky):
    delays: list[float] = []
    results: dict = {}
    errors: list = []
    start = threading.Barrier(THREADS)
    client = taskcluster.Queue({"rootUrl": server.url, "credentials": CREDS},
                               sleep=delays.append, random=lambda: 0.5)

    def worker(t: int) -> None:
        start.wait()
        for c in range(CALLS):
            name, args, expected = call_of(t, c)
            try:
                results[t, c] = (getattr(client, name)(*args), expected)
            except Exception as e:  # collected, and asserted below
                errors.append((t, c, e))

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads)
    open_to_server = client_sockets(server.port)
    client.close()

    # Every call answered, with the answer to its own request.
    assert errors == []
    assert len(results) == THREADS * CALLS
    wrong = [(k, got, want) for k, (got, want) in results.items() if got != want]
    assert wrong == []

    # Every planned 503 was met by exactly one retry, after the exact delay.
    injected = sum(flaky.values())
    assert len(server.requests) == THREADS * CALLS + injected
    attempts = collections.Counter(r.target for r in server.requests)
    assert attempts == {target: 1 + n for target, n in flaky.items()}
    assert sorted(delays) == sorted([0.2] * sum(1 for n in flaky.values() if n >= 1)
                                    + [0.4] * sum(1 for n in flaky.values() if n >= 2))

    # Each attempt signed for itself: the signature verifies for what arrived,
    # and no (timestamp, nonce) pair repeats -- what Hawk replay checks key on.
    # (A nonce is 6 random base64url characters, as Node's: 36 bits.)
    keys = []
    for rec in server.requests:
        verify_request(server, rec, CREDS["clientId"], CREDS["accessToken"])
        attrs = hawk_attrs(rec.headers["authorization"])
        keys.append((attrs["ts"], attrs["nonce"]))
    assert len(set(keys)) == len(keys)
    assert len({r.headers["authorization"] for r in server.requests}) == len(server.requests)

    # Each payload went with its own request.
    for rec in server.requests:
        if rec.method == "PUT":
            thread, call = rec.target.rsplit("/", 1)[1][1:].split("-c")
            assert json.loads(rec.body) == {"thread": int(thread), "call": int(call)}

    # Connections: kept alive and shared, never more than the pool.
    assert len(open_to_server) <= POOL_SIZE
    assert server.connections <= POOL_SIZE
    assert client_sockets(server.port) == []
