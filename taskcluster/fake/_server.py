"""The HTTP side of the fake deployment: aiohttp's low-level server on its
own event loop in one background thread.

Why aiohttp: it is already a dependency of the package (the async client),
so the ``fake`` extra adds nothing for it; it speaks HTTP/1.1 fully
(keep-alive, chunked request bodies, which the standard library's server
does not decode) and closes its open connections on shutdown, so the port
and every connection are closed once :meth:`HttpServer.stop` returns.  Why
one thread with an event loop rather than a thread per connection: requests
are handled one at a time on that thread, in arrival order, with no thread
switch per request; the deployment's lock then only guards against a test
calling a backend directly from its own thread.

The handler given is synchronous and pure of HTTP:
``handle(method, target, headers, body) -> (status, headers, body)``.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from typing import Callable, Mapping, Optional, Tuple

__all__ = ["HttpServer"]

Handler = Callable[[str, str, Mapping[str, str], bytes], Tuple[int, Mapping[str, str], bytes]]


class HttpServer:
    def __init__(self, handle: Handler, host: str, port: int) -> None:
        self._handle = handle
        self._host = host
        self._port = port
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._runner = None
        self._transports: dict = {}  # handler -> its transport
        self._sock: Optional[socket.socket] = None
        self._connecting: set = set()   # connections being handed to aiohttp
        self.port = 0

    def start(self) -> int:
        """Listen (errors such as a port in use are raised here) and serve
        from a background thread; returns the port."""
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self._host, self._port))
            sock.listen(128)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        # A selector loop on every platform: the accept is the loop's reader.
        loop = asyncio.SelectorEventLoop()
        self._loop = loop
        started = threading.Event()
        failure = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve(sock))
            except BaseException as e:  # reported to start()
                failure.append(e)
                sock.close()
                started.set()
                loop.close()
                return
            started.set()
            loop.run_forever()
            # What stop() left queued (a connection accepted in its last
            # turns, sockets closing) runs, and is cut, before the end.
            loop.run_until_complete(self._sweep())
            loop.close()

        self._thread = threading.Thread(target=run, name="taskcluster-fake:%d" % self.port,
                                        daemon=True)
        self._thread.start()
        started.wait()
        if failure:
            self._thread.join()
            raise failure[0]
        return self.port

    async def _serve(self, sock: socket.socket) -> None:
        from aiohttp import web

        handle = self._handle

        async def respond(request):
            body = await request.content.read()
            try:
                status, headers, data = handle(request.method, request.raw_path,
                                               request.headers, body)
            except Exception as e:   # a bug of the fake: still an answer with a code
                status, headers = 500, {"Content-Type": "application/json"}
                data = json.dumps({"code": "InternalServerError",
                                   "message": "the fake deployment failed: %s: %s"
                                   % (type(e).__name__, e)}).encode("utf-8")
            return web.Response(status=status, headers=headers, body=data)

        class Tracked(web.Server):
            # Every open connection's transport, so that stop() can close
            # the ones aiohttp's shutdown leaves (a connection accepted while
            # the site closed, one whose close was still pending).
            def connection_made(self, handler, transport):
                super().connection_made(handler, transport)
                transports[handler] = transport

            def connection_lost(self, handler, exc=None):
                transports.pop(handler, None)
                super().connection_lost(handler, exc)

        transports = self._transports
        self._runner = web.ServerRunner(Tracked(respond), handle_signals=False,
                                        access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        self._sock = sock
        asyncio.get_running_loop().add_reader(sock.fileno(), self._readable,
                                              self._runner.server)

    # Connections are accepted here, not by asyncio's create_server: in
    # Python 3.11 a connection accepted just before a Server closes fails an
    # assertion while its transport is half built, and that transport's
    # socket is never closed (a ResourceWarning in the user's tests).  Here
    # the listening socket's reader is removed synchronously, and every
    # connection being handed to aiohttp is a task stop() waits for.

    def _readable(self, factory) -> None:
        loop = asyncio.get_running_loop()
        for _ in range(100):
            try:
                conn, _ = self._sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:   # e.g. the peer reset before the accept
                continue
            conn.setblocking(False)
            task = loop.create_task(self._connect(conn, factory))
            self._connecting.add(task)
            task.add_done_callback(self._connecting.discard)

    async def _connect(self, conn: socket.socket, factory) -> None:
        try:
            await asyncio.get_running_loop().connect_accepted_socket(factory, conn)
        except OSError:
            conn.close()

    def stop(self) -> None:
        """Close the port and every open connection; return once done."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        self._loop = self._thread = None
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()

    async def _shutdown(self) -> None:
        asyncio.get_running_loop().remove_reader(self._sock.fileno())
        self._sock.close()
        if self._connecting:
            await asyncio.gather(*self._connecting, return_exceptions=True)
        await self._runner.cleanup()
        await self._sweep()

    async def _sweep(self) -> None:
        """Cut the connections aiohttp's shutdown left (one accepted as the
        site closed, a close still pending), turning the loop until no
        other task runs and every socket is closed (a transport's socket
        closes a loop turn after abort())."""
        me = asyncio.current_task()
        for _ in range(200):
            for transport in list(self._transports.values()):
                if not transport.is_closing():
                    transport.abort()
            await asyncio.sleep(0)
            if not self._transports and all(t is me for t in asyncio.all_tasks()):
                break
