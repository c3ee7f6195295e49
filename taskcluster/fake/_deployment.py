"""The fake deployment: one HTTP server, eight services' routes, one auth.

Every request goes the same way (:meth:`FakeDeployment.handle`): route it
from the references; a method whose service has no backend, or whose
backend has no handler, answers 501 ``NotImplemented`` (before anything
else is looked at); authenticate (Hawk header, bewit, or anonymous); parse
and validate the payload against the input schema (400); fill the method's
scope expression and check it with the caller's expanded scopes (403), or
leave it to the handler when only the service's state knows a parameter;
call the handler; turn its answer into HTTP.  A call one service makes on
another (:meth:`FakeDeployment.call`) takes the same way after the
authentication.
"""

from __future__ import annotations

import datetime
import importlib
import json
import re
import secrets
import threading
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import parse_qsl

from ._authn import AuthFailure, ClientRecord, Identity, authenticate, strip_bewit
from ._router import Router
from ._scopecheck import MissingParameter, denial, fill, satisfies
from ._service import Backend, Call, FakeError, Redirect, jsonDate
from ._storage import PREFIX, Storage

__all__ = ["FakeDeployment", "ROOT_CLIENT_ID"]

ROOT_CLIENT_ID = "static/taskcluster/root"
# The client the queue issues workers' temporary credentials with, as the
# real queue uses its own static client.
QUEUE_CLIENT_ID = "static/taskcluster/queue"

# service -> module under taskcluster.fake
_MODULES = {"auth": "auth", "queue": "queue", "index": "index", "secrets": "secrets",
            "object": "object", "hooks": "hooks", "notify": "notify",
            "purge-cache": "purgecache"}
_API = re.compile(r"^/api/([^/]+)/v1(/.*)?$")
_JSON = {"Content-Type": "application/json; charset=utf-8"}
_MISSING = object()


def _json(status: int, body: Any, headers: Optional[Mapping[str, str]] = None):
    data = json.dumps(body, separators=(",", ":")).encode("utf-8")
    return status, dict(_JSON, **(headers or {})), data


def _host_and_port(host: str) -> Tuple[str, str]:
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        return name, rest[1:] if rest.startswith(":") else "80"
    name, sep, port = host.rpartition(":")
    if not sep:
        return host, "80"
    return name, port


# The services whose backends publish, by the class of their exchanges reference.
_PUBLISHERS = ("QueueEvents", "HooksEvents", "NotifyEvents")


def pulse_exchanges() -> List[str]:
    """Every exchange the fake's backends publish to, full names, from the
    exchanges references (declared on ``pulseUrl``'s broker at start)."""
    from .._references import load
    names = []
    for className in _PUBLISHERS:
        reference = load(className)
        names += [reference.exchangePrefix + e.exchange for e in reference.entries.values()]
    return names


