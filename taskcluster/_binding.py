"""Bind a method call's arguments to a reference entry, and build its URL.

The calling rules, one set for every method:

* Positional arguments fill the route arguments in reference order; keyword
  arguments named after route arguments (or ``params={...}``) override them:
  with a route ``/m/<a>/<b>``, ``m('1', '2', a='x')`` calls ``/m/x/2``.
* When every route argument is given by keyword, a single positional argument
  is the payload (``method(payload, k1=v1)``).  Otherwise the positional
  argument after the route arguments is the payload; ``payload=`` also works.
* ``query={...}`` holds query-string keys, each among the entry's query keys.
* Route arguments are ``str`` or ``int``; query values ``str``, ``int``,
  ``bool`` or a list of those (``None`` means "not set" and is left out).

Everything wrong is refused here, before anything is sent, with an error that
names the method, the argument and what was expected.
"""

from __future__ import annotations

import math
import re
from typing import Any, Dict, Mapping, NamedTuple, Optional, Tuple

from ._references import FunctionEntry
from ._urls import encode_uri_component, stringify_query
from .exceptions import TaskclusterInputError

__all__ = ["BoundCall", "bind", "route_path", "compile_route"]

_UNSET = object()


class BoundCall(NamedTuple):
    """A call's arguments, bound and checked (a tuple: made on every call,
    and three times cheaper to make than a frozen dataclass)."""
    entry: FunctionEntry
    route_args: Tuple[str, ...]               # values, in the order of entry.args
    payload: Any                              # _UNSET when the entry has no input
    query: Tuple[Tuple[str, Any], ...]

    @property
    def has_payload(self) -> bool:
        return self.payload is not _UNSET

    def path(self) -> str:
        """The path relative to the API base, e.g. ``task/abc/status``."""
        return _route_path(self.entry, self.route_args)

    def query_string(self) -> str:
        return stringify_query(dict(self.query)) if self.query else ""


# BoundCall's generated __new__ is Python code; the tuple's own is not, and a
# bound call is made for every call and every URL.
def _new_bound(entry, route_args, payload, query, _new=tuple.__new__) -> BoundCall:
    return _new(BoundCall, (entry, route_args, payload, query))


def _label(entry: FunctionEntry) -> str:
    return "%s.%s" % (entry.owner, entry.name)


def _signature_hint(entry: FunctionEntry) -> str:
    parts = list(entry.args)
    if entry.input:
        parts.append("payload")
    if entry.query:
        parts.append("query={%s}" % ", ".join("'%s': ..." % q for q in entry.query))
    return "%s(%s)" % (entry.name, ", ".join(parts))


def _fail(entry: FunctionEntry, argument: Optional[str], what: str,
          label: Optional[str] = None) -> TaskclusterInputError:
    label = label or _label(entry)
    return TaskclusterInputError(
        "%s: %s; call it as %s" % (label, what, _signature_hint(entry)),
        method=label, argument=argument)


def _check_payload(entry: FunctionEntry, payload: Any, label: Optional[str]) -> None:
    """Every input schema of the references is a JSON object: refuse what
    would be sent as something else (a str would be JSON-encoded again)."""
    if isinstance(payload, Mapping):
        return
    if payload is None:
        what = "the payload is None, but %s takes a JSON object (input schema %s)" % (
            entry.name, entry.input)
    elif isinstance(payload, (str, bytes)):
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
        what = "the payload must be a JSON object (a dict), not a %s" % type(payload).__name__
        if text.lstrip()[:1] in ("{", "["):
            what += ("; it looks like JSON text, which would be encoded a second time: "
                     "pass json.loads(...) of it")
    else:
        what = "the payload must be a JSON object (a dict), not %s" % type(payload).__name__
    raise _fail(entry, "payload", what, label)


def _route_value(entry: FunctionEntry, name: str, value: Any) -> str:
    if type(value) is int:
        return str(value)
    # bool is an int subclass: refuse it explicitly, as Node refuses it.
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _fail(entry, name, "route argument %r must be a str or int, not %s"
                    % (name, type(value).__name__))
    return value if isinstance(value, str) else str(value)


