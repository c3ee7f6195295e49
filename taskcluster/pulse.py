"""Listening to pulse (Taskcluster's RabbitMQ), and publishing to it for tests
and tools.  Needs the ``pulse`` extra (``pip install taskcluster-refclient[pulse]``)::

    import taskcluster, taskcluster.pulse

    bindings = [taskcluster.QueueEvents().taskCompleted(taskGroupId=group)]
    with taskcluster.pulse.Consumer(bindings, url=url, queueName="my-queue") as consumer:
        def handle(message):
            print(message.routing["taskId"], message.payload["status"]["state"])
        consumer.run(handle)     # until consumer.stop()

The queue is ``queue/<namespace or username>/<queueName>``, durable and of
quorum type.  A message is acknowledged when the handler returns; when it
raises, the message is requeued once and dropped (logged) the second time.
A lost connection is re-made (no sooner than 15 s after the last attempt) and
the queue and bindings declared again.  kombu carries it; the decisions are
in ``taskcluster._pulse``, shared with ``taskcluster.aio.pulse``.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any, Callable, Iterable, Optional

from . import _pulse
from ._pulse import Message, PulseConnectionError, PulseError

__all__ = ["Consumer", "Publisher", "publish", "Message", "PulseError",
           "PulseConnectionError"]

log = logging.getLogger("taskcluster.pulse")


def _kombu():
    try:
        import kombu
    except ImportError as e:  # pragma: no cover - depends on the install
        raise ImportError("taskcluster.pulse needs kombu: pip install "
                          "'taskcluster-refclient[pulse]'") from e
    return kombu


def _connection(target: _pulse.Endpoint, confirm: bool = False):
    kombu = _kombu()
    return kombu.Connection(
        hostname=target.host, port=target.port, userid=target.username or None,
        password=target.password or None, virtual_host=target.vhost, ssl=target.tls,
        transport="pyamqp", heartbeat=_pulse.HEARTBEAT,
        connect_timeout=_pulse.CONNECT_TIMEOUT,
        transport_options={"confirm_publish": confirm} if confirm else {})


_ERRORS: Optional[tuple] = None


def _errors(conn=None) -> tuple:
    """What kombu's py-amqp transport raises for a lost connection or a refusal."""
    global _ERRORS
    if _ERRORS is None:
        c = _kombu().Connection(transport="pyamqp")
        _ERRORS = tuple(c.connection_errors) + tuple(c.channel_errors) + (OSError,)
    return _ERRORS


