"""Client classes built from the references, and the call path.

A call flows: bind the arguments (``_binding``) -> build the URL -> serialize
the payload once -> for each attempt: sign afresh (``_hawk``), send
(``_transport``), classify the answer (``_retry``).  ``buildUrl`` and
``buildSignedUrl`` use the very same binding and URL code as calls.
"""

from __future__ import annotations

import inspect
import json
import logging
import math
import random as _random
import threading
import time
from typing import Any, Callable, Dict, Iterator, Optional

from . import _hawk, _references
from ._binding import BoundCall, _route_path, bind
from ._exchanges import binding as exchange_binding
from ._options import Resolved, resolve
from ._retry import backoff_delay, is_retriable_status
from ._transport import Response, TransportError
from ._urls import api_url, origin_of, wire_url
from .exceptions import (TaskclusterAuthFailure, TaskclusterConnectionError,
                         TaskclusterFailure, TaskclusterInputError,
                         TaskclusterRestFailure)

__all__ = ["BaseClient", "client_class"]

log = logging.getLogger("taskcluster")

_DEFAULT_MESSAGES = {401: "Authentication Error", 500: "Internal Server Error"}


class BaseClient:
    """Base of every generated client class (``Queue``, ``Index``, ...).

    ``options`` is a dict (see :mod:`taskcluster._options`); ``session`` a
    ``requests.Session`` to send through.  Keyword-only: ``transport`` (an
    object with ``send`` and ``close``, replacing the HTTP layer), and
    ``sleep``, ``random``, ``clock``, ``nonce`` to pin time and randomness.
    """

    _reference: _references.Reference
    _functions: Dict[str, _references.FunctionEntry]   # name -> entry, functions only

    def __init__(self, options: Optional[dict] = None, session=None, *,
                 transport=None, sleep: Callable[[float], None] = time.sleep,
                 random: Callable[[], float] = _random.random,
                 clock: Callable[[], float] = time.time,
                 nonce: Callable[[], str] = _hawk.random_nonce):
        self._options: Resolved = resolve(options, type(self).__name__)
        self._session = session
        self._transport = transport
        self._transport_lock = threading.Lock()
        self._sleep, self._random, self._clock, self._nonce = sleep, random, clock, nonce
        root, ref = self._options.rootUrl, self._reference
        # Parsed once: every URL starts with the API base, under the origin.
        self._api_base = api_url(root, ref.serviceName, ref.apiVersion, "") if root else None
        self._origin = origin_of(root) if root else None

    # -- options and lifecycle -------------------------------------------
    @property
    def options(self) -> Resolved:
        """The checked options (read-only; secrets hidden from ``repr``)."""
        return self._options

    def __repr__(self) -> str:
        o = self._options
        return "<%s rootUrl=%r clientId=%r>" % (type(self).__name__, o.rootUrl, o.clientId)

    def close(self) -> None:
        """Close the connections this client opened (not a session passed in)."""
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _get_transport(self):
        transport = self._transport
        if transport is None:
            with self._transport_lock:
                if self._transport is None:
                    if self._session is not None:
                        from ._transport import RequestsTransport
                        self._transport = RequestsTransport(self._session,
                                                            self._options.rootUrl)
                    else:
                        # Keep-alive http.client connections with requests'
                        # proxy and TLS rules: 2x the round trips of a
                        # requests.Session here (see README, Performance).
                        from ._http import HttpTransport
                        self._transport = HttpTransport(self._options.rootUrl)
                transport = self._transport
        return transport

    # -- URLs ----------------------------------------------------------------
    def _label(self, name: str) -> str:
        return "%s.%s" % (type(self).__name__, name)

    def _entry(self, method_name: Any, what: str):
        name = method_name if type(method_name) is str else \
            getattr(method_name, "__name__", method_name)
        entry = self._functions.get(name) if isinstance(name, str) else None
        if entry is None:
            raise TaskclusterInputError(
                "%s.%s: methodName %r is not a method of %s" % (type(self).__name__, what, name,
                                                                type(self).__name__),
                method=self._label(what), argument="methodName")
        return entry

    def _url(self, bound: BoundCall) -> str:
        if self._api_base is None:
            raise TaskclusterInputError(
                "%s: no rootUrl is configured; pass options={'rootUrl': ...} or set "
                "TASKCLUSTER_ROOT_URL" % self._label(bound.entry.name),
                method=self._label(bound.entry.name), argument="rootUrl")
        url = self._api_base + _route_path(bound.entry, bound.route_args)
        if bound.query:
            try:
                qs = bound.query_string()
            except UnicodeEncodeError:
                raise TaskclusterInputError(
                    "%s: a query value holds a lone surrogate, which cannot be UTF-8 "
                    "encoded" % self._label(bound.entry.name),
                    method=self._label(bound.entry.name), argument="query") from None
            if qs:
                url += "?" + qs
        return url

    def buildUrl(self, methodName, *args, **kwargs) -> str:
        """The URL that calling ``methodName(*args, **kwargs)`` would use."""
        entry = self._entry(methodName, "buildUrl")
        bound, _ = bind(entry, args, kwargs, require_payload=False)
        return self._url(bound)

    def buildSignedUrl(self, methodName, *args, expiration=None, **kwargs) -> str:
        """A GET URL carrying a Hawk bewit, valid ``expiration`` seconds
        (default: the ``signedUrlExpiration`` option, 15 minutes)."""
        entry = self._entry(methodName, "buildSignedUrl")
        if entry.method != "get":
            label = self._label(entry.name)
            raise TaskclusterInputError(
                "%s: buildSignedUrl works only for GET methods, and methodName %r is a %s"
                % (label, entry.name, entry.method.upper()), method=label, argument="methodName")
        o = self._options
        if expiration is None:
            expiration = o.signedUrlExpiration  # checked with the options
        elif isinstance(expiration, bool) or not isinstance(expiration, (int, float)) \
                or not math.isfinite(expiration) or not expiration > 0 \
                or expiration != int(expiration):
            label = self._label(entry.name)
            raise TaskclusterInputError(
                "%s: expiration must be a positive number of seconds, not %r"
                % (label, expiration), method=label, argument="expiration")
        if not o.has_credentials:
            label = self._label(entry.name)
            raise TaskclusterInputError(
                "%s: buildSignedUrl needs credentials (clientId and accessToken)" % label,
                method=label, argument="credentials")
        bound, _ = bind(entry, args, kwargs)
        url = self._url(bound)
        return _hawk.signed_url(url, o.clientId, o.accessToken, int(expiration), o.ext,
                                clock=self._clock, origin=self._origin)

    # -- calls -----------------------------------------------------------------
    def _bind_paginated(self, entry, args, kwargs):
        """Bind a call and apply ``paginationLimit`` (as the ``limit`` query
        key); returns the bound call and the ``paginationHandler``, if any."""
        bound, extras = bind(entry, args, kwargs)
        handler = extras.get("paginationHandler")
        limit = extras.get("paginationLimit")
        label = self._label(entry.name)
        for key, value in extras.items():
            if value is not None and not entry.paginated:
                raise TaskclusterInputError(
                    "%s: %s is not paginated, so it takes no %s" % (label, entry.name, key),
                    method=label, argument=key)
        if handler is not None and not callable(handler):
            raise TaskclusterInputError(
                "%s: paginationHandler must be a function taking each page, not %s"
                % (label, type(handler).__name__), method=label, argument="paginationHandler")
        if limit is not None and "limit" in entry.query:
            bound = _with_query(bound, limit=limit)
        return bound, handler

    def _call(self, entry, args, kwargs):
        bound, handler = self._bind_paginated(entry, args, kwargs)
        if handler is None:
            return self._send(bound)
        for page in self._pages(bound):
            handler(page)
        return None

    def _pages(self, bound: BoundCall) -> Iterator[Any]:
        while True:
            page = self._send(bound)
            yield page
            token = page.get("continuationToken") if isinstance(page, dict) else None
            if not token:
                return
            bound = _with_query(bound, continuationToken=token)

    def pages(self, methodName, *args, **kwargs) -> Iterator[Any]:
        """Iterate over the pages of a paginated method, following each
        page's ``continuationToken``: ``for page in queue.pages('listTaskGroup', id)``."""
        entry = self._entry(methodName, "pages")
        if not entry.paginated:
            raise TaskclusterInputError(
                "%s: methodName %r is not paginated (it has no continuationToken query key)"
                % (self._label(entry.name), entry.name),
                method=self._label(entry.name), argument="methodName")
        bound, handler = self._bind_paginated(entry, args, kwargs)
        if handler is not None:
            raise TaskclusterInputError(
                "%s: pages() yields the pages itself; paginationHandler is for calling %s "
                "directly" % (self._label(entry.name), entry.name),
                method=self._label(entry.name), argument="paginationHandler")
        return self._pages(bound)

    def _serialize(self, bound: BoundCall) -> Optional[bytes]:
        if not bound.has_payload:
            return None
        try:
            return _hawk.compact_json(bound.payload).encode("utf-8")
        except (TypeError, ValueError, RecursionError) as e:
            # RecursionError: nested deeper than json can encode.
            label = self._label(bound.entry.name)
            raise TaskclusterInputError(
                "%s: the payload cannot be sent as JSON (%s)" % (label, e),
                method=label, argument="payload") from None

    def _send(self, bound: BoundCall) -> Any:
        entry = bound.entry
        label = self._label(entry.name)
        o = self._options
        if o.validatePayloads and bound.has_payload:
            from . import _schemas
            _schemas.check_input(entry, bound.payload, label)
        url = self._url(bound)
        body = self._serialize(bound)
        method = entry.method.upper()
        target = wire_url(url)
        transport = self._get_transport()
        attempt = 0
        while True:
            attempt += 1
            headers = {"Content-Type": "application/json"} if body is not None else {}
            if o.has_credentials:
                headers["Authorization"] = _hawk.authorization_header(
                    method, url, o.clientId, o.accessToken, o.ext,
                    nonce=self._nonce(), clock=self._clock, origin=self._origin)
            log.debug("%s: %s %s (attempt %d)", label, method, url, attempt)
            try:
                response = transport.send(method, target, headers, body, o.timeout)
            except TransportError as e:
                # Not chained (superExc None, raised outside this block): the
                # HTTP library's exception holds the signed request.
                failure: TaskclusterFailure = TaskclusterConnectionError(
                    "%s: %s %s failed after %d attempt%s: %s"
                    % (label, method, url, attempt, "" if attempt == 1 else "s", e),
                    method=label, url=url, superExc=None)
                retriable = e.retriable
            else:
                retriable = True
                if response.status < 400:
                    parsed = _json_body(response)
                    if parsed is not _INVALID:
                        if o.validateResponses and parsed is not None:
                            from . import _schemas
                            _schemas.check_output(entry, parsed, label)
                        return parsed
                    failure = _rest_failure(label, method, url, response,
                                            "the response body is not valid JSON")
                else:
                    failure = _rest_failure(label, method, url, response)
                    retriable = is_retriable_status(response.status)
            if not retriable or attempt > o.maxRetries:
                raise failure
            delay = backoff_delay(attempt, o.delayFactor, o.randomizationFactor,
                                  o.maxDelay, self._random)
            log.debug("%s: attempt %d failed (%s); retrying in %.3fs", label, attempt,
                      failure.message, delay)
            self._sleep(delay)


