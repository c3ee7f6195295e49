"""The decisions of a pulse consumer, shared by the sync driver
(``taskcluster.pulse``, on kombu) and the async one (``taskcluster.aio.pulse``,
on aiormq): where to connect, what the queue is called and how it is
declared, what it is bound to, how a delivery becomes a :class:`Message`,
what happens to a message whose handler failed, and when to reconnect.

Nothing here talks to a broker or imports an AMQP library: the drivers carry
these decisions out, as ``_plan`` is the call plan under the sync and async
clients.  The behaviour is lib-pulse's (the Taskcluster services' own
consumer): queues ``queue/<namespace>/<name>``, durable and of quorum type;
a failed message requeued once, then dropped; at least 15 s between
connection attempts.
"""

from __future__ import annotations

import json
import logging
import os
import re
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple
from urllib.parse import quote, unquote, urlsplit

from .exceptions import TaskclusterConnectionError, TaskclusterFailure, TaskclusterInputError

__all__ = ["ConsumerBase", "Endpoint", "Binding", "Message", "PulseError", "PulseConnectionError",
           "endpoint", "bindings", "QueuePlan", "queue_plan", "message", "requeue_on_failure",
           "Reconnect", "check_payload", "MIN_RECONNECT_INTERVAL", "CONNECT_TIMEOUT",
           "HEARTBEAT", "POLL_INTERVAL"]

log = logging.getLogger("taskcluster.pulse")

# lib-pulse's timing: a connection attempt no sooner than 15 s after the
# last one; 30 s to connect; a 120 s heartbeat.
MIN_RECONNECT_INTERVAL = 15.0
CONNECT_TIMEOUT = 30.0
HEARTBEAT = 120
# How often a blocked run() looks at stop(): run() returns within this of it.
POLL_INTERVAL = 1.0
# RabbitMQ refuses a routing key (or pattern) longer than 255 bytes.
_MAX_KEY = 255


class PulseError(TaskclusterFailure):
    """The broker refused something the consumer or publisher asked of it
    (a binding to an exchange that does not exist, a queue it may not use)."""


class PulseConnectionError(PulseError, TaskclusterConnectionError):
    """The first connection to the broker failed: unreachable host, wrong
    credentials, timeout.  The message names the host, never the password."""


def _input_error(label: str, argument: str, what: str) -> TaskclusterInputError:
    return TaskclusterInputError("%s: %s" % (label, what), method=label, argument=argument)


# -- where to connect --------------------------------------------------------

class Endpoint(NamedTuple):
    """A broker address.  Its text form and repr leave the password out."""
    tls: bool
    host: str
    port: int
    vhost: str
    username: str
    password: str

    def display(self) -> str:
        user = quote(self.username, safe="") + "@" if self.username else ""
        return "%s://%s%s:%d/%s" % ("amqps" if self.tls else "amqp", user, self.host,
                                    self.port, quote(self.vhost, safe=""))

    def url(self) -> str:
        """The full URL, password included: for the AMQP library only."""
        creds = ""
        if self.username or self.password:
            creds = "%s:%s@" % (quote(self.username, safe=""), quote(self.password, safe=""))
        return "%s://%s%s:%d/%s" % ("amqps" if self.tls else "amqp", creds, self.host,
                                    self.port, quote(self.vhost, safe=""))

    def __repr__(self) -> str:
        return "Endpoint(%s)" % self.display()

    __str__ = display

    def scrub(self, text: str) -> str:
        """``text`` with the password (plain or URL-quoted) masked."""
        for secret in {self.password, quote(self.password, safe="")}:
            if secret:
                text = text.replace(secret, "***")
        return text


def _flag(value: str) -> bool:
    return value.strip().lower() not in ("0", "false", "no", "off", "")