def _describe(value: Any) -> str:
    return type(value).__name__


def _check_query_value(entry: FunctionEntry, key: str, value: Any) -> None:
    items = value if isinstance(value, (list, tuple)) else (value,)
    for v in items:
        if isinstance(v, float):
            if not math.isfinite(v) or v != int(v):
                raise _fail(entry, key, "query value %r must be a str, int or bool, not "
                            "the float %r" % (key, v))
        elif v is not None and not isinstance(v, (str, int)):
            raise _fail(entry, key, "query value %r must be a str, int, bool or a list "
                        "of those, not %s" % (key, _describe(v)))


def _payload_refusal(entry: FunctionEntry, payload: Any) -> TaskclusterInputError:
    method = entry.method.upper()
    what = "takes no payload (it is a %s with no input schema)" % method
    if isinstance(payload, Mapping) and payload and entry.query and \
            all(k in entry.query for k in payload):
        keys = ", ".join(sorted(payload))
        what += ("; %s %s query key%s, so pass query=%r instead of a payload"
                 % (keys, "is a" if len(payload) == 1 else "are",
                    "" if len(payload) == 1 else "s", dict(payload)))
    return _fail(entry, "payload", what)


def relabel(error: TaskclusterInputError, entry: FunctionEntry,
            label: str) -> TaskclusterInputError:
    """The same refusal, said on behalf of ``label`` (``Queue.buildUrl``)."""
    own = _label(entry)
    message = error.message
    if message.startswith(own + ":"):
        message = label + message[len(own):]
    return TaskclusterInputError(message, method=label, argument=getattr(error, "argument", None))


def bind(entry: FunctionEntry, args: Tuple[Any, ...], kwargs: Dict[str, Any], *,
         require_payload: bool = True,
         label: Optional[str] = None) -> Tuple[BoundCall, Dict[str, Any]]:
    """Bind ``args``/``kwargs`` to ``entry`` (see :func:`_bind`); ``label``
    names the caller in errors (``Queue.buildUrl``), by default the method."""
    if label is None:
        return _bind(entry, args, kwargs, require_payload)
    try:
        return _bind(entry, args, kwargs, require_payload)
    except TaskclusterInputError as e:
        raise relabel(e, entry, label) from None


