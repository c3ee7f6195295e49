"""Client classes, built from a reference for either driver.

A class is a subclass of the sync driver's ``BaseClient`` or of the async
driver's base, with one method per reference entry: an API method (a
``function`` entry) hands its arguments to the driver's ``_call``; an
exchange method (a ``topic-exchange`` entry) builds a binding.  Nothing here
knows a driver: the call plan (``_plan``, for ``referencesDir`` variants)
and both drivers build their classes here, so no import runs back up.
"""

from __future__ import annotations

import inspect
from typing import Any, Dict, Mapping, Optional

from . import _hawk, _references
from ._binding import compile_route
from ._exchanges import binding as exchange_binding
from ._exchanges import compile_binding
from .exceptions import TaskclusterInputError

__all__ = ["build_class", "reference_from_document"]


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
    fast = compile_binding(entry)

    def method(self, *args, **kwargs):
        # Read at each call: a change to options["exchangePrefix"] takes
        # effect at the next one, as in the package.
        prefix = self.options.get("exchangePrefix", ref.exchangePrefix)
        return fast(prefix, args, kwargs) or \
            exchange_binding(self._label(entry.name), prefix, entry, args, kwargs)
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
    # One document may hold both kinds (createApiClient accepts that, as the
    # package does): each entry becomes the method of its own kind.
    for name, entry in ref.entries.items():
        if isinstance(entry, _references.FunctionEntry):
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
        _functions=functions,
        # compiled once: the path of a plain positional call (buildUrl, signed URLs)
        _route_plans={n: compile_route(e) for n, e in functions.items()})
    return type(class_name, (base,), attrs)


def reference_from_document(name: Any, api: Any) -> _references.Reference:
    """The reference behind ``createApiClient(name, api)``: ``api`` is one
    reference document, or the package's ``{"reference": document}`` form,
    whose ``function`` and ``topic-exchange`` entries may be mixed."""
    doc = api.get("reference", api) if isinstance(api, Mapping) else None
    if not isinstance(doc, Mapping) or not isinstance(doc.get("entries"), list) or \
            "serviceName" not in doc:
        raise TaskclusterInputError(
            "createApiClient: api must be an API or exchanges reference document "
            "(a dict with serviceName and entries, or {'reference': document}), not %s"
            % type(api).__name__, method="createApiClient", argument="api")
    return _references.parse(str(name), _references.kind_of(doc), doc, mixed=True)