def endpoint(label: str, url: Optional[str], environ: Optional[Mapping[str, str]] = None
             ) -> Endpoint:
    """The broker to use: ``url`` (``amqp://`` or ``amqps://user:pass@host:port/vhost``),
    else the environment as Mozilla's tools set it: ``PULSE_HOST`` (required then),
    ``PULSE_USERNAME``, ``PULSE_PASSWORD``, ``PULSE_VHOST`` (default ``/``), and, for
    a broker other than pulse.mozilla.org, ``PULSE_PORT`` and ``PULSE_SSL=0``.  A URL
    without credentials takes ``PULSE_USERNAME``/``PULSE_PASSWORD``."""
    env = os.environ if environ is None else environ
    user_env, password_env = env.get("PULSE_USERNAME", ""), env.get("PULSE_PASSWORD", "")
    if url is None:
        host = env.get("PULSE_HOST", "")
        if not host:
            raise _input_error(label, "url", "no broker given: pass url='amqps://user:pass@host"
                               "/vhost' or set PULSE_HOST (with PULSE_USERNAME and "
                               "PULSE_PASSWORD)")
        tls = _flag(env.get("PULSE_SSL", "1"))
        port_text = env.get("PULSE_PORT") or ("5671" if tls else "5672")
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise _input_error(label, "url", "PULSE_PORT must be a port number, not %r"
                               % port_text)
        return Endpoint(tls, host, int(port_text), env.get("PULSE_VHOST") or "/",
                        user_env, password_env)
    if not isinstance(url, str):
        raise _input_error(label, "url", "url must be a str such as 'amqps://user:pass@host"
                           "/vhost', not %s" % type(url).__name__)
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError:
        parts, port, host = None, None, None
    password = unquote(parts.password or "") if parts is not None else ""
    if parts is None or parts.scheme not in ("amqp", "amqps") or not host:
        shown = url.replace(password, "***") if password else url
        if parts is not None and parts.password:
            shown = shown.replace(parts.password, "***")
        raise _input_error(label, "url", "url must be 'amqp://' or 'amqps://user:pass@host"
                           "[:port]/vhost', not %r" % shown)
    tls = parts.scheme == "amqps"
    vhost = unquote(parts.path[1:]) if parts.path not in ("", "/") else "/"
    username = unquote(parts.username or "") or user_env
    if parts.username is None:
        password = password_env
    return Endpoint(tls, host, port or (5671 if tls else 5672), vhost, username, password)


# -- bindings -----------------------------------------------------------------

class Binding(NamedTuple):
    exchange: str
    routingKeyPattern: str
    # ((part name, multipleWords), ...) from the exchange's reference, if known
    parts: Optional[Tuple[Tuple[str, bool], ...]]


_bundled: Optional[Dict[str, Tuple[Any, str]]] = None


def _bundled_exchanges() -> Dict[str, Tuple[Any, str]]:
    """Every exchange of the references -> (its entry, its service), built once."""
    global _bundled
    if _bundled is None:
        from . import _references
        from ._services import SERVICES
        found = {}
        for className, (_, kind) in SERVICES.items():
            if kind != "exchanges":
                continue
            ref = _references.load(className)
            for entry in ref.entries.values():
                found[(ref.exchangePrefix or "") + entry.exchange] = (entry, ref.serviceName)
        _bundled = found
    return _bundled


def _parts_of(reference: Any) -> Tuple[Tuple[str, bool], ...]:
    return tuple((str(p["name"]), bool(p.get("multipleWords"))) for p in reference)


