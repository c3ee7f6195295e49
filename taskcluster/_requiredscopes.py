"""The scope expression a call needs: its method's template (``_scopetemplates``)
filled with the route arguments and what the service derives from the
payload (``_scopeparams``).

Two entry points:

- :func:`requiredScopes` ``(service, method, *args, payload=None, query=None,
  **params)``: the arguments as the client method takes them (route
  arguments positionally or by keyword, the payload, ``query={...}``), plus
  keyword parameters for what only the service knows (``schedulerId=`` for
  ``queue.scheduleTask``).  It is ``taskcluster.scopes.requiredScopes`` and,
  without the service, every client's ``requiredScopes`` method.
- :func:`expressionFor` ``(service, method, params, payload=None, extra=None,
  query=None)``: for a server (the fake deployment), on every request: the
  route parameters as a dict of strings, the parsed payload, and ``extra``
  parameters a handler knows from its state (as ``req.authorize(extra)``).

Both return the filled expression (a string, an ``{"AllOf"|"AnyOf": [...]}``
dict), or None when the method needs no scopes, and raise
:class:`MissingScopeParameter` (naming the service, method and parameter)
when a parameter is neither given nor derivable.  Each method's template,
derivation and schema defaults are prepared once, on first use.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Dict, Mapping, Optional, Tuple

from . import _references
from ._scopetemplates import Template
from ._services import SERVICES
from .exceptions import TaskclusterInputError

__all__ = ["requiredScopes", "expressionFor", "for_call", "plan_for", "Plan"]


class Plan:
    """One method's scope check, prepared once: its template (None when the
    method needs no scopes), how its parameters are derived, and the top-level
    defaults of its input schema."""
    __slots__ = ("entry", "label", "template", "derive", "state", "hints", "defaults",
                 "names")

    def __init__(self, entry: _references.FunctionEntry) -> None:
        from . import _scopeparams as sp
        key = (entry.service, entry.name)
        self.entry = entry
        self.label = "%s.%s" % (entry.owner, entry.name)
        self.template = Template(entry.scopes) if entry.scopes is not None else None
        self.derive = sp.DERIVED.get(key)
        self.state = sp.STATE.get(key, {})
        self.hints = sp.HINTS.get(key, {})
        self.defaults = _input_defaults(entry) if self.derive is not None else {}
        # every name a caller may give: the template's parameters and the route's
        self.names = frozenset(self.template.params if self.template else ()) | \
            frozenset(entry.args)

    def hint(self, name: str) -> str:
        if name in self.entry.args:
            return "it is a route argument of %s" % self.entry.name
        if name in self.state:
            return ("the service reads it from %s, so give it yourself: %s=..."
                    % (self.state[name], name))
        if name in self.hints:
            return "it comes from %s" % self.hints[name]
        if self.derive is not None or self.entry.input:
            return "it comes from the payload's %r" % name
        return "pass %s=..." % name

    def _hint_without_payload(self, name: str) -> str:
        hint = self.hint(name)
        return hint + " (no payload was given)" if "payload" in hint else hint

    def render(self, route: Mapping[str, Any], payload: Any, query: Mapping[str, Any],
               extra: Optional[Mapping[str, Any]]) -> Any:
        if self.template is None:
            return None
        params: Dict[str, Any] = dict(route)
        hint = self.hint
        if self.derive is not None:
            body: Mapping[str, Any] = {}
            if isinstance(payload, Mapping):
                body = {**self.defaults, **payload} if self.defaults else payload
            elif self.entry.input:
                hint = self._hint_without_payload
            try:
                params.update(self.derive(route, body, query))
            except ValueError as e:
                raise TaskclusterInputError("%s: the payload cannot be checked for scopes: %s"
                                            % (self.label, e), method=self.label,
                                            argument="payload") from None
        if extra:
            params.update(extra)
        return self.template.render(params, self.label, self.entry.service, hint)


def _input_defaults(entry: _references.FunctionEntry) -> Dict[str, Any]:
    """The input schema's top-level defaults: the services validate payloads
    with defaults filled in (ajv ``useDefaults``) before their handlers run."""
    if not entry.input:
        return {}
    from . import _schemas
    try:
        path = _schemas.schema_path(entry.service, entry.input)
        path, node = _schemas.deref(path, _schemas.load(path))
        out = {}
        for name, prop in (node.get("properties") or {}).items():
            # ajv 8 applies a default written beside a $ref (as task.json's
            # scopes in create-task-request), else the one it points to
            if isinstance(prop, dict) and "default" not in prop:
                _, prop = _schemas.deref(path, prop)
            if isinstance(prop, dict) and "default" in prop:
                out[name] = prop["default"]
        return out
    except (OSError, ValueError, LookupError):
        return {}   # a schema missing from a refreshed tree: no defaults


# Plans by entry identity (entries are built once and kept, so an id is not
# reused while its plan is here; the entry is kept with its plan to be sure).
_plans: Dict[int, Tuple[Any, Plan]] = {}
_by_name: Dict[Tuple[str, str], Plan] = {}
_lock = threading.Lock()


def plan_for(entry: _references.FunctionEntry) -> Plan:
    """The prepared :class:`Plan` of a reference entry."""
    found = _plans.get(id(entry))
    if found is None or found[0] is not entry:
        with _lock:
            found = _plans.get(id(entry))
            if found is None or found[0] is not entry:
                found = _plans[id(entry)] = (entry, Plan(entry))
    return found[1]


def _class_names() -> Dict[str, str]:
    names: Dict[str, str] = {}
    for cls, (service, kind) in SERVICES.items():
        if kind == "api":
            for alias in (cls, service, cls.lower(), service.replace("-", "")):
                names[alias] = cls
    return names


_CLASS_NAMES = _class_names()


def _entry(service: Any, method: Any, caller: str) -> _references.FunctionEntry:
    cls = _CLASS_NAMES.get(service) if isinstance(service, str) else None
    if cls is None:
        known = sorted(s for c, (s, k) in SERVICES.items() if k == "api")
        raise TaskclusterInputError(
            "%s: service %r is not a Taskcluster service with an API (services: %s)"
            % (caller, service, ", ".join(known)), method=caller, argument="service")
    ref = _references.load(cls)
    entry = ref.entries.get(method) if isinstance(method, str) else None
    if entry is None:
        raise TaskclusterInputError(
            "%s: methodName %r is not a method of %s" % (caller, method, cls),
            method=caller, argument="methodName")
    return entry


def expressionFor(service: str, method: str, params: Mapping[str, Any], payload: Any = None,
                  extra: Optional[Mapping[str, Any]] = None,
                  query: Optional[Mapping[str, Any]] = None) -> Any:
    """The scope expression a request to ``service.method`` needs, for a
    server checking it: ``params`` are the route parameters (strings, as a
    router extracts them), ``payload`` the parsed body (its schema's top-level
    defaults are filled in here), ``extra`` what the handler knows from its
    state (``schedulerId`` of a stored task, ...; it overrides what is
    derived), ``query`` the query keys.

    Returns the expression, or None when the method needs no scopes.
    Raises :class:`~taskcluster.exceptions.MissingScopeParameter` when a
    parameter is neither given nor derivable (a server defers the check to
    the handler, which calls again with ``extra``), and
    :class:`~taskcluster.exceptions.TaskclusterInputError` for a parameter
    of the wrong type.  ``service`` is the service name (``"queue"``,
    ``"purge-cache"``) or the client class name (``"PurgeCache"``).
    Prepared once per method, then a dict merge and the template's fill."""
    plan = _by_name.get((service, method))
    if plan is None:
        plan = plan_for(_entry(service, method, "expressionFor"))
        _by_name[(service, method)] = plan
    return plan.render(params, payload, query or {}, extra)


