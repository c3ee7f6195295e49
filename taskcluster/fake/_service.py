"""What a fake service's backend is, and what it may ask of the deployment.

A backend is plain Python over in-memory state, one module per service
(``taskcluster/fake/queue.py``, ``auth.py``, ...), with one method per
function of the service's reference, named as the reference names it
(``createTask``, ``claimWork``, ...).  The router (built from the references)
authenticates the caller, validates the payload against the input schema and
then calls ``backend.<method>(call)``; a test may call a backend directly,
without HTTP.

A handler returns what the service answers:

- a JSON-able value: a 200 with that JSON body;
- ``None``: a 204 with no body (only where the reference has no output);
- a :class:`Redirect`: a 303 (or the given status) with a JSON body and a
  ``Location`` header;

or raises :class:`FakeError` for a Taskcluster error answer.

Scopes: before the handler runs, the router fills the method's scope
expression from the route parameters and those derivable from the payload
(``taskcluster.scopes.requiredScopes`` rules) and checks it.  Where the
expression needs a parameter that only the service's state knows (the
provisionerId of a stored task, say), the router leaves the check to the
handler, which must call ``call.authorize(param=value, ...)`` before it
changes or reveals anything, as the real services call ``req.authorize``.
"""

from __future__ import annotations

import datetime
from typing import Any, Dict, Mapping, Optional, Tuple

__all__ = ["FakeError", "Redirect", "Call", "Backend", "jsonDate"]


class FakeError(Exception):
    """A Taskcluster error answer: ``{"code": code, "message": message, ...}``.

    ``status`` is the HTTP status (400 InputError, 403 InsufficientScopes,
    404 ResourceNotFound, 409 RequestConflict, ...); ``details`` are extra
    keys of the body (the real services send ``requestInfo``; a 403 names
    the required expression)."""

    def __init__(self, status: int, code: str, message: str,
                 details: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = dict(details or {})

    def body(self) -> Dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.details}


class Redirect:
    """An answer that redirects: ``status`` (303 unless told), a ``Location``
    header of ``url``, and ``body`` as its JSON body (the queue's artifact
    redirects carry ``{"storageType": ..., "url": ...}``)."""

    def __init__(self, url: str, body: Any = None, status: int = 303) -> None:
        self.url = url
        self.body = body if body is not None else {"url": url}
        self.status = status


class Call:
    """One authenticated, validated call as a backend sees it.

    ``params`` are the route parameters (strings), ``query`` the query
    string's keys, ``payload`` the parsed JSON body (None without one),
    ``clientId`` the caller (None when anonymous) and ``scopes`` the caller's
    effective scopes, already expanded through roles and narrowed by
    ``authorizedScopes``.  The router makes these; :meth:`authorize` and
    :meth:`satisfies` are its checks."""

    def __init__(self, *, service: str, method: str, params: Mapping[str, str],
                 query: Mapping[str, str], payload: Any, clientId: Optional[str],
                 scopes: Tuple[str, ...], authorizer: Any, rootUrl: str = "") -> None:
        self.service = service
        self.method = method
        self.params = dict(params)
        self.query = dict(query)
        self.payload = payload
        self.clientId = clientId
        self.scopes = scopes
        self.rootUrl = rootUrl
        self._authorizer = authorizer
        self.authorized = False
        # The HTTP request as it came (method, resource, host, port,
        # authorization), for the few methods that authenticate a request
        # themselves (auth's testAuthenticate); None for a call one service
        # makes on another.
        self.request: Optional[Dict[str, Any]] = None

    def authorize(self, **params: Any) -> None:
        """Check the method's scope expression, filled with the route
        parameters and ``params``; raise a 403 ``InsufficientScopes``
        :class:`FakeError` when the caller's scopes do not satisfy it."""
        self._authorizer(self, params)
        self.authorized = True

    def satisfies(self, expression: Any) -> bool:
        """Whether the caller's scopes satisfy ``expression``."""
        from ..scopes import satisfiesExpression
        return satisfiesExpression(list(self.scopes), expression)


class Backend:
    """Base of every service's backend.

    ``self.deployment`` offers what a service needs beyond its own state:

    - ``now()``: the deployment's clock (a UTC ``datetime``), which
      ``advance(seconds)`` moves; every time a backend stores or compares
      comes from it;
    - ``publish(exchange, routingKey, payload, cc)``: a pulse message, as the
      real service would publish it (the exchange's full name,
      ``exchange/taskcluster-queue/v1/task-defined``; ``cc`` the ``route.<r>``
      routes); recorded in ``pulseMessages``;
    - ``temporaryCredentials(clientId, scopes, expires)``: temporary
      credentials (a dict of clientId, accessToken, certificate) that the
      deployment will accept, as the queue hands workers;
    - ``call(service, method, params, payload=None, query=None, *, clientId,
      scopes)``: a call on another service, through the same scope check and
      validation as one over HTTP (hooks creating a task, say), returning its
      answer or raising ``FakeError``;
    - ``backend(name)``: another service's backend, for reading its state;
    - ``url(path)``: an absolute URL on the deployment (``rootUrl + path``);
    - ``storage``: the deployment's own blob store, served over HTTP like S3
      (the transfer helpers PUT to and GET from its URLs unchanged; a URL's
      own token is its only authorization): ``putUrl(key, contentType,
      expires) -> str``, ``getUrl(key, expires) -> str``, ``get(key) ->
      (bytes, contentType) or None``, ``delete(key)``.

    ``reset()`` drops all state; ``tick(now)`` is called before each call and
    after ``advance()``, for what happens on a service's own clock (claims
    expiring, deadlines passing, secrets expiring).

    The deployment also offers ``loadClient(clientId)`` and
    ``expand(scopes)`` (a client's key and expanded scopes; role expansion)
    and ``staticClient(clientId)`` (the root and queue clients, which
    survive ``reset()``).  A backend naming methods in
    ``selfAuthenticating`` gets their requests unauthenticated, with
    ``call.request`` to check itself."""

    name = ""
    selfAuthenticating: frozenset = frozenset()

    def __init__(self, deployment: Any) -> None:
        self.deployment = deployment
        self.reset()

    def reset(self) -> None:
        """Drop all state."""

    def tick(self, now: datetime.datetime) -> None:
        """Bring the state up to ``now``."""

    # Every service's health and version methods, answered alike.

    def ping(self, call: Call) -> Any:
        return {"alive": True, "uptime": 0}

    def lbheartbeat(self, call: Call) -> Any:
        return {}

    def heartbeat(self, call: Call) -> Any:
        return {}

    def version(self, call: Call) -> Any:
        # The release of the bundled references the fake answers as.
        return {"source": "https://github.com/taskcluster/taskcluster", "version": "106.0.0",
                "commit": "fake", "build": "taskcluster.fake"}


def jsonDate(when: datetime.datetime) -> str:
    """``when`` as the services write dates: JavaScript's ``toJSON``
    (``2026-12-02T05:24:06.123Z``, milliseconds, UTC)."""
    when = when.astimezone(datetime.timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (when.microsecond // 1000)

