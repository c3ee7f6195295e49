"""The call plan: everything a call does except waiting.

Binding, URL building, payload serialization, signing an attempt, reading
an answer, deciding whether and when to retry, and building the error all
live here, once, in :class:`CallCore`.  The sync client (``_client``) and the
async client (``aio``) are two short drivers over it that only send and
sleep::

    call = self._prepare(bound)                 # URL, body: once per call
    attempt = 0
    while True:
        attempt += 1
        headers = self._headers(call)           # signed afresh each attempt
        try: outcome = send(call, headers)      # the driver's transport
        except TransportError as e: outcome = e
        step = self._settle(call, attempt, outcome)
        if step.failure is None: return step.value
        if step.delay is None: raise step.failure
        sleep(step.delay)
"""

from __future__ import annotations

import copy
import datetime as _dt
import json
import logging
import math
import random as _random
import time
from types import MappingProxyType
from typing import Any, Callable, Dict, Mapping, NamedTuple, Optional

from . import _hawk, _references
from ._binding import BoundCall, _route_path, bind, relabel
from ._classes import build_class
from ._options import DEFAULTS, Options, Resolved, resolve
from ._retry import backoff_delay, is_retriable_status
from ._transport import Response, TransportError
from ._urls import api_url, origin_of, wire_url
from .exceptions import (TaskclusterAuthFailure, TaskclusterConnectionError,
                         TaskclusterCredentialsError, TaskclusterFailure,
                         TaskclusterInputError, TaskclusterResponseTooLarge,
                         TaskclusterRestFailure)

__all__ = ["CallCore", "Call", "Step", "response_value", "payload_json", "with_query"]

log = logging.getLogger("taskcluster")

_DEFAULT_MESSAGES = {401: "Authentication Error", 500: "Internal Server Error"}


class Call(NamedTuple):
    """A call made ready to send: computed once, whatever the attempts."""
    label: str               # "Queue.task"
    method: str              # "GET"
    url: str                 # as shown in messages
    target: str              # as sent
    body: Optional[bytes]
    entry: Any


class SignedHeaders(dict):
    """A request's headers: a plain dict, except that its ``repr`` hides the
    Authorization header (its MAC, and a temporary certificate's signature
    in ``ext``).  The send path holds it in a local variable, which a
    traceback formatted with locals (Sentry, ``pytest --showlocals``) shows."""
    __slots__ = ()

    def __repr__(self) -> str:
        return repr({k: "<hidden>" if k.lower() == "authorization" else v
                     for k, v in self.items()})

    __str__ = __repr__


class Step(NamedTuple):
    """What to do after an attempt: without a ``failure``, return ``value``;
    with one, raise it when ``delay`` is None, else wait ``delay`` seconds
    and try again."""
    value: Any = None
    failure: Optional[TaskclusterFailure] = None
    delay: Optional[float] = None


def response_value(response: Response) -> Any:
    """What a call returns for a successful answer, as the ``taskcluster``
    package returns it: None for a 204, the parsed JSON whatever the content
    type, else ``{"response": <the HTTP library's response>}`` (text, an
    empty body, a 3xx without JSON)."""
    if response.status == 204:
        return None
    value = _parse_json(response.body)
    return {"response": response.raw} if value is _NOT_JSON else value


_NOT_JSON = object()


def _parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:  # UnicodeDecodeError included
        return _NOT_JSON


def _payload_default(value: Any) -> Any:
    # As the package's dumpJson: datetimes and dates as its stringDate writes
    # them, bytes decoded as UTF-8.  Anything else is refused by json.
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, _dt.date):
        from ._dates import package_date
        return package_date(value)
    raise TypeError("Object of type %s is not JSON serializable" % type(value).__name__)