_INVALID = object()


def _json_body(response: Response) -> Any:
    """The parsed JSON body, None for an empty or non-JSON answer (as the
    Node client), or _INVALID for a JSON content type that does not parse."""
    if not response.body or "application/json" not in response.headers.get("content-type", ""):
        return None
    try:
        return json.loads(response.body)
    except ValueError:
        return _INVALID


def _rest_failure(label: str, method: str, url: str, response: Response,
                  problem: Optional[str] = None) -> TaskclusterRestFailure:
    body: Any = None
    if response.body:
        try:
            body = json.loads(response.body)
        except ValueError:
            body = response.body.decode("utf-8", "replace")[:2000]
    code = body.get("code") if isinstance(body, dict) else None
    message = body.get("message") if isinstance(body, dict) else None
    if not message or not isinstance(message, str):
        message = problem or _DEFAULT_MESSAGES.get(response.status) or (
            "Unexpected Redirect" if 300 <= response.status < 400 else "Unknown Server Error")
    text = "%s: %s %s answered %d%s: %s" % (label, method, url, response.status,
                                            " " + code if isinstance(code, str) else "", message)
    cls = TaskclusterAuthFailure if response.status == 401 else TaskclusterRestFailure
    return cls(text, status_code=response.status,
               code=code if isinstance(code, str) else "UnknownError",
               body=body, method=label, url=url)


