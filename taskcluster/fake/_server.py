"""The HTTP side of the fake deployment: aiohttp's low-level server on its
own event loop in one background thread.

Why aiohttp: it is already a dependency of the package (the async client),
so the ``fake`` extra adds nothing for it; it speaks HTTP/1.1 fully
(keep-alive, chunked request bodies, which the standard library's server
does not decode); and its runner closes every open connection on cleanup,
so the port is closed once :meth:`HttpServer.stop` returns.  Why one
thread with an event loop rather than a thread per connection: every
request is handled on that one thread, so the services' state needs no
locking against other requests, and a request costs no thread switch.

The handler given is synchronous and pure of HTTP:
``handle(method, target, headers, body) -> (status, headers, body)``.
"""

from __future__ import annotations

import asyncio
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
        loop = asyncio.new_event_loop()
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
            status, headers, data = handle(request.method, request.raw_path,
                                           request.headers, body)
            return web.Response(status=status, headers=headers, body=data)

        self._runner = web.ServerRunner(web.Server(respond), handle_signals=False,
                                        access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.SockSite(self._runner, sock)
        await site.start()

    def stop(self) -> None:
        """Close the port and every open connection; return once done."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        self._loop = self._thread = None
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
