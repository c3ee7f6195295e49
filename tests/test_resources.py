"""Resources: after 10,000 calls (with resets, truncations, timeouts and 503s
among them) the process holds no more sockets to the server than the pool
size; ``close()`` and ``with`` really close the connections.

Sockets are counted from ``/proc/self/fd`` (``socket:[inode]`` links)
cross-checked with ``/proc/net/tcp``: the client's side of a connection is
a socket whose remote port is the loopback server's.
"""

from __future__ import annotations

import collections
import sys
import time

import pytest
import requests
from loopback import Hang, Reply, Reset, Truncate
from wire import client_sockets, open_tcp_sockets, server_sockets

import taskcluster

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="counts sockets through /proc")

CALLS = 10_000
POOL_SIZE = 10  # idle connections kept per origin (requests' default)
CREDS = {"clientId": "resources", "accessToken": "resources-token"}


def sockets_of(server) -> list:
    """This test's sockets: both ends of every connection to its own server
    (not its listening socket), unlike a count of the process's descriptors,
    which other tests' threads may change meanwhile."""
    return client_sockets(server.port) + [s for s in server_sockets(server.port) if s[1] != 0]


def wait_until(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_the_socket_count_sees_a_connection_and_its_two_ends(server):
    with taskcluster.Queue({"rootUrl": server.url}) as queue:
        queue.task("a")
        assert len(client_sockets(server.port)) == 1
        ours = client_sockets(server.port)[0]
        assert wait_until(lambda: (server.port, ours[0], "01") in server_sockets(server.port))
        assert (server.port, 0, "0A") in server_sockets(server.port)  # listening
    assert client_sockets(server.port) == []


def test_ten_thousand_calls_hold_no_more_sockets_than_the_pool(server):
    first_attempt_faults = {}
    for i in range(CALLS):
        if i % 1000 == 999:
            first_attempt_faults["/api/queue/v1/task/%d" % i] = Hang(0.5)
        elif i % 250 == 1:
            first_attempt_faults["/api/queue/v1/task/%d" % i] = Reset()
        elif i % 250 == 2:
            first_attempt_faults["/api/queue/v1/task/%d" % i] = Truncate()
        elif i % 50 == 3:
            first_attempt_faults["/api/queue/v1/task/%d" % i] = Reply(503)
    seen: collections.Counter = collections.Counter()

    def respond(rec):
        seen[rec.target] += 1
        return first_attempt_faults.get(rec.target) if seen[rec.target] == 1 else None
    server.respond(respond)

    peak = 0
    delays: list[float] = []
    with taskcluster.Queue({"rootUrl": server.url, "credentials": CREDS, "timeout": 0.2},
                           sleep=delays.append) as queue:
        for i in range(CALLS):
            assert queue.task(str(i)) == {"method": "GET", "target": "/api/queue/v1/task/%d" % i}
            if i % 500 == 0:
                peak = max(peak, len(client_sockets(server.port)))
        after_calls = client_sockets(server.port)
    after_close = client_sockets(server.port)

    faults = collections.Counter(type(a).__name__ for a in first_attempt_faults.values())
    assert faults == {"Hang": 10, "Reset": 40, "Truncate": 40, "Reply": 200}
    # Every planned fault was retried once.  On a loaded machine a slow answer
    # may also outlast the 0.2 s timeout: that is one more retry, seen here.
    retries = len(delays)
    assert retries >= len(first_attempt_faults)
    assert len(server.requests) == CALLS + retries
    assert len(after_calls) <= POOL_SIZE and peak <= POOL_SIZE
    assert after_close == []
    # Each failed attempt but a 503 (reset, truncation, timeout) cost its
    # connection, nothing more.
    assert server.connections <= 1 + retries - faults["Reply"]
    assert wait_until(lambda: sockets_of(server) == [])
    print("\n%d calls: %d client sockets open after them (peak %d), %d after close; "
          "%d connections made" % (CALLS, len(after_calls), peak, len(after_close),
                                   server.connections))


def test_close_closes_the_connections(server):
    queue = taskcluster.Queue({"rootUrl": server.url, "credentials": CREDS})
    for i in range(3):
        queue.task(str(i))
    assert len(client_sockets(server.port)) == 1
    queue.close()
    assert client_sockets(server.port) == []
    # The server saw the connection end: only its listening socket remains.
    assert wait_until(lambda: server_sockets(server.port) == [(server.port, 0, "0A")])
    queue.close()  # again: nothing to do, no error


def test_a_context_manager_closes_the_connections(server):
    with taskcluster.Queue({"rootUrl": server.url}) as queue:
        queue.task("a")
        queue.createTask("b", {})
        assert len(client_sockets(server.port)) == 1
    assert client_sockets(server.port) == []
    assert wait_until(lambda: server_sockets(server.port) == [(server.port, 0, "0A")])


def test_close_after_a_failure_still_closes(server):
    with pytest.raises(taskcluster.TaskclusterFailure), \
            taskcluster.Queue({"rootUrl": server.url, "maxRetries": 1},
                              sleep=lambda s: None) as queue:
        server.plan(Reply(500), Reply(500))
        queue.task("a")
    assert client_sockets(server.port) == []


def test_a_session_passed_in_is_left_open_for_its_owner(server):
    with requests.Session() as session:
        with taskcluster.Queue({"rootUrl": server.url}, session) as queue:
            queue.task("a")
        assert len(client_sockets(server.port)) == 1  # the caller's to close
    assert client_sockets(server.port) == []


def test_many_short_lived_clients_leave_nothing_open(server):
    for i in range(200):
        with taskcluster.Queue({"rootUrl": server.url, "credentials": CREDS}) as queue:
            queue.task(str(i))
    assert server.connections == 200
    assert client_sockets(server.port) == []
    assert wait_until(lambda: sockets_of(server) == [])


def test_a_dropped_client_releases_its_connections(server):
    queue = taskcluster.Queue({"rootUrl": server.url})
    queue.task("a")
    assert len(client_sockets(server.port)) == 1
    del queue  # no close(): the pool's finalizer closes, without a ResourceWarning
    assert wait_until(lambda: client_sockets(server.port) == [])


def test_timeouts_do_not_leave_connections_behind(server):
    server.plan(*[Hang(0.5)] * 4)
    with taskcluster.Queue({"rootUrl": server.url, "timeout": 0.1, "maxRetries": 3},
                           sleep=lambda s: None) as queue:
        with pytest.raises(taskcluster.TaskclusterConnectionError):
            queue.task("a")
        assert client_sockets(server.port) == []
        assert queue.task("b")["target"] == "/api/queue/v1/task/b"
        assert len(client_sockets(server.port)) == 1
    assert [s for s in open_tcp_sockets() if s[1] == server.port] == []