def payload_json(payload: Any) -> str:
    """A request body: compact UTF-8 JSON as Node's client sends it, with
    datetimes, dates and bytes converted as the package's ``dumpJson`` does."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
                      default=_payload_default)


def with_query(bound: BoundCall, **changes) -> BoundCall:
    query = dict(bound.query)
    query.update(changes)
    return BoundCall(bound.entry, bound.route_args, bound.payload, tuple(query.items()))


def _defaults_from_config() -> Dict[str, Any]:
    """``taskcluster.config`` (the package's ``taskcluster.client.config``)
    supplies defaults to every client made afterwards, as in the package."""
    import sys

    # config lives in taskcluster.client; if that was never imported, nobody
    # changed it (and importing it here would cost every client's first use).
    module = sys.modules.get("taskcluster.client")
    config = getattr(module, "config", None) if module is not None else None
    if not config:
        return {}
    defaults = {k: v for k, v in config.items() if v is not None and k != "credentials"}
    creds = config.get("credentials")
    if module._has_credentials(creds):   # the module-level clients' own rule
        defaults["credentials"] = {k: v for k, v in creds.items() if v is not None}
    return defaults


class CallCore:
    """What the sync and async clients share: options, URLs, signed URLs,
    binding, and the call plan.  Subclasses add the driver."""

    _reference: _references.Reference
    _functions: Dict[str, _references.FunctionEntry]   # name -> entry, functions only
    # name -> the compiled path function of a plain call (_binding.compile_route)
    _route_plans: Mapping[str, Callable] = MappingProxyType({})

    def __new__(cls, options=None, *args, **kwargs):
        # A client given ``referencesDir`` is an instance of a subclass built
        # from that directory: isinstance(q, taskcluster.Queue) still holds.
        directory = options.get("referencesDir") if isinstance(options, dict) else None
        if directory and getattr(cls, "_reference", None) is not None and \
                not getattr(cls, "_variant", False):
            cls = _variant(cls, directory)
        return super().__new__(cls)

    def __init__(self, options: Optional[dict] = None, session=None, *,
                 transport=None, sleep: Optional[Callable] = None,
                 random: Callable[[], float] = _random.random,
                 clock: Callable[[], float] = time.time,
                 nonce: Callable[[], str] = _hawk.random_nonce):
        if options is not None and not isinstance(options, dict):
            resolve(options, type(self).__name__)  # raises, naming the problem
        # The package's clients show every option in ``options``: so do these.
        merged = Options(DEFAULTS)
        merged.update(getattr(self, "classOptions", None) or {})   # exchangePrefix
        merged["credentials"] = {"clientId": None, "accessToken": None, "certificate": None}
        merged.update(_defaults_from_config())
        if options:
            merged.update(options)
        if merged.get("credentials") is not None and isinstance(merged["credentials"], dict):
            merged["credentials"] = dict(merged["credentials"])  # the caller's stays untouched
        self.options: Options = merged
        self._apply_options()
        self._session = session
        self._transport = transport
        self._sleep = sleep
        self._random, self._clock, self._nonce = random, clock, nonce

    # -- options ---------------------------------------------------------------
    def _apply_options(self) -> None:
        self._resolved: Resolved = resolve(self.options, type(self).__name__)
        # What the options were when resolved; a call re-resolves after a change.
        # (An Options: ``vars(client)`` shows it, so its repr hides secrets.)
        self._seen = Options(copy.deepcopy(dict(self.options)))
        root, ref = self._resolved.rootUrl, self._reference
        # Parsed once: every URL starts with the API base, under the origin.
        self._api_base = api_url(root, ref.serviceName, ref.apiVersion, "") if root else None
        self._origin = origin_of(root) if root else None

    @property
    def _options(self) -> Resolved:
        """The checked options, re-checked when ``options`` was changed."""
        if self.options != self._seen:
            root = self._resolved.rootUrl
            self._apply_options()
            if self._resolved.rootUrl != root:
                self._drop_transport()
        return self._resolved

    def _drop_transport(self) -> None:
        """Forget connections made for another rootUrl (the driver's)."""

    def __repr__(self) -> str:
        o = self._options
        return "<%s rootUrl=%r clientId=%r>" % (type(self).__name__, o.rootUrl, o.clientId)

    def __getattr__(self, name: str):
        # Only reached when ``name`` is not an attribute: a misspelt method
        # gets the nearest names, as the command line suggests them.
        if name.startswith("_"):
            raise AttributeError("%r object has no attribute %r" % (type(self).__name__, name))
        raise AttributeError(_no_method(type(self), name))

    # -- URLs ------------------------------------------------------------------
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

    def _url(self, bound: BoundCall, label: Optional[str] = None) -> str:
        label = label or self._label(bound.entry.name)
        self._options  # noqa: B018 - re-reads changed options
        if self._api_base is None:
            raise TaskclusterInputError(
                "%s: no rootUrl is configured; pass options={'rootUrl': ...} or set "
                "TASKCLUSTER_ROOT_URL" % label, method=label, argument="rootUrl")
        try:
            url = self._api_base + _route_path(bound.entry, bound.route_args)
        except TaskclusterInputError as e:
            raise relabel(e, bound.entry, label) from None
        if bound.query:
            try:
                qs = bound.query_string()
            except UnicodeEncodeError:
                raise TaskclusterInputError(
                    "%s: a query value holds a lone surrogate, which cannot be UTF-8 "
                    "encoded" % label, method=label, argument="query") from None
            if qs:
                url += "?" + qs
        return url

    def buildUrl(self, methodName, *args, **kwargs) -> str:
        """The URL that calling ``methodName(*args, **kwargs)`` would use."""
        if not kwargs and type(methodName) is str:
            plan = self._route_plans.get(methodName)
            path = plan(args) if plan is not None else None
            if path is not None:
                if self.options != self._seen:
                    self._options  # noqa: B018 - re-reads changed options
                if self._api_base is not None:
                    return self._api_base + path
        entry = self._entry(methodName, "buildUrl")
        bound, _ = bind(entry, args, kwargs, require_payload=False,
                        label=self._label("buildUrl"))
        return self._url(bound, self._label("buildUrl"))

    def requiredScopes(self, methodName, *args, payload=None, **kwargs) -> Any:
        """The scope expression calling ``methodName(*args, **kwargs)`` needs,
        with its template filled as the service fills it (from the route
        arguments and the payload): ``queue.requiredScopes("createTask",
        taskId, payload=task)``.  Other keyword arguments give parameters
        only the service knows (``schedulerId=`` for ``scheduleTask``).
        None when the method needs no scopes; a ``MissingScopeParameter``
        names what is missing.  Pure: nothing is sent (a plain method on the
        async clients too)."""
        from . import _requiredscopes
        entry = self._entry(methodName, "requiredScopes")
        if payload is not None:
            kwargs["payload"] = payload
        return _requiredscopes.for_call(entry, args, kwargs, self._label("requiredScopes"))

    def buildSignedUrl(self, methodName, *args, expiration=None, **kwargs) -> str:
        """A GET URL carrying a Hawk bewit, valid ``expiration`` seconds
        (default: the ``signedUrlExpiration`` option, 15 minutes)."""
        entry = self._entry(methodName, "buildSignedUrl")
        label = self._label("buildSignedUrl")
        if entry.method != "get":
            raise TaskclusterInputError(
                "%s: works only for GET methods, and methodName %r is a %s"
                % (label, entry.name, entry.method.upper()), method=label, argument="methodName")
        o = self._options
        if expiration is None:
            expiration = o.signedUrlExpiration  # checked with the options
        elif isinstance(expiration, bool) or not isinstance(expiration, (int, float)) \
                or not math.isfinite(expiration) or not expiration > 0 \
                or expiration != int(expiration):
            raise TaskclusterInputError(
                "%s: expiration must be a positive number of seconds, not %r"
                % (label, expiration), method=label, argument="expiration")
        if not o.has_credentials:
            # The package raises TaskclusterAuthFailure here.
            raise TaskclusterCredentialsError(
                "%s: needs credentials (clientId and accessToken)" % label,
                method=label, argument="credentials")
        plan = None if kwargs else self._route_plans.get(entry.name)
        path = plan(args) if plan is not None and self._api_base is not None else None
        if path is not None:
            url = self._api_base + path   # the options were re-read above
        else:
            bound, _ = bind(entry, args, kwargs, label=label)
            url = self._url(bound, label)
        return _hawk.signed_url(url, o.clientId, o.accessToken, int(expiration), o.ext,
                                clock=self._clock, origin=self._origin)

    # -- binding ---------------------------------------------------------------
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
            bound = with_query(bound, limit=limit)
        return bound, handler

    def _pages_entry(self, methodName, args, kwargs):
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
        return bound

    @staticmethod
    def _next_page(bound: BoundCall, page: Any) -> Optional[BoundCall]:
        token = page.get("continuationToken") if isinstance(page, dict) else None
        return with_query(bound, continuationToken=token) if token else None

    # -- the plan --------------------------------------------------------------
    def _prepare(self, bound: BoundCall) -> Call:
        entry = bound.entry
        label = self._label(entry.name)
        if bound.has_payload and self._options.validatePayloads:
            # Before anything else is made of the call: an invalid payload
            # is refused whatever else is wrong.
            from . import _schemas
            _schemas.check_input(entry, bound.payload, label)
        url = self._url(bound)
        body = None
        if bound.has_payload:
            try:
                body = payload_json(bound.payload).encode("utf-8")
            except (TypeError, ValueError, RecursionError) as e:
                # RecursionError: nested deeper than json can encode.
                raise TaskclusterInputError(
                    "%s: the payload cannot be sent as JSON (%s)" % (label, e),
                    method=label, argument="payload") from None
        # Sent with the scheme and host in lower case, as Hawk signs them, so
        # that any verifier accepts a rootUrl written in capitals.
        origin = self._origin.prefix
        target = origin.lower() + url[len(origin):] if origin != origin.lower() else url
        return Call(label, entry.method.upper(), url, wire_url(target), body, entry)

    def _headers(self, call: Call) -> Dict[str, str]:
        o = self._resolved
        headers = SignedHeaders()
        if call.body is not None:
            headers["Content-Type"] = "application/json"
        if o.has_credentials:
            headers["Authorization"] = _hawk.authorization_header(
                call.method, call.url, o.clientId, o.accessToken, o.ext,
                nonce=self._nonce(), clock=self._clock, origin=self._origin)
        return headers

    def _settle(self, call: Call, attempt: int, outcome: Any) -> Step:
        """Read one attempt's outcome (a Response or a TransportError)."""
        o = self._resolved
        tries = "%d attempt%s" % (attempt, "" if attempt == 1 else "s")
        if isinstance(outcome, TransportError):
            if outcome.too_large:
                return Step(failure=TaskclusterResponseTooLarge(
                    "%s: %s %s: %s" % (call.label, call.method, call.url, outcome),
                    status_code=outcome.status, limit=o.maxResponseBytes, method=call.label,
                    url=call.url, attempts=attempt))
            # Not chained (superExc None): the HTTP library's exception
            # holds the signed request.
            failure: TaskclusterFailure = TaskclusterConnectionError(
                "%s: %s %s failed after %s: %s" % (call.label, call.method, call.url, tries,
                                                   outcome),
                method=call.label, url=call.url, attempts=attempt)
            retriable = outcome.retriable
        elif outcome.status < 400:
            value = response_value(outcome)
            if o.validateResponses and outcome.status != 204 and call.entry.output and \
                    _parse_json(outcome.body) is not _NOT_JSON:
                from . import _schemas
                _schemas.check_output(call.entry, value, call.label, url=call.url,
                                      status=outcome.status)
            return Step(value)
        else:
            retriable = is_retriable_status(outcome.status)
            failure = _rest_failure(call, outcome, attempt, o.has_credentials)
        if not retriable or attempt > o.maxRetries:
            return Step(failure=failure)
        delay = backoff_delay(attempt, o.delayFactor, o.randomizationFactor, o.maxDelay,
                              self._random)
        log.debug("%s: attempt %d failed (%s); retrying in %.3fs", call.label, attempt,
                  failure.message, delay)
        return Step(failure=failure, delay=delay)


def _no_method(cls: type, name: str) -> str:
    """``Queue has no method 'taks' (did you mean 'task'?)``; the whole list
    of its methods when none is near."""
    import difflib
    public = sorted(n for n in dir(cls) if not n.startswith("_"))
    camel = "".join(p[:1].upper() + p[1:] if i else p for i, p in enumerate(name.split("_")))
    near = difflib.get_close_matches(camel, public, n=3, cutoff=0.6)
    near += [n for n in public if n not in near and n.lower() == camel.lower()]
    if near:
        hint = "did you mean %s?" % " or ".join(repr(n) for n in near)
    else:
        hint = "its methods and attributes: %s" % ", ".join(public)
    return "%s has no method or attribute %r (%s)" % (cls.__name__, name, hint)


def _build_variant(key) -> type:
    cls, directory = key
    label = cls.__name__
    try:
        ref = _references.read_from(directory, cls.__name__)
    except (OSError, ValueError, KeyError) as e:
        raise TaskclusterInputError(
            "%s: option referencesDir=%r: cannot read the %s reference there (%s); point it "
            "at a directory written by taskcluster-refresh-references"
            % (label, directory, cls.__name__, type(e).__name__), method=label,
            argument="referencesDir") from None
    variant = build_class(cls.__name__, ref, cls, cls.__module__)
    variant._variant = True
    return variant


_variants = _references.BuildOnce(_build_variant)


def _variant(cls: type, directory: str) -> type:
    import os
    return _variants((cls, os.path.abspath(directory)))


def _rest_failure(call: Call, response: Response, attempt: int,
                  sent_credentials: bool = True) -> TaskclusterFailure:
    # As the package: ``body`` is the parsed JSON, or {} when the answer is
    # not JSON; the start of such an answer's text goes into the message.
    body: Any = {}
    text = ""
    if response.body:
        body = _parse_json(response.body)
        if body is _NOT_JSON:
            body = {}
            text = " ".join(response.body[:300].decode("utf-8", "replace").split())[:200]
    code = body.get("code") if isinstance(body, dict) else None
    message = body.get("message") if isinstance(body, dict) else None
    if not message or not isinstance(message, str):
        message = _DEFAULT_MESSAGES.get(response.status) or "Unknown Server Error"
        if text:
            message += " (the answer reads: %s)" % text
    retried = " (%d attempt%s)" % (attempt, "" if attempt == 1 else "s") \
        if response.status >= 500 else ""
    text = "%s: %s %s answered %d%s%s: %s" % (
        call.label, call.method, call.url, response.status,
        " " + code if isinstance(code, str) else "", retried, message)
    if response.status == 401:
        return TaskclusterAuthFailure(text, None, response.status, body,
                                      code=code if isinstance(code, str) else "UnknownError",
                                      method=call.label, url=call.url, attempts=attempt)
    missing = None
    if response.status == 403 and code == "InsufficientScopes":
        from ._requiredscopes import missing_from_answer
        missing = missing_from_answer(body, sent_credentials)
    return TaskclusterRestFailure(text, None, response.status, body,
                                  code=code if isinstance(code, str) else "UnknownError",
                                  method=call.label, url=call.url, attempts=attempt,
                                  missingScopes=missing)