def for_call(entry: _references.FunctionEntry, args: Tuple[Any, ...], kwargs: Dict[str, Any],
             label: str) -> Any:
    """:func:`requiredScopes` for a known entry; ``label`` names the caller
    in binding errors (``Queue.requiredScopes``)."""
    from ._binding import _UNSET, bind
    plan = plan_for(entry)
    extra = {k: kwargs.pop(k) for k in list(kwargs)
             if k not in entry.args and k not in ("payload", "query", "params")}
    for key in extra:
        if key not in plan.names:
            names = sorted(plan.names) or ["none"]
            raise TaskclusterInputError(
                "%s: %r is neither a route argument of %s nor a parameter of its scope "
                "expression (those are: %s)" % (label, key, entry.name, ", ".join(names)),
                method=label, argument=key)
    bound, _ = bind(entry, args, kwargs, require_payload=False, label=label)
    route = dict(zip(entry.args, bound.route_args))
    payload = bound.payload if bound.payload is not _UNSET else None
    return plan.render(route, payload, dict(bound.query), extra)


def requiredScopes(service: str, method: str, *args: Any, payload: Any = None,
                   **kwargs: Any) -> Any:
    """The scope expression calling ``service.method`` with these arguments
    needs, with its template filled in as the service fills it.

    Arguments are those of the client method (route arguments positionally
    or by keyword, the payload positionally after them or as ``payload=``,
    ``query={...}``); other keyword arguments give parameters that only the
    service knows, e.g. ``requiredScopes("queue", "scheduleTask", taskId,
    schedulerId="-", taskGroupId=..., projectId="none")``.  Returns a string,
    an ``{"AllOf"|"AnyOf": [...]}`` dict, or None when the method needs no
    scopes.  Raises ``MissingScopeParameter`` naming what is missing."""
    entry = _entry(service, method, "requiredScopes")
    if payload is not None:
        kwargs["payload"] = payload
    return for_call(entry, args, kwargs, "requiredScopes(%r, %r)" % (service, method))