def bindings(label: str, given: Any) -> Tuple[Binding, ...]:
    """Check the consumer's bindings: the dicts an Events class returns, or
    ``{"exchange", "routingKeyPattern"}`` dicts.  Refused at once, saying what
    is wrong with which one."""
    if isinstance(given, (str, bytes, Mapping)) or not isinstance(given, (list, tuple)):
        raise _input_error(label, "bindings", "bindings must be a list of dicts such as "
                           "QueueEvents().taskCompleted(taskGroupId=...), not %s"
                           % type(given).__name__)
    out = []
    for i, b in enumerate(given):
        where = "bindings[%d]" % i
        if not isinstance(b, Mapping):
            raise _input_error(label, where, "%s must be a dict with 'exchange' and "
                               "'routingKeyPattern', not %s" % (where, type(b).__name__))
        exchange = b.get("exchange")
        if not isinstance(exchange, str) or not exchange:
            raise _input_error(label, where, "%s has no 'exchange' (a non-empty str naming "
                               "the exchange, e.g. 'exchange/taskcluster-queue/v1/task-"
                               "completed'); its keys: %s" % (where, ", ".join(map(str, b))))
        pattern = b.get("routingKeyPattern", "#")
        if not isinstance(pattern, str) or not pattern:
            raise _input_error(label, where, "%s: 'routingKeyPattern' must be a non-empty str "
                               "such as 'primary.*.#', not %r" % (where, pattern))
        if len(pattern.encode("utf-8")) > _MAX_KEY:
            raise _input_error(label, where, "%s: 'routingKeyPattern' is longer than %d "
                               "bytes, which the broker refuses" % (where, _MAX_KEY))
        reference = b.get("routingKeyReference")
        if reference is not None:
            try:
                parts: Optional[Tuple[Tuple[str, bool], ...]] = _parts_of(reference)
            except (TypeError, KeyError, AttributeError):
                raise _input_error(label, where, "%s: 'routingKeyReference' must be a list of "
                                   "{'name', 'multipleWords'} dicts, as the Events classes "
                                   "give" % where) from None
        else:
            known = _bundled_exchanges().get(exchange)
            parts = _parts_of(known[0].raw_routing_key) if known else None
        out.append(Binding(exchange, pattern, parts))
    return tuple(out)


_checked_bindings = bindings


# -- the queue ------------------------------------------------------------------

class QueuePlan(NamedTuple):
    name: str
    durable: bool
    exclusive: bool
    auto_delete: bool
    arguments: Dict[str, Any]


class QueueOptions(NamedTuple):
    namespace: str
    queueName: Optional[str]
    ephemeral: bool
    prefetch: int
    maxLength: Optional[int]
    minReconnectInterval: float


def options(label: str, endpoint: Endpoint, queueName: Any, ephemeral: Any, prefetch: Any,
            maxLength: Any, namespace: Any, minReconnectInterval: Any) -> QueueOptions:
    """Check the consumer's queue options, before anything is sent."""
    if not isinstance(ephemeral, bool):
        raise _input_error(label, "ephemeral", "ephemeral must be True or False, not %r"
                           % (ephemeral,))
    if queueName is None and not ephemeral:
        raise _input_error(label, "queueName", "queueName is required for a durable queue "
                           "(it is 'queue/<namespace>/<queueName>'); pass ephemeral=True for a "
                           "temporary queue with a fresh name")
    if queueName is not None and (not isinstance(queueName, str) or not queueName):
        raise _input_error(label, "queueName", "queueName must be a non-empty str, not %r"
                           % (queueName,))
    if isinstance(prefetch, bool) or not isinstance(prefetch, int) or not 1 <= prefetch <= 65535:
        raise _input_error(label, "prefetch", "prefetch must be an int from 1 to 65535 (the "
                           "most unacknowledged messages at once), not %r" % (prefetch,))
    if maxLength is not None and (isinstance(maxLength, bool) or not isinstance(maxLength, int)
                                  or maxLength < 1):
        raise _input_error(label, "maxLength", "maxLength must be a positive int or None, not %r"
                           % (maxLength,))
    if namespace is None:
        namespace = endpoint.username
        if not namespace:
            raise _input_error(label, "namespace", "no namespace: the URL has no username; "
                               "pass namespace=... (queues are 'queue/<namespace>/<name>')")
    elif not isinstance(namespace, str) or not namespace:
        raise _input_error(label, "namespace", "namespace must be a non-empty str, not %r"
                           % (namespace,))
    if (isinstance(minReconnectInterval, bool)
            or not isinstance(minReconnectInterval, (int, float))
            or not minReconnectInterval >= 0):
        raise _input_error(label, "minReconnectInterval", "minReconnectInterval must be a "
                           "number of seconds >= 0, not %r" % (minReconnectInterval,))
    name = "queue/%s/%s" % (namespace, queueName or "ephemeral")
    if len(name.encode("utf-8")) > _MAX_KEY - 24:
        raise _input_error(label, "queueName", "queueName is too long: the queue %r would pass "
                           "the broker's 255 bytes (with room for an ephemeral suffix, at most "
                           "%d)" % (name, _MAX_KEY - 24))
    return QueueOptions(namespace, queueName, ephemeral, prefetch, maxLength,
                        float(minReconnectInterval))