def _bind(entry: FunctionEntry, args: Tuple[Any, ...], kwargs: Dict[str, Any],
          require_payload: bool = True) -> Tuple[BoundCall, Dict[str, Any]]:
    """Bind ``args``/``kwargs`` to ``entry``.

    ``require_payload=False`` is for building URLs: the payload is not part
    of a URL, so it may be left out (as in Node's ``buildUrl``).

    Returns the bound call and the pagination keywords that were given
    (``paginationHandler``, ``paginationLimit``)."""
    n = len(entry.args)
    if not kwargs and len(args) == (n + 1 if entry.input else n) and \
            (not entry.input or isinstance(args[n], dict)):
        # The common call, everything positional: what the general rules
        # below give for it, without their bookkeeping.
        values = args[:n] if entry.input else args
        for v in values:
            if type(v) is not str:
                values = tuple([v if type(v) is str else _route_value(entry, a, v)
                                for a, v in zip(entry.args, values)])
                break
        return _new_bound(entry, values, args[n] if entry.input else _UNSET, ()), {}
    kwargs = dict(kwargs)
    payload = kwargs.pop("payload", _UNSET)
    query = kwargs.pop("query", None)
    params = kwargs.pop("params", None)
    extras = {k: kwargs.pop(k) for k in ("paginationHandler", "paginationLimit") if k in kwargs}

    named: Dict[str, Any] = {}
    if params is not None:
        if not isinstance(params, Mapping):
            raise _fail(entry, "params", "params must be a dict of route arguments, not %s"
                        % _describe(params))
        for key in params:
            if key not in entry.args:
                raise _fail(entry, key, "params names %r, which is not a route argument "
                            "(route arguments: %s)" % (key, ", ".join(entry.args) or "none"))
        named.update(params)
    for key in list(kwargs):
        if key in entry.args:
            named[key] = kwargs.pop(key)
    if kwargs:
        key = sorted(kwargs)[0]
        what = "unknown keyword argument %r" % key
        if key in entry.query:
            what += " (%r is a query key: pass query={%r: ...})" % (key, key)
        raise _fail(entry, key, what)

    n = len(entry.args)
    positional = list(args)
    all_named = bool(named) and len(named) == n and all(a in named for a in entry.args)
    if all_named:
        route_positional: list = []
        extra = positional
    else:
        route_positional, extra = positional[:n], positional[n:]
    if len(extra) > 1:
        if all_named:
            raise _fail(entry, None, "every route argument was given by keyword, so only "
                        "a payload may be given positionally, but %d positional arguments "
                        "were given" % len(positional))
        raise _fail(entry, None, "takes %d positional argument%s%s but %d were given"
                    % (n, "" if n == 1 else "s", " and a payload" if entry.input else "",
                       len(positional)))
    if extra and not entry.input and not isinstance(extra[0], Mapping):
        raise _fail(entry, None, "takes %d route argument%s (%s) and no payload, but %d "
                    "positional arguments were given"
                    % (n, "" if n == 1 else "s", ", ".join(entry.args) or "none",
                       len(positional)))
    if extra:
        if payload is not _UNSET:
            raise _fail(entry, "payload", "the payload was given twice (positionally "
                        "and as payload=)")
        payload = extra[0]

    values: Dict[str, str] = {}
    for name, value in zip(entry.args, route_positional):
        values[name] = value
    values.update(named)
    missing = [a for a in entry.args if a not in values]
    if missing:
        raise _fail(entry, missing[0], "missing route argument%s %s"
                    % ("" if len(missing) == 1 else "s", ", ".join(repr(m) for m in missing)))
    route_args = tuple(_route_value(entry, a, values[a]) for a in entry.args)

    if entry.input:
        if payload is _UNSET and require_payload:
            raise _fail(entry, "payload", "a payload is required (input schema %s)" % entry.input)
        if payload is not _UNSET:
            _check_payload(entry, payload, None)
    elif payload is not _UNSET:
        raise _payload_refusal(entry, payload)

    query_items: Tuple[Tuple[str, Any], ...] = ()
    if query is not None:
        if not isinstance(query, Mapping):
            raise _fail(entry, "query", "query must be a dict, not %s" % _describe(query))
        for key, value in query.items():
            if key not in entry.query:
                accepted = ", ".join(entry.query) if entry.query else "no query keys"
                raise _fail(entry, key, "unknown query key %r (accepted: %s)" % (key, accepted))
            _check_query_value(entry, key, value)
        query_items = tuple(query.items())
    if "paginationLimit" in extras and extras["paginationLimit"] is not None:
        limit = extras["paginationLimit"]
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise _fail(entry, "paginationLimit", "paginationLimit must be a positive int")
    return _new_bound(entry, route_args, payload, query_items), extras


def route_path(entry: FunctionEntry, values: Mapping[str, str]) -> str:
    """The route with each ``<arg>`` replaced by its encodeURIComponent'ed value."""
    return "/" + _route_path(entry, tuple(values[name] for name in entry.args))


# A segment that is its own encodeURIComponent, and not "", "." or ".."
# (which need the check in _encode_route_value).
_PLAIN_SEGMENT = re.compile(r"(?!\.\.?\Z)[A-Za-z0-9\-_.~!*'()]+").fullmatch


# Route parameters a service declares optional (``/namespaces/:namespace?``
# in the index's api.js): the references write them as ``<namespace>`` like
# any other, and an empty value lists the top level, as the index's own UI
# asks for it.  Every other empty route argument is refused.
_OPTIONAL_ROUTE_ARGS = frozenset({("index", "listNamespaces", "namespace"),
                                  ("index", "listTasks", "namespace")})


