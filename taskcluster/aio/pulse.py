"""Listening to pulse from asyncio: ``taskcluster.pulse`` with ``async with``
and an async handler, on the same decisions (``taskcluster._pulse``: queue
naming, bindings, decoding, the requeue policy, reconnection timing).  Needs
the ``pulse`` extra; aiormq carries it::

    async with taskcluster.aio.pulse.Consumer(bindings, url=url, queueName="q") as consumer:
        async def handle(message):
            ...
        await consumer.run(handle)     # until consumer.stop()

aiormq rather than aio-pika: the consumer makes its own reconnections (lib-
pulse's timing, in the shared core), so aio-pika's robust connection would be
a second policy to switch off, and its per-message objects a cost with no use.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any, Awaitable, Callable, Iterable, Optional

from .. import _pulse
from .._pulse import Message, PulseConnectionError, PulseError

__all__ = ["Consumer", "Publisher", "publish", "Message", "PulseError",
           "PulseConnectionError"]

log = logging.getLogger("taskcluster.pulse")

_STOP = object()
_LOST = object()


def _aiormq():
    try:
        import aiormq
    except ImportError as e:  # pragma: no cover - depends on the install
        raise ImportError("taskcluster.aio.pulse needs aiormq: pip install "
                          "'taskcluster-refclient[pulse]'") from e
    return aiormq


async def _connect(target: _pulse.Endpoint):
    aiormq = _aiormq()
    url = "%s?heartbeat=%d" % (target.url(), _pulse.HEARTBEAT)
    try:
        return await asyncio.wait_for(aiormq.connect(url), _pulse.CONNECT_TIMEOUT)
    except asyncio.CancelledError:
        raise
    except BaseException as e:
        if not isinstance(e, Exception):
            raise
        raise _pulse.connect_failed(target, e) from None


def _channel_errors() -> tuple:
    aiormq = _aiormq()
    return (aiormq.exceptions.ChannelClosed, aiormq.exceptions.ChannelInvalidStateError)


class Consumer(_pulse.ConsumerBase):
    """The async twin of :class:`taskcluster.pulse.Consumer` (same arguments)."""

    _label = "pulse.aio.Consumer"

    def _driver_state(self) -> None:
        self._inbox: Optional[asyncio.Queue] = None
        self._stopping = False
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[int] = None

    def __repr__(self) -> str:
        return "<pulse.aio.Consumer %s on %s>" % (self.queueName or self._opts.queueName,
                                                  self._target.display())

    async def _open(self) -> None:
        self._reconnect.attempt(time.monotonic())
        conn = await _connect(self._target)
        inbox: asyncio.Queue = asyncio.Queue()
        errors = _channel_errors()
        try:
            channel = await conn.channel()
            plan = _pulse.queue_plan(self._opts)
            try:
                await channel.queue_declare(plan.name, durable=plan.durable,
                                            exclusive=plan.exclusive,
                                            auto_delete=plan.auto_delete,
                                            arguments=plan.arguments)
            except errors as e:
                if not _pulse.existing_classic_queue(plan, e):
                    raise _pulse.refused(self._target, "declaring queue %r" % plan.name,
                                         e) from None
                # the refusal closed the channel: a new one, and the queue as it is
                _pulse.classic_kept(self._target, plan)
                channel = await conn.channel()
                await channel.queue_declare(plan.name, passive=True)
            for b in self._bindings:
                try:
                    await channel.queue_bind(plan.name, b.exchange,
                                             routing_key=b.routingKeyPattern)
                except errors as e:
                    raise _pulse.refused(self._target, "binding to exchange %r with %r"
                                         % (b.exchange, b.routingKeyPattern), e) from None
            await channel.basic_qos(prefetch_count=self._opts.prefetch)

            async def deliver(raw):
                inbox.put_nowait((channel, raw))

            await channel.basic_consume(plan.name, deliver, no_ack=False)
        except BaseException:
            await _close_quietly(conn)
            raise
        # A lost connection, or a channel the broker closed, wakes run() up.
        lost = (_LOST, channel)
        conn.closing.add_done_callback(lambda _f: inbox.put_nowait(lost))
        channel.closing.add_done_callback(lambda _f: inbox.put_nowait(lost))
        self._conn, self._channel, self._inbox, self.queueName = conn, channel, inbox, plan.name
        self.connections += 1

    async def _drop(self) -> None:
        conn, self._conn, self._channel = self._conn, None, None
        if conn is not None:
            await _close_quietly(conn)

    async def _reopen(self) -> bool:
        while not self._stopping:
            wait = self._reconnect.delay(time.monotonic())
            if wait:
                await self._sleep(wait)
                if self._stopping:
                    return False
            try:
                await self._open()
                log.info("pulse: reconnected to %s", self._target.display())
                return True
            except (PulseError, OSError, _aiormq().exceptions.AMQPError) as e:
                log.warning("pulse: reconnecting to %s failed: %s", self._target.display(),
                            self._target.scrub(str(e)))
        return False

    async def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self._stopping and time.monotonic() < end:
            await asyncio.sleep(min(_pulse.POLL_INTERVAL / 4, end - time.monotonic()))

    async def __aenter__(self) -> "Consumer":
        if self._conn is None:
            await self._open()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connection (an ephemeral queue goes with it)."""
        self.stop()
        await self._drop()

    def stop(self) -> None:
        """Make run() return, from the handler, another task, or another thread."""
        loop = self._loop
        if loop is not None and not loop.is_closed() and threading.get_ident() != self._thread:
            loop.call_soon_threadsafe(self._stop_here)
        else:
            self._stop_here()

    def _stop_here(self) -> None:
        self._stopping = True
        if self._inbox is not None:
            self._inbox.put_nowait((_STOP, None))

    async def run(self, handler: Callable[[Message], Awaitable[Any]]) -> None:
        """Await ``handler(message)`` for each message, one at a time, until stop()."""
        if not callable(handler):
            raise _pulse._input_error("pulse.aio.Consumer.run", "handler", "handler must be "
                                      "an async function of one Message, not %s"
                                      % type(handler).__name__)
        self._stopping = False
        self._loop, self._thread = asyncio.get_running_loop(), threading.get_ident()
        if self._conn is None:
            await self._open()
        decode = self._decoder.message
        while not self._stopping:
            channel, raw = await self._inbox.get()  # type: ignore[union-attr]
            if channel is _STOP:
                break
            if channel is _LOST:
                if raw is not self._channel or self._stopping:
                    continue  # an earlier connection's, or our own close
                log.warning("pulse: connection to %s lost; reconnecting",
                            self._target.display())
                await self._drop()
                if not await self._reopen():
                    break
                continue
            if channel is not self._channel or channel.is_closed:
                continue  # a delivery of a lost channel: the broker redelivers it
            d = raw.delivery
            props = raw.header.properties
            msg = decode(raw.body, d.exchange, d.routing_key, d.redelivered,
                         props.headers if props is not None else None)
            try:
                try:
                    await handler(msg)
                except Exception as e:
                    await channel.basic_reject(
                        d.delivery_tag, requeue=_pulse.handler_failed(self.queueName, msg, e))
                else:
                    await channel.basic_ack(d.delivery_tag)
            except _channel_errors() + (OSError,) as e:
                # The connection went while the handler ran: the message comes again.
                log.info("pulse: could not settle %s: %s", d.routing_key,
                         self._target.scrub(str(e)))