def queue_plan(opts: QueueOptions) -> QueuePlan:
    """The queue to declare on a new connection.  Durable: ``queue/<namespace>/<queueName>``,
    not exclusive, not auto-delete, of quorum type (a broker older than 3.8 ignores
    the type and makes a classic queue).  Ephemeral: a fresh name on each
    connection, exclusive and auto-delete (which a quorum queue cannot be)."""
    arguments: Dict[str, Any] = {}
    if opts.maxLength is not None:
        arguments["x-max-length"] = opts.maxLength
    base = "queue/%s/%s" % (opts.namespace, opts.queueName or "ephemeral")
    if opts.ephemeral:
        from ._slugid import nice
        return QueuePlan("%s/%s" % (base, nice()), False, True, True, arguments)
    arguments["x-queue-type"] = "quorum"
    return QueuePlan(base, True, False, False, arguments)


def existing_classic_queue(plan: QueuePlan, error: BaseException) -> bool:
    """Whether the broker refused ``plan`` only because the queue already exists
    as a classic queue (made before quorum queues, or by another consumer): the
    consumer then uses that queue as it is, as lib-pulse's consumers kept
    their classic queues until they were deleted."""
    text = str(error)
    return ("x-queue-type" in plan.arguments and "PRECONDITION_FAILED" in text
            and "x-queue-type" in text)


def classic_kept(target: Endpoint, plan: QueuePlan) -> None:
    log.warning("pulse: queue %r on %s exists as a classic queue; using it as it is (delete "
                "it to have it made again as a quorum queue)", plan.name, target.display())


# -- a delivery ---------------------------------------------------------------

class Message:
    """One message from pulse.

    ``payload`` (parsed JSON), ``exchange``, ``routingKey``, ``redelivered``
    (a bool), ``routes`` (the CC routes without ``route.``, in their order),
    ``routing`` (the routing key's parts by name, as strings, from the
    exchange's reference; ``{}`` for an exchange without one), ``body`` (the
    raw bytes) and ``isJson`` (False when the body is not JSON: ``payload`` is
    then None and ``body`` holds what came)."""

    __slots__ = ("payload", "body", "isJson", "exchange", "routingKey", "redelivered",
                 "routes", "_parts", "_routing")

    def __init__(self, payload, body, isJson, exchange, routingKey, redelivered, routes, parts):
        self.payload = payload
        self.body = body
        self.isJson = isJson
        self.exchange = exchange
        self.routingKey = routingKey
        self.redelivered = redelivered
        self.routes = routes
        self._parts = parts
        self._routing = None

    @property
    def routing(self) -> Dict[str, str]:
        if self._routing is None:
            self._routing = routing(self._parts, self.routingKey)
        return self._routing

    def validate(self) -> None:
        """Check ``payload`` against the exchange's message schema (for an exchange of
        the references); raises TaskclusterInputError naming what is wrong."""
        check_payload(self.exchange, self.payload, self.isJson)

    def __repr__(self) -> str:
        return "<pulse Message %s %s%s>" % (self.exchange, self.routingKey,
                                            " (redelivered)" if self.redelivered else "")


