"""A deadline for a whole HTTP attempt, and the urllib3 connection classes
that let it be enforced.

requests (and urllib3, and http.client) apply a timeout to each socket
operation, so a server that sends one byte a second holds a call for as long
as it likes.  Node's client bounds the whole request; so does this one: each
attempt registers a :class:`Watch`, the connection that carries the attempt
attaches itself to it (when it connects, and when it sends), and one daemon
thread shuts that connection's socket down when the deadline passes.  The
blocked connect, handshake, send or read then ends at once and the
transport reports a timeout.

The same connection classes skip informational answers (``103 Early
Hints``), which http.client would otherwise hand over as the final answer,
and let a forked child start afresh (no inherited watches, no connections
shared with the parent).
"""

from __future__ import annotations

import heapq
import os
import socket
import threading
import time
import weakref
from typing import List, Optional, Tuple

__all__ = ["Watch", "watchdog", "current", "mount", "LONGEST"]

# The longest wait in seconds (about 31 years): socket timeouts and lock
# waits overflow the platform's time types not far beyond (a timeout of
# 1e12 raised a bare OverflowError).  Longer timeouts mean this.
LONGEST = 1e9

_local = threading.local()


def current() -> Optional["Watch"]:
    """The watch of the attempt this thread is making, if any."""
    return getattr(_local, "watch", None)


class Watch:
    """One attempt's deadline.  Use as a context manager around the attempt."""
    __slots__ = ("deadline", "conn", "expired", "done", "lock")

    def __init__(self, seconds: float):
        self.deadline = time.monotonic() + min(seconds, LONGEST)
        self.conn = None
        self.expired = False
        self.done = False
        self.lock = threading.Lock()

    def remaining(self) -> float:
        return max(self.deadline - time.monotonic(), 0.001)

    def __enter__(self) -> "Watch":
        _local.watch = self
        watchdog.add(self)
        return self

    def __exit__(self, *exc) -> None:
        _local.watch = None
        with self.lock:
            self.done = True
            self.conn = None
        watchdog.discard()

    def fire(self) -> None:
        with self.lock:
            if self.done:
                return
            self.expired = True
            conn = self.conn
            # Only while the connection is still this attempt's: one that
            # went back to the pool as the attempt ended may already carry
            # another thread's request.
            owned = conn is not None and getattr(conn, "tc_watch", None) is self
            # An answer that closes the connection after it (Connection:
            # close, HTTP/1.0) has already taken the socket from conn.sock
            # (http.client closes the connection and leaves the response
            # reading it): the socket it was sent on is still the one read.
            sock = (getattr(conn, "sock", None) or getattr(conn, "tc_sock", None)) \
                if owned else None
            if sock is not None:
                try:
                    # The plain socket's shutdown, also for a TLS socket:
                    # SSLSocket.shutdown would drop its SSL state under the
                    # reading thread.  The read returns at once.
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
                except OSError:
                    pass


class _Watchdog:
    """One daemon thread firing the watches whose deadline passed.  Watches
    that ended are dropped lazily; the heap is rebuilt when they dominate."""

    def __init__(self):
        self._reset()

    def _reset(self) -> None:
        self._heap: List[Tuple[float, int, Watch]] = []
        self._cond = threading.Condition()
        self._thread: Optional[threading.Thread] = None
        self._count = 0
        self._live = 0

    def add(self, watch: Watch) -> None:
        with self._cond:
            self._count += 1
            self._live += 1
            earliest = self._heap[0][0] if self._heap else None
            heapq.heappush(self._heap, (watch.deadline, self._count, watch))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="taskcluster-deadlines",
                                                daemon=True)
                self._thread.start()
            elif earliest is None or watch.deadline < earliest:
                self._cond.notify()
            if len(self._heap) > 1024 and len(self._heap) > 4 * self._live:
                self._heap = [item for item in self._heap if not item[2].done]
                heapq.heapify(self._heap)

    def discard(self) -> None:
        with self._cond:
            self._live -= 1

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    while self._heap and self._heap[0][2].done:
                        heapq.heappop(self._heap)
                    if not self._heap:
                        self._cond.wait()
                        continue
                    wait = self._heap[0][0] - time.monotonic()
                    if wait <= 0:
                        watch = heapq.heappop(self._heap)[2]
                        break
                    self._cond.wait(wait)
            watch.fire()