async def _close_quietly(conn) -> None:
    try:
        await asyncio.wait_for(conn.close(), 10)
    except asyncio.CancelledError:
        raise
    except Exception:
        pass


class Publisher:
    """The async twin of :class:`taskcluster.pulse.Publisher`."""

    _label = "pulse.aio.Publisher"

    def __init__(self, url: Optional[str] = None) -> None:
        self._target = _pulse.endpoint(self._label, url)
        self._conn = None
        self._channel = None
        self._declared: set = set()
        self._lock: Optional[asyncio.Lock] = None

    async def __aenter__(self) -> "Publisher":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def publish(self, exchange: str, routingKey: str, payload: Any,
                      cc: Iterable[str] = ()) -> None:
        """As the sync Publisher.publish: declares the topic exchange once, waits for
        the broker's confirm, reconnects once after a lost connection."""
        if not isinstance(cc, (list, tuple, str, bytes)):
            cc = list(cc)
        body, routes = _pulse.publish_args(self._label + ".publish", exchange, routingKey,
                                           payload, cc)
        aiormq = _aiormq()
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            for attempt in (0, 1):
                if self._channel is None or self._channel.is_closed:
                    await self._drop()
                    self._conn = await _connect(self._target)
                    self._channel = await self._conn.channel(publisher_confirms=True)
                    self._declared = set()
                channel = self._channel
                try:
                    if exchange not in self._declared:
                        await channel.exchange_declare(exchange, exchange_type="topic",
                                                       durable=True)
                        self._declared.add(exchange)
                    props = aiormq.spec.Basic.Properties(
                        content_type="application/json", content_encoding="utf-8",
                        delivery_mode=2, headers={"CC": routes} if routes else {})
                    await channel.basic_publish(body, exchange=exchange, routing_key=routingKey,
                                                properties=props)
                    return
                except aiormq.exceptions.ChannelClosed as e:
                    await self._drop()
                    raise _pulse.refused(self._target, "publishing to %r" % exchange,
                                         e) from None
                except (aiormq.exceptions.AMQPError, OSError) as e:
                    await self._drop()
                    if attempt:
                        raise _pulse.refused(self._target, "publishing to %r" % exchange,
                                             e) from None

    async def declare(self, *exchanges: str) -> None:
        """Declare topic exchanges (durable) ahead of publishing."""
        for i, exchange in enumerate(exchanges):
            if not isinstance(exchange, str) or not exchange:
                raise _pulse._input_error(self._label + ".declare", "exchanges[%d]" % i,
                                          "an exchange must be a non-empty str, not %r"
                                          % (exchange,))
        if self._channel is None or self._channel.is_closed:
            await self._drop()
            self._conn = await _connect(self._target)
            self._channel = await self._conn.channel(publisher_confirms=True)
            self._declared = set()
        for exchange in exchanges:
            try:
                await self._channel.exchange_declare(exchange, exchange_type="topic",
                                                     durable=True)
            except _aiormq().exceptions.AMQPError as e:
                await self._drop()
                raise _pulse.refused(self._target, "declaring %r" % exchange, e) from None
            self._declared.add(exchange)

    async def _drop(self) -> None:
        conn, self._conn, self._channel = self._conn, None, None
        if conn is not None:
            await _close_quietly(conn)

    async def close(self) -> None:
        await self._drop()


async def publish(exchange: str, routingKey: str, payload: Any, cc: Iterable[str] = (), *,
                  url: Optional[str] = None) -> None:
    """Publish one message (a Publisher opened and closed for it)."""
    async with Publisher(url) as publisher:
        await publisher.publish(exchange, routingKey, payload, cc)