def _with_query(bound: BoundCall, **changes) -> BoundCall:
    query = dict(bound.query)
    query.update(changes)
    return BoundCall(bound.entry, bound.route_args, bound.payload, tuple(query.items()))


# -- class generation ----------------------------------------------------------

def _schema_url(ref: _references.Reference, schema: Optional[str]) -> str:
    if not schema:
        return "none"
    return "<rootUrl>/schemas/%s/%s" % (ref.serviceName, schema)


def _function_doc(ref, entry: _references.FunctionEntry) -> str:
    lines = [entry.title or entry.name, "",
             "``%s %s``  (stability: %s)" % (entry.method.upper(), entry.route,
                                             entry.stability or "unknown"), ""]
    lines.append("Route arguments: %s" % (", ".join(entry.args) or "none"))
    lines.append("Query keys: %s" % (", ".join(entry.query) or "none"))
    lines.append("Input schema: %s" % _schema_url(ref, entry.input))
    lines.append("Output schema: %s" % _schema_url(ref, entry.output))
    if entry.scopes is not None:
        lines.append("Scopes: %s" % _hawk.compact_json(_references.thaw(entry.scopes)))
    lines += ["", entry.description.strip()]
    return "\n".join(lines)


class _PayloadDoc:
    """Holds an API method's place in its class until the method is first
    looked up; then adds the payload's keys to its docstring (reading the
    input schema) and leaves the plain function in its place.  Building a
    class reads no schema: reading them all cost 15% more on a first use."""

    def __init__(self, function, entry: _references.FunctionEntry):
        self.function, self.entry = function, entry
        self.doc = function.__doc__

    def __get__(self, instance, owner=None):
        from . import _schemas
        function = self.function
        description = self.entry.description.strip()
        head = self.doc[:len(self.doc) - len(description)]
        try:
            keys = _schemas.payload_keys_doc(self.entry)
        except (OSError, ValueError, LookupError):
            keys = None   # a schema missing from a refreshed tree: the docs go without
        if keys:
            # assigned whole, so that two threads doing it at once agree
            function.__doc__ = "%s%s\n\n%s" % (head, keys, description)
        for cls in (owner or type(instance)).__mro__:
            if cls.__dict__.get(function.__name__) is self:
                setattr(cls, function.__name__, function)
        return function if instance is None else function.__get__(instance, owner)