def routing(parts: Optional[Sequence[Tuple[str, bool]]], routingKey: str) -> Dict[str, str]:
    """The routing key's words by part name, as lib-pulse splits them: single
    words from the front up to the multi-word part, single words from the back
    after it, and what is left, joined with dots, to the multi-word part."""
    if not parts:
        return {}
    words = routingKey.split(".")
    out: Dict[str, str] = {}
    i = 0
    while i < len(parts) and not parts[i][1]:
        if i < len(words):
            out[parts[i][0]] = words[i]
        i += 1
    if i < len(parts):
        rest = words[i:]
        j = len(parts) - 1
        while j > i and not parts[j][1]:
            if rest:
                out[parts[j][0]] = rest.pop()
            j -= 1
        out[parts[i][0]] = ".".join(rest)
    return out


class Decoder:
    """Turns deliveries into Messages for one consumer's bindings."""

    def __init__(self, bound: Sequence[Binding]):
        self._parts: Dict[str, Any] = {}
        for b in bound:
            if b.parts is not None:
                self._parts[b.exchange] = b.parts

    def parts(self, exchange: str):
        parts = self._parts.get(exchange)
        if parts is None:
            known = _bundled_exchanges().get(exchange)
            parts = self._parts[exchange] = _parts_of(known[0].raw_routing_key) if known else ()
        return parts

    def message(self, body: Any, exchange: str, routingKey: str, redelivered: Any,
                headers: Optional[Mapping[str, Any]]) -> Message:
        if isinstance(body, str):
            body = body.encode("utf-8")
        else:
            body = bytes(body)
        try:
            payload, isJson = json.loads(body), True
        except ValueError:  # also UnicodeDecodeError
            payload, isJson = None, False
        routes: List[str] = []
        cc = headers.get("CC") if headers else None
        if isinstance(cc, (list, tuple)):
            for route in cc:
                if isinstance(route, bytes):
                    route = route.decode("utf-8", "replace")
                if isinstance(route, str) and route.startswith("route."):
                    routes.append(route[6:])
        return Message(payload, body, isJson, exchange, routingKey, bool(redelivered),
                       routes, self.parts(exchange))


def message(bound: Sequence[Binding], body: Any, exchange: str, routingKey: str,
            redelivered: Any, headers: Optional[Mapping[str, Any]]) -> Message:
    """One delivery as a Message (see :class:`Decoder` for many)."""
    return Decoder(bound).message(body, exchange, routingKey, redelivered, headers)


def check_payload(exchange: str, payload: Any, isJson: bool = True) -> None:
    """Refuse ``payload`` unless it matches the message schema of ``exchange``."""
    label = "pulse.Message.validate"
    if not isJson:
        raise _input_error(label, "payload", "the message on %s is not JSON" % exchange)
    known = _bundled_exchanges().get(exchange)
    if known is None:
        raise _input_error(label, "exchange", "%s is not an exchange of the references, so "
                           "its schema is unknown" % exchange)
    entry, service = known
    if not entry.schema:
        return
    from . import _schemas
    check = _schemas.validator(_schemas.schema_path(service, entry.schema))
    try:
        check(payload)
    except Exception as e:
        from fastjsonschema import JsonSchemaValueException
        if not isinstance(e, JsonSchemaValueException):
            raise
        keys, problem = _schemas._problem(e, payload)
        where = _schemas.json_path("payload", keys)
        raise TaskclusterInputError(
            "%s: %s %s (rule %r of schema %s, exchange %s)" % (
                label, where, problem, e.rule, entry.schema, exchange),
            method=label, argument="payload", path=where, rule=e.rule) from None


def requeue_on_failure(redelivered: bool) -> bool:
    """lib-pulse's rule for a message whose handler raised: requeue it the
    first time; drop it (nack without requeue) once it was redelivered."""
    return not redelivered


def handler_failed(queue: str, msg: Message, error: BaseException) -> bool:
    """Log a failed handler; True when the message is to be requeued."""
    again = requeue_on_failure(msg.redelivered)
    if again:
        log.warning("pulse: handler failed on %s %s (%s: %s); requeued once", msg.exchange,
                    msg.routingKey, type(error).__name__, error)
    else:
        log.error("pulse: handler failed again on redelivered %s %s from %s; dropped",
                  msg.exchange, msg.routingKey, queue, exc_info=error)
    return again