# -- what a 403 InsufficientScopes answer says ------------------------------------

# lib-api's message (libraries/api/src/middleware/auth.js) puts the details in
# fenced blocks, JSON.stringify'd unless they are strings:
#   "... is missing the following scopes:\n\n```\n<unsatisfied>\n```\n\n
#    This request requires the client to satisfy the following scope
#    expression:\n\n```\n<required>\n```"
# and, for a caller without credentials, only the second block ("This request
# requires Taskcluster credentials that satisfy ...").
_MISSING_INTRO = "is missing the following scopes:"
_REQUIRED_INTRO = "satisfy the following scope expression:"
_ANONYMOUS_INTRO = "requires Taskcluster credentials that satisfy"


def _block_after(message: str, intro: str) -> Any:
    start = message.find(intro)
    if start < 0:
        return None
    open_ = message.find("```\n", start + len(intro))
    close = message.find("\n```", open_ + 4) if open_ >= 0 else -1
    if close < 0:
        return None
    text = message[open_ + 4:close]
    try:
        value = json.loads(text)
    except ValueError:
        return text          # a single scope is written as it is, unquoted
    return value if isinstance(value, (str, dict)) else text


def _expression_or_none(value: Any) -> Any:
    from ._scopealgebra import validExpression
    try:
        return value if value is not None and validExpression(value) else None
    except (TypeError, ValueError):
        return None


def missing_from_answer(body: Any, sent_credentials: bool) -> Any:
    """The scope expression a 403 ``InsufficientScopes`` answer says the
    caller lacks, or None when it does not say enough.

    The required expression comes from ``details.required`` (or a top-level
    ``required``) or the message's block; the scopes the caller has are
    ``[]`` when it sent no credentials, so what is missing is
    ``removeGivenScopes([], required)``; with credentials, the service
    already said what its ``removeGivenScopes`` left (``details.unsatisfied``,
    or the message's "missing the following scopes" block)."""
    if not isinstance(body, dict) or body.get("code") != "InsufficientScopes":
        return None
    details = body.get("details") if isinstance(body.get("details"), dict) else body
    message = body.get("message") if isinstance(body.get("message"), str) else ""
    required = details.get("required")
    if required is None:
        required = _block_after(message, _REQUIRED_INTRO)
    required = _expression_or_none(required)
    if not sent_credentials or (_ANONYMOUS_INTRO in message and _MISSING_INTRO not in message):
        if required is None:
            return None
        from ._scopealgebra import removeGivenScopes
        return removeGivenScopes([], required)
    unsatisfied = details.get("unsatisfied")
    if unsatisfied is None:
        unsatisfied = _block_after(message, _MISSING_INTRO)
    return _expression_or_none(unsatisfied)