class FakeDeployment:
    """A Taskcluster deployment on loopback, in memory: auth, queue, index,
    secrets, object, hooks, notify and purge-cache at their real URLs.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0,
                 pulseUrl: Optional[str] = None) -> None:
        self.host = host
        self._port = port
        self.pulseUrl = pulseUrl
        self.rootUrl = ""
        self.rootCredentials = {"clientId": ROOT_CLIENT_ID,
                                "accessToken": secrets.token_urlsafe(33)}
        self._static: Dict[str, ClientRecord] = {
            ROOT_CLIENT_ID: ClientRecord(self.rootCredentials["accessToken"], ("*",)),
            QUEUE_CLIENT_ID: ClientRecord(secrets.token_urlsafe(33), ("*",)),
        }
        self._offset = 0.0
        self._lock = threading.RLock()
        self._router = Router()
        self._backends: Dict[str, Optional[Backend]] = {}
        self._messages: List[Dict[str, Any]] = []
        self._publisher = None
        self._server = None
        self.storage = Storage(self.url, self.now)

    # -- life --------------------------------------------------------------

    def start(self) -> "FakeDeployment":
        """Listen on ``host:port`` (port 0: a free one) and serve in a
        background thread."""
        from ._server import HttpServer
        if self._server is not None:
            raise RuntimeError("FakeDeployment is already started at %s" % self.rootUrl)
        server = HttpServer(self.handle, self.host, self._port)
        port = server.start()
        self._server = server
        host = "[%s]" % self.host if ":" in self.host else self.host
        self.rootUrl = "http://%s:%d" % (host, port)
        if self.pulseUrl:
            try:
                # Declared now, so that a consumer can bind before the first message.
                self._broker().declare(*pulse_exchanges())
            except BaseException:
                self.stop()
                raise
        return self

    def stop(self) -> None:
        """Stop serving; the port is closed when this returns."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()
        publisher, self._publisher = self._publisher, None
        if publisher is not None:
            publisher.close()

    def __enter__(self) -> "FakeDeployment":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        return "<FakeDeployment %s>" % (self.rootUrl or "(not started)")

    # -- what tests use ----------------------------------------------------

    def now(self) -> datetime.datetime:
        """The deployment's clock: the wall clock plus every ``advance()``."""
        return datetime.datetime.now(datetime.timezone.utc) + \
            datetime.timedelta(seconds=self._offset)

    def advance(self, seconds: float) -> None:
        """Move the deployment's clock forward (deadlines, expiry, claims);
        signatures are still checked against the wall clock."""
        if seconds < 0:
            raise ValueError("FakeDeployment.advance: seconds must be >= 0, not %r" % seconds)
        with self._lock:
            self._offset += float(seconds)
            self._tick()

    @property
    def pulseMessages(self) -> List[Dict[str, Any]]:
        """Every message the services published, oldest first: dicts of
        ``exchange``, ``routingKey``, ``payload`` and ``CC``."""
        with self._lock:
            return list(self._messages)

    @property
    def notifications(self) -> List[Dict[str, Any]]:
        """What notify was asked to send, oldest first: dicts of ``method``
        (``email``, ``pulse``, ``matrix``, ``slack``) and ``payload``."""
        return self.backend("notify").sent()

    @property
    def purgeCacheRequests(self) -> List[Dict[str, Any]]:
        """What purge-cache was asked to purge, oldest first: dicts of
        ``workerPoolId``, ``cacheName`` and ``before``."""
        return self.backend("purge-cache").requests()

    def createClient(self, clientId: str, scopes: Sequence[str],
                     expires: Optional[datetime.datetime] = None) -> Dict[str, str]:
        """A client with ``scopes``; returns its ``clientId`` and ``accessToken``."""
        with self._lock:
            return self.backend("auth").addClient(clientId, list(scopes), expires)

    def reset(self) -> None:
        """Drop tasks, secrets, clients, roles, objects and recorded
        messages; keep the root credentials."""
        with self._lock:
            self._messages.clear()
            self.storage.clear()
            self._offset = 0.0
            for backend in self._backends.values():
                if backend is not None:
                    backend.reset()

    # -- what backends use -------------------------------------------------

    def url(self, path: str) -> str:
        return self.rootUrl + path

    def publish(self, exchange: str, routingKey: str, payload: Any,
                cc: Sequence[str] = ()) -> None:
        message = {"exchange": exchange, "routingKey": routingKey, "payload": payload,
                   "CC": list(cc)}
        with self._lock:
            self._messages.append(message)
            if self.pulseUrl:
                self._broker().publish(exchange, routingKey, payload, cc=tuple(cc))

    def _broker(self) -> Any:
        """The publisher to ``pulseUrl``, made on first use."""
        with self._lock:
            if self._publisher is None:
                from ..pulse import Publisher
                self._publisher = Publisher(self.pulseUrl)
            return self._publisher

    def temporaryCredentials(self, clientId: str, scopes: Sequence[str],
                             expires: datetime.datetime) -> Dict[str, str]:
        """Temporary credentials named ``clientId``, issued by the queue's
        static client, valid from 15 minutes ago until ``expires``."""
        from .._tempcreds import create_temporary_credentials
        start = self.now() - datetime.timedelta(minutes=15)
        record = self._static[QUEUE_CLIENT_ID]
        name = clientId if clientId != QUEUE_CLIENT_ID else None
        return create_temporary_credentials(QUEUE_CLIENT_ID, record.accessToken, start,
                                            expires, list(scopes), name)

    def backend(self, name: str) -> Any:
        """The backend of service ``name`` (None when the fake has none)."""
        found = self._backends.get(name, _MISSING)
        if found is _MISSING:
            with self._lock:
                found = self._backends.get(name, _MISSING)
                if found is _MISSING:
                    found = self._backends[name] = self._make(name)
        return found

    def _make(self, name: str) -> Optional[Backend]:
        module_name = _MODULES.get(name)
        if module_name is None:
            return None
        try:
            module = importlib.import_module("%s.%s" % (__package__, module_name))
        except ModuleNotFoundError as e:
            if e.name != "%s.%s" % (__package__, module_name):
                raise
            return None
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Backend) and \
                    value is not Backend and getattr(value, "name", "") == name:
                return value(self)
        return None

    def call(self, service: str, method: str, params: Mapping[str, str],
             payload: Any = None, query: Optional[Mapping[str, str]] = None, *,
             clientId: Optional[str], scopes: Sequence[str]) -> Any:
        """Call another service's method as ``clientId`` with ``scopes``
        (expanded through roles here), through the same validation and
        scope check as a call over HTTP; returns its answer or raises
        :class:`FakeError`."""
        entry = self._router.entry(service, method)
        with self._lock:
            handler = self._handler(service, method)
            expanded = self.expand(list(scopes) + ["assume:anonymous"])
            return self._run(entry, handler, dict(params), dict(query or {}), payload,
                             clientId, expanded)

    # -- auth, for the auth backend and the router ---------------------------

    def loadClient(self, clientId: str) -> ClientRecord:
        """A client's key and expanded scopes, or AuthFailure."""
        static = self._static.get(clientId)
        if static is not None:
            return ClientRecord(static.accessToken, self.expand(static.scopes))
        auth = self.backend("auth")
        if auth is None:
            raise AuthFailure("Client with clientId '%s' not found" % clientId)
        return auth.loadClient(clientId)

    def staticClient(self, clientId: str) -> Optional[ClientRecord]:
        return self._static.get(clientId)

    def expand(self, scopes: Sequence[str]) -> Tuple[str, ...]:
        auth = self.backend("auth")
        if auth is None:
            return tuple(scopes)
        return auth.expand(scopes)

    # -- the request pipeline ------------------------------------------------

    def _tick(self) -> None:
        now = self.now()
        for backend in list(self._backends.values()):
            if backend is not None:
                backend.tick(now)

    def _handler(self, service: str, method: str):
        backend = self.backend(service)
        handler = getattr(backend, method, None) if backend is not None else None
        if not callable(handler):
            raise FakeError(501, "NotImplemented",
                            "%s.%s is not implemented by the fake deployment "
                            "(taskcluster.fake)" % (service, method))
        return handler

    def handle(self, method: str, target: str, headers: Mapping[str, str],
               body: bytes) -> Tuple[int, Mapping[str, str], bytes]:
        """Answer one HTTP request: (status, headers, body)."""
        path, _, query = target.partition("?")
        if path.startswith(PREFIX):
            return self.storage.serve(method, target, headers, body)
        m = _API.match(path)
        if not m:
            return _json(404, {"code": "ResourceNotFound",
                               "message": "no such URL on this deployment: %s" % path})
        service, rest = m.group(1), m.group(2) or "/"
        entry, params, other = self._router.match(service, method, rest)
        if entry is None:
            if other:
                return _json(405, {"code": "MethodNotAllowed",
                                   "message": "%s takes no %s" % (path, method)})
            return _json(404, {"code": "ResourceNotFound",
                               "message": "no %s route %s on service %s" % (method, rest,
                                                                             service)})
        payload = None
        try:
            with self._lock:
                handler = self._handler(service, entry.name)
                self._tick()
                host, port = _host_and_port(headers.get("Host", ""))
                request = {"method": method, "resource": target, "host": host, "port": port,
                           "authorization": headers.get("Authorization")}
                try:
                    if entry.name in getattr(handler.__self__, "selfAuthenticating", ()):
                        identity = Identity(None, (), "none")
                    else:
                        identity = authenticate(
                            method, target, host, port, headers.get("Authorization"),
                            load_client=self.loadClient, expand=self.expand,
                            now_ms=int(self.now().timestamp() * 1000))
                except AuthFailure as e:
                    raise FakeError(401, "AuthenticationFailed", str(e)) from None
                fields = dict(parse_qsl(strip_bewit(target).partition("?")[2],
                                        keep_blank_values=True))
                if entry.input:
                    try:
                        payload = json.loads(body.decode("utf-8")) if body else {}
                    except ValueError:
                        raise FakeError(400, "MalformedPayload",
                                        "%s.%s: the request body is not JSON"
                                        % (service, entry.name)) from None
                answer = self._run(entry, handler, params, fields, payload,
                                   identity.clientId, identity.scopes, request)
        except FakeError as e:
            body = e.body()
            body.setdefault("requestInfo", {
                "method": entry.name, "params": params, "payload": _shown(service, payload),
                "time": jsonDate(self.now())})
            return _json(e.status, body)
        except Exception as e:  # a bug of the fake: still a Taskcluster error body
            return _json(500, {"code": "InternalServerError",
                               "message": "the fake deployment failed on %s.%s: %s: %s"
                               % (service, entry.name, type(e).__name__, e)})
        if isinstance(answer, Redirect):
            return _json(answer.status, answer.body, {"Location": answer.url})
        if answer is None:
            return 204, {}, b""
        return _json(200, answer)

    def _run(self, entry, handler, params: Dict[str, str], query: Dict[str, str],
             payload: Any, clientId: Optional[str], scopes: Tuple[str, ...],
             request: Optional[Dict[str, Any]] = None) -> Any:
        label = "%s.%s" % (entry.service, entry.name)
        if entry.input:
            from .._schemas import check_input
            from ..exceptions import TaskclusterInputError
            try:
                check_input(entry, payload, label)
            except TaskclusterInputError as e:
                raise FakeError(400, "InputValidationError", str(e)) from None
        call = Call(service=entry.service, method=entry.name, params=params, query=query,
                    payload=payload, clientId=clientId, scopes=scopes,
                    authorizer=self._authorizer(entry), rootUrl=self.rootUrl)
        # The HTTP request's method, target, host, port and Authorization
        # (None for a call from another service): for auth's methods that
        # authenticate a request themselves.
        call.request = request
        deferred = False
        if entry.scopes is not None:
            from ..exceptions import TaskclusterInputError
            try:
                call.authorize()
            except MissingParameter:
                deferred = True
            except TaskclusterInputError as e:
                raise FakeError(400, "InputError", str(e)) from None
        answer = handler(call)
        if deferred and not call.authorized:
            raise RuntimeError("%s's scopes need parameters the handler never gave "
                               "(call.authorize)" % label)
        return answer

    def _authorizer(self, entry):
        def authorize(call: Call, extra: Mapping[str, Any]) -> None:
            expression = self.requiredScopes(entry, call.params, call.payload, extra)
            if expression is None or satisfies(call.scopes, expression):
                return
            raise FakeError(403, "InsufficientScopes",
                            denial(call.clientId, call.scopes, expression))
        return authorize

    def requiredScopes(self, entry, params: Mapping[str, Any], payload: Any,
                       extra: Mapping[str, Any]) -> Any:
        """The method's scope expression filled from the route parameters,
        the payload and ``extra``; raises MissingParameter."""
        return fill(entry.service, entry.name, params, payload, extra)



def _shown(service: str, payload: Any) -> Any:
    """The payload as an error's ``requestInfo`` shows it: a secret's value
    left out, as the secrets service cleans it from its error answers."""
    if service == "secrets" and isinstance(payload, dict) and "secret" in payload:
        return dict(payload, secret="(hidden)")
    return payload