class Consumer(_pulse.ConsumerBase):
    """A pulse consumer (see the module's docstring).

    ``bindings``: a list of the dicts the ``<Service>Events`` classes return, or
    ``{"exchange", "routingKeyPattern"}`` dicts.  ``url``: the broker (else
    ``PULSE_HOST``, ``PULSE_USERNAME``, ``PULSE_PASSWORD``, ``PULSE_VHOST``).
    ``ephemeral=True``: an exclusive, auto-delete queue named afresh on each
    connection (``queueName`` may then be None).  ``prefetch``: the most
    unacknowledged messages at once.  ``maxLength``: the queue's x-max-length.
    ``minReconnectInterval``: seconds between connection attempts (15, as
    lib-pulse; lower it in tests only)."""

    _label = "pulse.Consumer"

    def _driver_state(self) -> None:
        self._stopping = threading.Event()
        self._handler: Optional[Callable[[Message], Any]] = None

    def __repr__(self) -> str:
        return "<pulse.Consumer %s on %s>" % (self.queueName or self._opts.queueName,
                                              self._target.display())

    # -- connection ---------------------------------------------------------

    def _open(self) -> None:
        """Connect, declare the queue, bind it, set the prefetch and start consuming."""
        self._reconnect.attempt(time.monotonic())
        conn = _connection(self._target)
        try:
            conn.connect()
        except Exception as e:
            conn.release()
            raise _pulse.connect_failed(self._target, e) from None
        try:
            channel = conn.channel()
            plan = _pulse.queue_plan(self._opts)
            try:
                channel.queue_declare(queue=plan.name, durable=plan.durable,
                                      exclusive=plan.exclusive, auto_delete=plan.auto_delete,
                                      arguments=plan.arguments)
            except conn.channel_errors as e:
                if not _pulse.existing_classic_queue(plan, e):
                    raise _pulse.refused(self._target, "declaring queue %r" % plan.name,
                                         e) from None
                # the refusal closed the channel: a new one, and the queue as it is
                _pulse.classic_kept(self._target, plan)
                channel = conn.channel()
                channel.queue_declare(queue=plan.name, passive=True)
            for b in self._bindings:
                try:
                    channel.queue_bind(queue=plan.name, exchange=b.exchange,
                                       routing_key=b.routingKeyPattern)
                except conn.channel_errors as e:
                    raise _pulse.refused(self._target, "binding to exchange %r with %r"
                                         % (b.exchange, b.routingKeyPattern), e) from None
            channel.basic_qos(0, self._opts.prefetch, False)
            channel.basic_consume(queue=plan.name, callback=self._deliver, no_ack=False)
        except BaseException:
            conn.release()
            raise
        self._conn, self._channel, self.queueName = conn, channel, plan.name
        self.connections += 1

    def _drop(self) -> None:
        conn, self._conn, self._channel = self._conn, None, None
        if conn is not None:
            try:
                conn.release()
            except Exception:  # already broken: nothing to close cleanly
                pass

    def _reopen(self) -> bool:
        """Reconnect after a loss, with lib-pulse's spacing, until it works or stop()."""
        while not self._stopping.is_set():
            wait = self._reconnect.delay(time.monotonic())
            if wait and self._stopping.wait(wait):
                return False
            try:
                self._open()
                log.info("pulse: reconnected to %s", self._target.display())
                return True
            except (PulseError, *_errors()) as e:
                log.warning("pulse: reconnecting to %s failed: %s", self._target.display(),
                            self._target.scrub(str(e)))
        return False

    def __enter__(self) -> "Consumer":
        if self._conn is None:
            self._open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (an ephemeral queue goes with it)."""
        self._stopping.set()
        self._drop()

    def stop(self) -> None:
        """Make run() return (within a second), from any thread or the handler."""
        self._stopping.set()

    # -- consuming -------------------------------------------------------------

    def _deliver(self, raw) -> None:
        info = raw.delivery_info
        msg = self._decoder.message(raw.body, info["exchange"], info["routing_key"],
                                    info.get("redelivered"),
                                    raw.properties.get("application_headers"))
        tag = info["delivery_tag"]
        channel = raw.channel
        try:
            self._handler(msg)  # type: ignore[misc]
        except Exception as e:
            channel.basic_reject(tag, requeue=_pulse.handler_failed(self.queueName, msg, e))
        else:
            channel.basic_ack(tag)

    def run(self, handler: Callable[[Message], Any]) -> None:
        """Call ``handler(message)`` for each message, one at a time, until stop().
        Connects first when not in a ``with`` block (a failure then raises
        PulseConnectionError); later losses reconnect by themselves."""
        if not callable(handler):
            raise _pulse._input_error("pulse.Consumer.run", "handler", "handler must be "
                                      "callable with one Message, not %s"
                                      % type(handler).__name__)
        self._stopping.clear()
        self._handler = handler
        if self._conn is None:
            self._open()
        errors = _errors(self._conn)
        timeout = socket.timeout
        poll = _pulse.POLL_INTERVAL
        next_beat = time.monotonic() + 10
        try:
            while not self._stopping.is_set():
                conn = self._conn
                try:
                    conn.drain_events(timeout=poll)
                except timeout:
                    pass
                except errors as e:
                    if self._stopping.is_set():
                        break
                    log.warning("pulse: connection to %s lost (%s: %s); reconnecting",
                                self._target.display(), type(e).__name__,
                                self._target.scrub(str(e)))
                    self._drop()
                    if not self._reopen():
                        break
                    next_beat = time.monotonic() + 10
                    continue
                now = time.monotonic()
                if now >= next_beat:
                    next_beat = now + 10
                    try:
                        conn.heartbeat_check()
                    except errors:
                        pass  # the next drain_events sees the loss
        finally:
            self._handler = None


class Publisher:
    """Publishes JSON messages to topic exchanges, as Taskcluster's services do
    (for tests and tools).  ``publish`` declares the exchange (topic, durable)
    the first time it is used, waits for the broker's confirm, and
    reconnects once if the connection was lost.  Thread-safe."""

    _label = "pulse.Publisher"

    def __init__(self, url: Optional[str] = None) -> None:
        self._target = _pulse.endpoint(self._label, url)
        self._lock = threading.Lock()
        self._conn = None
        self._channel = None
        self._declared: set = set()

    def __repr__(self) -> str:
        return "<pulse.Publisher on %s>" % self._target.display()

    def __enter__(self) -> "Publisher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _open(self):
        conn = _connection(self._target, confirm=True)
        try:
            conn.connect()
            channel = conn.channel()
        except Exception as e:
            conn.release()
            raise _pulse.connect_failed(self._target, e) from None
        self._conn, self._channel, self._declared = conn, channel, set()
        return channel

    def publish(self, exchange: str, routingKey: str, payload: Any,
                cc: Iterable[str] = ()) -> None:
        """Publish ``payload`` (as JSON) to ``exchange`` with ``routingKey``; ``cc``:
        further routing keys (Taskcluster's ``route.<route>``), sent in the CC header."""
        if not isinstance(cc, (list, tuple, str, bytes)):
            cc = list(cc)
        body, routes = _pulse.publish_args(self._label + ".publish", exchange, routingKey,
                                           payload, cc)
        self._retrying("publishing to %r" % exchange,
                       lambda channel: self._send(channel, exchange, routingKey, body, routes))

    def declare(self, *exchanges: str) -> None:
        """Declare topic exchanges (durable) ahead of publishing, so that queues can
        be bound to them first; declaring one again is harmless."""
        for i, exchange in enumerate(exchanges):
            if not isinstance(exchange, str) or not exchange:
                raise _pulse._input_error(self._label + ".declare", "exchanges[%d]" % i,
                                          "an exchange must be a non-empty str, not %r"
                                          % (exchange,))

        def declare(channel):
            for exchange in exchanges:
                self._declare(channel, exchange)
        self._retrying("declaring %s" % ", ".join(map(repr, exchanges)), declare)

    def _retrying(self, what: str, action) -> None:
        import amqp
        with self._lock:
            for attempt in (0, 1):
                channel = self._channel or self._open()
                try:
                    action(channel)
                    return
                except amqp.exceptions.ChannelError as e:
                    # refused (no such exchange, no permission): trying again cannot help
                    self._drop()
                    raise _pulse.refused(self._target, what, e) from None
                except _errors() as e:
                    self._drop()
                    if attempt:
                        raise _pulse.refused(self._target, what, e) from None
                    log.info("pulse: publisher's connection to %s lost; reconnecting",
                             self._target.display())

    def _declare(self, channel, exchange: str) -> None:
        if exchange not in self._declared:
            channel.exchange_declare(exchange, "topic", durable=True, auto_delete=False)
            self._declared.add(exchange)

    def _send(self, channel, exchange, routingKey, body, routes) -> None:
        import amqp
        self._declare(channel, exchange)
        headers = {"CC": routes} if routes else {}
        message = amqp.Message(body, content_type="application/json",
                               content_encoding="utf-8", delivery_mode=2,
                               application_headers=headers)
        channel.basic_publish(message, exchange=exchange, routing_key=routingKey)

    def _drop(self) -> None:
        conn, self._conn, self._channel = self._conn, None, None
        if conn is not None:
            try:
                conn.release()
            except Exception:
                pass

    def close(self) -> None:
        with self._lock:
            self._drop()


def publish(exchange: str, routingKey: str, payload: Any, cc: Iterable[str] = (), *,
            url: Optional[str] = None) -> None:
    """Publish one message (a Publisher opened and closed for it)."""
    with Publisher(url) as publisher:
        publisher.publish(exchange, routingKey, payload, cc)
