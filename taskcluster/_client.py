"""Client classes built from the references, and the sync driver.

A call flows through the call plan (``_plan``): bind the arguments, build
the URL, serialize the payload once; then for each attempt sign afresh,
send (``_transport``, through requests), and settle the answer.  This
module only sends and sleeps; the async driver (``aio``) does the same with
aiohttp.  The classes are generated here for both.
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
from typing import Any, Dict, Iterator, Optional

from . import _hawk, _references
from ._exchanges import binding as exchange_binding
from ._plan import CallCore
from ._transport import TransportError

__all__ = ["BaseClient", "client_class", "build_class", "createSession"]

log = logging.getLogger("taskcluster")


def createSession(*args, **kwargs):
    """A new ``requests.Session`` (arguments passed on), as the package's."""
    import requests
    return requests.Session(*args, **kwargs)


class BaseClient(CallCore):
    """Base of every generated client class (``Queue``, ``Index``, ...).

    ``options`` is a dict (see :mod:`taskcluster._options`); ``session`` a
    ``requests.Session`` to send through (left open: it is the caller's).
    Keyword-only: ``transport`` (an object with ``send`` and ``close``,
    replacing the HTTP layer), and ``sleep``, ``random``, ``clock``,
    ``nonce`` to pin time and randomness.
    """

    def __init__(self, options: Optional[dict] = None, session=None, **kwargs):
        super().__init__(options, session, **kwargs)
        if self._sleep is None:
            self._sleep = time.sleep
        self._transport_lock = threading.Lock()

    @property
    def session(self):
        """The ``requests.Session`` calls go through (the package's attribute)."""
        transport = self._get_transport()
        return getattr(transport, "session", None)

    def close(self) -> None:
        """Close the connections this client opened (not a session passed in)."""
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()

    _drop_transport = close

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _get_transport(self):
        transport = self._transport
        if transport is None:
            with self._transport_lock:
                if self._transport is None:
                    from ._transport import RequestsTransport
                    self._transport = RequestsTransport(self._session, self._resolved.rootUrl)
                transport = self._transport
        return transport

    # -- calls -----------------------------------------------------------------
    def _call(self, entry, args, kwargs):
        bound, handler = self._bind_paginated(entry, args, kwargs)
        if handler is None:
            return self._send(bound)
        for page in self._pages(bound):
            handler(page)
        return None

    def _pages(self, bound) -> Iterator[Any]:
        while bound is not None:
            page = self._send(bound)
            yield page
            bound = self._next_page(bound, page)

    def pages(self, methodName, *args, **kwargs) -> Iterator[Any]:
        """Iterate over the pages of a paginated method, following each
        page's ``continuationToken``: ``for page in queue.pages('listTaskGroup', id)``."""
        return self._pages(self._pages_entry(methodName, args, kwargs))

    def _send(self, bound) -> Any:
        call = self._prepare(bound)
        limit = self._resolved.maxResponseBytes
        timeout = self._resolved.timeout
        transport = self._get_transport()
        attempt = 0
        while True:
            attempt += 1
            headers = self._headers(call)
            log.debug("%s: %s %s (attempt %d)", call.label, call.method, call.url, attempt)
            try:
                outcome = transport.send(call.method, call.target, headers, call.body, timeout,
                                         limit)
            except TransportError as e:
                outcome = e
            step = self._settle(call, attempt, outcome)
            if step.failure is None:
                return step.value
            if step.delay is None:
                raise step.failure
            self._sleep(step.delay)


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


def _make_function(ref, entry: _references.FunctionEntry, is_async: bool = False):
    if is_async:
        async def method(self, *args, **kwargs):
            return await self._call(entry, args, kwargs)
    else:
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


def build_class(class_name: str, ref: _references.Reference, base: type,
                module: str = "taskcluster") -> type:
    """A client class for ``ref`` on ``base`` (``BaseClient``, or the async
    base, whose methods are coroutines).  Attributes as the package's
    classes: ``name``, ``classOptions``, ``serviceName``, ``apiVersion``,
    ``funcinfo`` (function name -> a copy of its reference entry)."""
    is_async = getattr(base, "_is_async", False)
    attrs: Dict[str, Any] = {"_reference": ref, "__module__": module,
                             "__doc__": "%s\n\n%s" % (ref.title, ref.description)}
    for name, entry in ref.entries.items():
        if ref.kind == "api":
            attrs[name] = _make_function(ref, entry, is_async)
            if entry.input:
                attrs[name] = _PayloadDoc(attrs[name], entry)
        else:
            attrs[name] = _make_exchange(ref, entry)
    functions = {n: e for n, e in ref.entries.items()
                 if isinstance(e, _references.FunctionEntry)}
    attrs.update(
        name=class_name,
        classOptions={"exchangePrefix": ref.exchangePrefix} if ref.exchangePrefix else {},
        serviceName=ref.serviceName, apiVersion=ref.apiVersion,
        # Plain copies, as the package's: calls never read them.
        funcinfo={n: _references.thaw(e.raw) for n, e in functions.items()},
        _functions=functions)
    return type(class_name, (base,), attrs)


def _build_class(class_name: str) -> type:
    return build_class(class_name, _references.load(class_name), BaseClient)


client_class = _references.BuildOnce(_build_class)
client_class.__doc__ = "The client class for a class name (e.g. \"Queue\"), built once."
