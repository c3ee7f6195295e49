"""Runs a pulse consumer (sync or async driver) in a thread of the test's own,
collecting what its handler sees, so one test body serves both drivers."""

from __future__ import annotations

import asyncio
import threading
import time

import taskcluster.aio.pulse as aio_pulse
import taskcluster.pulse as sync_pulse

DRIVERS = ("sync", "aio")


class Harness:
    def __init__(self, driver, bindings, *, handler=None, **options):
        self.driver = driver
        self.bindings = bindings
        self.options = dict(options)
        self.options.setdefault("minReconnectInterval", 0.2)
        self.handler = handler or (lambda m: None)
        self.messages = []
        self.cond = threading.Condition()
        self.ready = threading.Event()
        self.error = None
        self.consumer = None
        self.loop = None
        self.thread = None
        self.returned = threading.Event()

    # -- the consumer's thread ------------------------------------------------

    def _seen(self, m):
        with self.cond:
            self.messages.append(m)
            self.cond.notify_all()
        self.handler(m)

    def _run_sync(self):
        try:
            with sync_pulse.Consumer(self.bindings, **self.options) as c:
                self.consumer = c
                self.ready.set()
                c.run(self._seen)
        except BaseException as e:  # reported to the test thread
            self.error = e
        finally:
            self.ready.set()
            self.returned.set()

    def _run_aio(self):
        async def main():
            self.loop = asyncio.get_running_loop()
            async with aio_pulse.Consumer(self.bindings, **self.options) as c:
                self.consumer = c
                self.ready.set()

                async def handle(m):
                    self._seen(m)

                await c.run(handle)
        try:
            asyncio.run(main())
        except BaseException as e:
            self.error = e
        finally:
            self.ready.set()
            self.returned.set()

    # -- the test's side ------------------------------------------------------------

    def start(self):
        target = self._run_sync if self.driver == "sync" else self._run_aio
        self.thread = threading.Thread(target=target, daemon=True)
        self.thread.start()
        self.ready.wait(60)
        if self.error is not None:
            raise self.error
        assert self.consumer is not None, "the consumer did not connect within 60 s"
        return self

    def wait_for(self, predicate, timeout=60.0):
        """Wait until predicate(messages) holds; the messages seen."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while not predicate(self.messages):
                left = deadline - time.monotonic()
                if left <= 0 or self.returned.is_set():
                    raise AssertionError("waited %ss; %d messages seen; error %r"
                                         % (timeout, len(self.messages), self.error))
                self.cond.wait(min(left, 0.5))
            return list(self.messages)

    def stop(self):
        c = self.consumer
        if c is not None and not self.returned.is_set():
            c.stop()  # from this thread: both drivers take it from any thread
        self.thread.join(30)
        assert not self.thread.is_alive(), "run() did not return within 30 s of stop()"
        if self.error is not None:
            raise self.error

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

