"""Concurrency, async: 200 calls at once on ONE async client against the
loopback server, a mix of GETs and PUTs with payloads, while the server
answers some first attempts with 503 and resets others (before and after
the head).  Every call gets the answer to its own request, none is lost,
each attempt is signed afresh (no (ts, nonce) pair repeats), and the
connections stay within aiohttp's pool."""

from __future__ import annotations

import asyncio
import collections
import json

import pytest
from hawkcheck import hawk_attrs, verify_request
from loopback import Reply, Reset
from wire import client_sockets

import taskcluster.aio

CALLS = 200
POOL_LIMIT = 100  # aiohttp's TCPConnector default
CREDS = {"clientId": "coroutines", "accessToken": "coroutine-token"}


def faults_for(call: int) -> list:
    """What the server answers before the call succeeds."""
    if call % 40 == 7:
        return [Reply(503, {"code": "Busy"}), Reset()]
    if call % 5 == 3:
        return [Reply(503, {"code": "Busy", "message": "try again"})]
    if call % 7 == 2:
        return [Reset()]
    if call % 11 == 4:
        return [Reset(after_headers=True)]
    return []


def call_of(call: int):
    task_id = "c%d" % call
    if call % 3 == 0:
        return ("createTask", (task_id, {"call": call}),
                {"method": "PUT", "target": "/api/queue/v1/task/" + task_id})
    return ("task", (task_id,), {"method": "GET", "target": "/api/queue/v1/task/" + task_id})


@pytest.fixture
def flaky(server):
    planned = {"/api/queue/v1/task/c%d" % c: faults_for(c) for c in range(CALLS)}
    seen: collections.Counter = collections.Counter()

    def respond(rec):
        seen[rec.target] += 1
        faults = planned[rec.target]
        return faults[seen[rec.target] - 1] if seen[rec.target] <= len(faults) else None
    server.respond(respond)
    return planned


def test_200_concurrent_calls_on_one_client(server, flaky):
    delays: list[float] = []

    async def main():
        async with taskcluster.aio.Queue({"rootUrl": server.url, "credentials": CREDS},
                                         sleep=delays.append, random=lambda: 0.5) as queue:
            calls = [call_of(c) for c in range(CALLS)]
            answers = await asyncio.gather(
                *(getattr(queue, name)(*args) for name, args, _ in calls),
                return_exceptions=True)
            open_to_server = client_sockets(server.port)
        return list(zip(answers, [want for _, _, want in calls])), open_to_server
    results, open_to_server = asyncio.run(main())

    # Every call answered, with the answer to its own request.
    assert [a for a, _ in results if isinstance(a, BaseException)] == []
    assert [(got, want) for got, want in results if got != want] == []

    # Every injected fault met by exactly one retry, after the exact delay.
    assert len(server.requests) == CALLS + sum(len(f) for f in flaky.values())
    attempts = collections.Counter(r.target for r in server.requests)
    assert attempts == {target: 1 + len(f) for target, f in flaky.items()}
    assert sorted(delays) == sorted([0.2] * sum(1 for f in flaky.values() if len(f) >= 1)
                                    + [0.4] * sum(1 for f in flaky.values() if len(f) >= 2))

    # Each attempt signed for itself: no (ts, nonce) pair repeats.
    keys = []
    for rec in server.requests:
        verify_request(server, rec, CREDS["clientId"], CREDS["accessToken"])
        attrs = hawk_attrs(rec.headers["authorization"])
        keys.append((attrs["ts"], attrs["nonce"]))
    assert len(set(keys)) == len(keys)
    for rec in server.requests:
        if rec.method == "PUT":
            assert json.loads(rec.body) == {"call": int(rec.target.rsplit("/c", 1)[1])}

    # Connections: within the pool while open, all closed with the client.
    assert len(open_to_server) <= POOL_LIMIT
    assert client_sockets(server.port) == []