def _function_signature(entry: _references.FunctionEntry) -> inspect.Signature:
    P = inspect.Parameter
    params = [P("self", P.POSITIONAL_OR_KEYWORD)]
    params += [P(a, P.POSITIONAL_OR_KEYWORD) for a in entry.args]
    if entry.input:
        params.append(P("payload", P.POSITIONAL_OR_KEYWORD))
    if entry.query:
        params.append(P("query", P.KEYWORD_ONLY, default=None))
    params.append(P("params", P.KEYWORD_ONLY, default=None))
    if entry.paginated:
        params.append(P("paginationHandler", P.KEYWORD_ONLY, default=None))
        params.append(P("paginationLimit", P.KEYWORD_ONLY, default=None))
    return inspect.Signature(params)


def _make_function(ref, entry: _references.FunctionEntry):
    def method(self, *args, **kwargs):
        return self._call(entry, args, kwargs)
    method.__name__ = method.__qualname__ = entry.name
    method.__doc__ = _function_doc(ref, entry)
    method.__signature__ = _function_signature(entry)  # type: ignore[attr-defined]
    method.entry = entry  # type: ignore[attr-defined]
    return method


def _exchange_doc(ref, entry: _references.ExchangeEntry) -> str:
    lines = [entry.title or entry.name, "",
             "Exchange: ``%s%s``" % (ref.exchangePrefix or "", entry.exchange),
             "Message schema: %s" % _schema_url(ref, entry.schema), "", "Routing key:"]
    for p in entry.routingKey:
        kind = "constant %r" % p.constant if p.constant else (
            "multiple words" if p.multipleWords else "one word")
        lines.append("  %s (%s%s): %s" % (p.name, kind, ", required" if p.required else "",
                                          p.summary))
    lines += ["", "Returns {'exchange', 'routingKeyPattern', 'routingKeyReference'}.", "",
              entry.description.strip()]
    return "\n".join(lines)


def _make_exchange(ref, entry: _references.ExchangeEntry):
    def method(self, *args, **kwargs):
        return exchange_binding(self._label(entry.name), ref.exchangePrefix, entry, args, kwargs)
    P = inspect.Parameter
    params = [P("self", P.POSITIONAL_OR_KEYWORD), P("args", P.VAR_POSITIONAL)]
    params += [P(p.name, P.KEYWORD_ONLY, default=None) for p in entry.routingKey
               if not p.constant]
    method.__name__ = method.__qualname__ = entry.name
    method.__doc__ = _exchange_doc(ref, entry)
    method.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    method.entry = entry  # type: ignore[attr-defined]
    return method


def _build_class(class_name: str) -> type:
    ref = _references.load(class_name)
    attrs: Dict[str, Any] = {"_reference": ref, "__module__": "taskcluster",
                             "__doc__": "%s\n\n%s" % (ref.title, ref.description)}
    for name, entry in ref.entries.items():
        if ref.kind == "api":
            attrs[name] = _make_function(ref, entry)
            if entry.input:
                attrs[name] = _PayloadDoc(attrs[name], entry)
        else:
            attrs[name] = _make_exchange(ref, entry)
    attrs["funcinfo"] = {n: e for n, e in ref.entries.items()}
    attrs["_functions"] = {n: e for n, e in ref.entries.items()
                           if isinstance(e, _references.FunctionEntry)}
    return type(class_name, (BaseClient,), attrs)


client_class = _references.BuildOnce(_build_class)
client_class.__doc__ = "The client class for a class name (e.g. \"Queue\"), built once."