def _encode_route_value(entry: FunctionEntry, name: str, value: str) -> str:
    if value == "" and (entry.service, entry.name, name) in _OPTIONAL_ROUTE_ARGS:
        return value
    if value == "":
        # Node sends it: an empty path segment, which reaches another
        # method's route (``task/`` for ``task/<taskId>``) or none.
        raise _fail(entry, name, "route argument %r is empty" % name)
    if value == "." or value == "..":
        # encodeURIComponent leaves "." alone, and HTTP stacks (Node's WHATWG
        # URL too) resolve such a segment: the request would reach another
        # path than the one signed.
        raise _fail(entry, name, "route argument %r cannot be %r, a path segment that "
                    "HTTP clients resolve away" % (name, value))
    try:
        return encode_uri_component(value)
    except UnicodeEncodeError:
        raise _fail(entry, name, "route argument %r holds a lone surrogate, which "
                    "cannot be UTF-8 encoded" % name) from None


def _route_path(entry: FunctionEntry, route_args: Tuple[str, ...]) -> str:
    """The route's path relative to the API base (no leading "/")."""
    pieces = entry.route_pieces
    path = pieces[0]
    for i, slot in enumerate(entry.route_slots, 1):
        value = route_args[slot]
        # A value that needs no escaping (most ids) is its own encoding.
        if not _PLAIN_SEGMENT(value):
            value = _encode_route_value(entry, entry.args[slot], value)
        path += value + pieces[i]
    return path


# -- compiled route plans --------------------------------------------------------
#
# buildUrl and buildSignedUrl are called in loops (a link per artifact), and
# the general rules above cost a dozen calls and a regex match per value.
# Each entry's route is compiled once into a function of the positional
# arguments that returns the path for the common call, or None for anything
# else (keywords, a payload, a value to escape beyond "/", a value that is
# empty, "." or ".."), which then takes the general way and its errors.

# The characters encodeURIComponent leaves as they are, and "/" (artifact
# names), which becomes %2F.  All values are checked at once, joined by NUL:
# deleting these bytes from the UTF-8 leaves exactly the separators when no
# value needs more escaping (a byte table: cheaper than a regex match).
_PLAIN_BYTES = (b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                b"-_.~!*'()/")


_ODD_VALUES = frozenset(("", ".", ".."))


def compile_route(entry: FunctionEntry):
    """The path function of ``entry``: ``fn(args) -> path or None``, the path
    relative to the API base exactly as :func:`_route_path` gives it.

    Written out as straight-line Python for the entry's arguments and
    compiled once (as ``collections.namedtuple`` does): a loop over the
    values cost as much as the rest of buildUrl together.  The source holds
    no reference text but the route's pieces, as ``repr`` literals."""
    n = len(entry.args)
    if n == 0:
        path = entry.route_pieces[0]
        return lambda values: path if not values else None
    names = ["v%d" % i for i in range(n)]
    src = ["def path_of(values):",
           "    try:",
           "        %s, = values" % ", ".join(names),
           "    except ValueError:",      # another number of values
           "        return None"]
    for v in names:
        src += ["    if type(%s) is not str:" % v,
                "        if type(%s) is not int:" % v,
                "            return None",
                "        %s = str(%s)" % (v, v)]
    src += ["    joined = %s" % " + sep + ".join(names),
            # surrogatepass: a lone surrogate is left to the general rules
            "    if joined.encode('utf-8', 'surrogatepass').translate(None, plain) != %r:"
            % (b"\x00" * (n - 1)),
            "        return None",
            "    if %s:" % " or ".join("%s in odd" % v for v in names),
            "        return None",
            "    if '/' in joined:"]
    src += ["        %s = %s.replace('/', '%%2F')" % (v, v) for v in names]
    parts = [repr(entry.route_pieces[0])]
    for slot, piece in zip(entry.route_slots, entry.route_pieces[1:]):
        parts += [names[slot], repr(piece)]
    src.append("    return " + " + ".join(p for p in parts if p != "''"))
    namespace = {"plain": _PLAIN_BYTES, "odd": _ODD_VALUES, "sep": "\x00"}
    exec(compile("\n".join(src), "<route plan %s.%s>" % (entry.owner, entry.name), "exec"),
         namespace)
    return namespace["path_of"]