watchdog = _Watchdog()

# Every connection the watched classes opened, to be let go in a forked child.
_connected: "weakref.WeakSet" = weakref.WeakSet()


def _after_fork_in_child() -> None:
    # A child inherits the parent's watches but none of its attempts: firing
    # them would shut down sockets it shares with the parent, under the
    # parent's requests (and the lock may be held by a thread that is not
    # there any more).
    watchdog._reset()
    # Pooled connections are shared with the parent: both processes would
    # write requests on one TCP connection and read each other's answers.
    # The child closes its copies (the parent's stay open) and its pools
    # connect afresh.  No lock is taken: another thread may have held it.
    for conn in list(_connected):
        sock, conn.sock = conn.sock, None
        if sock is not None:
            sock.close()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


# -- urllib3 connections that attach to the current watch ----------------------------

_MAX_HEADERS, _MAX_LINE = 100, 65536       # http.client's bounds for a header block


def _skip_informational(base):
    """A subclass of urllib3's response class (http.client's HTTPResponse),
    made on first use.  http.client skips ``100 Continue`` only; any other 1xx
    (``103 Early Hints``) would become the final answer, with the real one
    left unread on the connection.  Skip them all but ``101``."""

    class SkipInformational(base):
        def _read_status(self):  # http.client's hook for the status line
            while True:
                version, status, reason = super()._read_status()
                if 100 < status < 200 and status != 101:
                    # The informational answer's headers, within http.client's
                    # own bounds for a header block (an endless one would spin
                    # until the deadline).  An OSError: a malformed answer,
                    # retried like a connection failure.
                    for _ in range(_MAX_HEADERS + 1):
                        line = self.fp.readline(_MAX_LINE + 1)
                        if len(line) > _MAX_LINE:
                            raise OSError("an informational answer's header line is too long")
                        if line in (b"\r\n", b"\n", b""):
                            break
                    else:
                        raise OSError("an informational answer has more than %d headers"
                                      % _MAX_HEADERS)
                    continue
                return version, status, reason

    return SkipInformational


def _attach(conn) -> None:
    watch = current()
    if watch is not None:
        with watch.lock:
            watch.conn = conn
            conn.tc_watch = watch
            expired = watch.expired
        if expired:
            raise socket.timeout("the attempt's deadline passed")


def _connection_classes():
    from urllib3.connection import HTTPConnection, HTTPSConnection

    response_class_ = _skip_informational(HTTPConnection.response_class)

    def watched(base):
        class Watched(base):
            response_class = response_class_

            def connect(self):
                # Connecting belongs to the attempt: for https urllib3
                # connects (a proxy's CONNECT, the TLS handshake) before
                # request(), and a proxy trickling its CONNECT answer
                # held a call for as long as it liked.
                _attach(self)
                super().connect()
                self.tc_sock = self.sock
                _connected.add(self)
                # The deadline may have passed while no socket existed yet
                # (resolving, connecting), with nothing to shut down.
                _attach(self)

            def request(self, *args, **kwargs):
                _attach(self)
                if self.sock is not None:
                    self.tc_sock = self.sock   # a pooled connection's
                return super().request(*args, **kwargs)

        Watched.__name__ = Watched.__qualname__ = "Watched" + base.__name__
        return Watched

    return watched(HTTPConnection), watched(HTTPSConnection)


_POOLS = None


def _pool_classes():
    global _POOLS
    if _POOLS is None:
        from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
        plain, tls = _connection_classes()

        class Pool(HTTPConnectionPool):
            ConnectionCls = plain

        class TLSPool(HTTPSConnectionPool):
            ConnectionCls = tls

        _POOLS = {"http": Pool, "https": TLSPool}
    return _POOLS


def mount(session) -> None:
    """Give ``session`` (one this library made) adapters whose connections
    honour the deadline and skip informational answers.  Proxied requests
    go through them too; SOCKS proxies keep urllib3's own classes."""
    from requests.adapters import HTTPAdapter

    class Adapter(HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs):
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = _pool_classes()

        def proxy_manager_for(self, proxy, **kwargs):
            manager = super().proxy_manager_for(proxy, **kwargs)
            if not proxy.lower().startswith("socks"):
                manager.pool_classes_by_scheme = _pool_classes()
            return manager

    for prefix in ("https://", "http://"):
        session.mount(prefix, Adapter())