# -- reconnection ---------------------------------------------------------------

class Reconnect:
    """lib-pulse's timing: a connection attempt no sooner than
    ``minInterval`` seconds after the previous attempt."""

    def __init__(self, minInterval: float = MIN_RECONNECT_INTERVAL):
        self.minInterval = minInterval
        self._last: Optional[float] = None

    def attempt(self, now: float) -> None:
        self._last = now

    def delay(self, now: float) -> float:
        if self._last is None:
            return 0.0
        return max(0.0, self._last + self.minInterval - now)


class ConsumerBase:
    """What both drivers' ``Consumer`` settle once, before any connection: the
    broker, the checked bindings and queue options, the decoder and the
    reconnection timing (so a bad argument is refused at construction, alike
    in both).  A driver adds its own state in ``_driver_state()``."""

    _label = "pulse.Consumer"

    def __init__(self, bindings: Sequence[Any], *, url: Optional[str] = None,
                 queueName: Optional[str] = None, ephemeral: bool = False, prefetch: int = 5,
                 maxLength: Optional[int] = None, namespace: Optional[str] = None,
                 minReconnectInterval: float = MIN_RECONNECT_INTERVAL) -> None:
        self._target = endpoint(self._label, url)
        self._bindings = _checked_bindings(self._label, bindings)
        self._opts = options(self._label, self._target, queueName, ephemeral, prefetch,
                             maxLength, namespace, minReconnectInterval)
        self._decoder = Decoder(self._bindings)
        self._reconnect = Reconnect(self._opts.minReconnectInterval)
        self._conn: Any = None
        self._channel: Any = None
        self.queueName: Optional[str] = None   # the queue's full name, once declared
        self.connections = 0                   # connections made so far
        self._driver_state()

    def _driver_state(self) -> None:
        """The driver's own state, set at construction."""


def connect_failed(target: Endpoint, error: BaseException) -> PulseConnectionError:
    """The error for a failed first connection: the host, never the password."""
    text = target.scrub("%s: %s" % (type(error).__name__, error))
    hint = ""
    if re.search(r"ACCESS_REFUSED|403|authentication", text, re.I):
        hint = " (check the username and password)"
    return PulseConnectionError("pulse: cannot connect to %s: %s%s" % (target.display(), text,
                                                                       hint),
                                url=target.display())


def refused(target: Endpoint, what: str, error: BaseException) -> PulseError:
    """The error for a declaration or binding the broker refused."""
    return PulseError("pulse: the broker at %s refused %s: %s" % (
        target.display(), what, target.scrub(str(error))), url=target.display())


# -- publishing --------------------------------------------------------------------

def publish_args(label: str, exchange: Any, routingKey: Any, payload: Any, cc: Any
                 ) -> Tuple[bytes, List[str]]:
    """Check what is to be published; the JSON body and the CC list."""
    if not isinstance(exchange, str) or not exchange:
        raise _input_error(label, "exchange", "exchange must be a non-empty str, not %r"
                           % (exchange,))
    if not isinstance(routingKey, str) or not routingKey:
        raise _input_error(label, "routingKey", "routingKey must be a non-empty str, not %r"
                           % (routingKey,))
    if len(routingKey.encode("utf-8")) > _MAX_KEY:
        raise _input_error(label, "routingKey", "routingKey is longer than %d bytes" % _MAX_KEY)
    if isinstance(cc, (str, bytes)) or not isinstance(cc, (list, tuple)):
        raise _input_error(label, "cc", "cc must be a list of routing keys (e.g. "
                           "['route.index.x']), not %s" % type(cc).__name__)
    for i, route in enumerate(cc):
        if not isinstance(route, str) or not route:
            raise _input_error(label, "cc", "cc[%d] must be a non-empty str, not %r"
                               % (i, route))
    try:
        body = json.dumps(payload, separators=(",", ":"), allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as e:
        raise _input_error(label, "payload", "payload must be JSON-serializable: %s" % e
                           ) from None
    return body, list(cc)
