"""Routing-key patterns for pulse topic exchanges, as Node's client builds them.

A pattern is built from the entry's routing-key parts: a constant part is
always its constant; a given value is used (numbers become strings); a part
not given is ``*``, or ``#`` for a multi-word part.  A dot in a single-word
value, or a value of another type, is refused.
"""

from __future__ import annotations

import math
from typing import Any, Dict, Mapping, Optional

from ._references import ExchangeEntry
from .exceptions import TaskclusterInputError, TaskclusterRoutingKeyError

__all__ = ["routing_key_pattern", "binding", "exchange_name", "compile_binding"]


def _fail(label: str, argument, what: str) -> TaskclusterInputError:
    # Also a TaskclusterTopicExchangeFailure, as the package raises.
    return TaskclusterRoutingKeyError("%s: %s" % (label, what), method=label,
                                      argument=argument)


def _part_value(label: str, part, value: Any) -> str:
    if isinstance(value, bool):
        raise _fail(label, part.name, "routing-key part %r must be a str or int, not a bool"
                    % part.name)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _fail(label, part.name, "routing-key part %r must be finite" % part.name)
        # JavaScript's String(n): 3.0 -> "3", 1.5 -> "1.5"
        return str(int(value)) if value == int(value) else repr(value)
    if isinstance(value, str):
        if not part.multipleWords and "." in value:
            raise _fail(label, part.name, "routing-key part %r holds one word, so %r cannot "
                        "contain a dot" % (part.name, value))
        return value
    raise _fail(label, part.name, "routing-key part %r must be a str or int, not %s"
                % (part.name, type(value).__name__))


def routing_key_pattern(label: str, entry: ExchangeEntry, values: Mapping[str, Any]) -> str:
    index = entry.free_parts
    for key in values:
        if key not in index and not any(p.name == key for p in entry.routingKey):
            raise _fail(label, key, "unknown routing-key part %r (parts: %s)"
                        % (key, ", ".join(p.name for p in entry.routingKey)))
    words = list(entry.wildcards)
    parts = entry.routingKey
    try:
        for key, value in values.items():
            i = index.get(key)  # None for a constant part: its constant stays
            if i is not None and value is not None:
                words[i] = _part_value(label, parts[i], value)
    except TaskclusterInputError:
        # Report the first bad value in routing-key order, whatever the dict's order.
        for part in parts:
            if part.name in index and values.get(part.name) is not None:
                _part_value(label, part, values[part.name])
        raise
    return ".".join(words)


def exchange_name(prefix: Optional[str], exchange: str) -> str:
    """The prefix and the exchange joined by exactly one "/", as the package
    joins them (Node's client concatenates: the same for every bundled
    reference, whose prefixes end in one "/")."""
    if not prefix:
        return exchange
    return prefix.rstrip("/") + "/" + exchange.lstrip("/")


def binding(label: str, prefix: str, entry: ExchangeEntry, args: tuple,
            kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """The exchange binding for a call of an exchange method.

    Accepted forms, one meaning each (as Node's client and the package):
    no argument (every part a wildcard); one positional ``str``, which is
    always a whole routing-key pattern, used as it is; one positional dict of
    part values; keyword part values.  A dict and keywords may be combined
    (keywords win).  Part values are never positional: ``taskCompleted('abc')``
    is the pattern ``abc``, and ``taskCompleted(taskId='abc')`` fills a part."""
    values: Dict[str, Any] = {}
    pattern = None
    if len(args) > 1:
        names = [p.name for p in entry.routingKey if not p.constant]
        raise _fail(label, None, "takes one routing-key pattern (a str) or one dict of "
                    "parts, not %d positional arguments; give part values by keyword, e.g. "
                    "%s(%s=...)" % (len(args), entry.name, names[0] if names else "part"))
    if not args:
        values = kwargs  # already this call's own dict
    elif isinstance(args[0], str):
        if kwargs:
            raise _fail(label, sorted(kwargs)[0], "a pattern string is the whole routing key, "
                        "so it takes no part keywords; pass the parts by keyword only")
        pattern = args[0]
    elif isinstance(args[0], Mapping):
        values.update(args[0])
    elif args[0] is not None:
        raise _fail(label, None, "the routing key must be a pattern str or a dict of parts, "
                    "not %s" % type(args[0]).__name__)
    if values is not kwargs:
        values.update(kwargs)
    if pattern is None:
        pattern = routing_key_pattern(label, entry, values)
    return {
        "exchange": exchange_name(prefix, entry.exchange),
        "routingKeyPattern": pattern,
        # A new list of the reference's own parts, which are read-only dicts
        # (Node's client clones them; sharing frozen ones costs nothing and
        # no caller can edit the loaded reference through them).
        "routingKeyReference": list(entry.raw_routing_key),
    }


def compile_binding(entry: ExchangeEntry):
    """The fast way to ``entry``'s binding, compiled once: ``fn(prefix, args,
    kwargs)`` gives what :func:`binding` gives for a call with part values
    by keyword, each a str (a dot only in a multi-word part) or None, and
    None for any other call, which then takes :func:`binding`'s way and its
    errors.  The exchange name is kept for the last prefix seen."""
    index = dict(entry.free_parts)
    one_word = frozenset(p.name for p in entry.routingKey if not p.multipleWords)
    wildcards = list(entry.wildcards)
    reference = entry.raw_routing_key
    exchange = entry.exchange
    last = ("", exchange_name("", exchange))   # (prefix, exchange name), swapped whole

    def fn(prefix, args, kwargs):
        nonlocal last
        if args:
            return None
        words = wildcards.copy()
        for key, value in kwargs.items():
            i = index.get(key)
            if i is None or type(value) is not str:
                if value is None and i is not None:
                    continue
                return None
            if key in one_word and "." in value:
                return None
            words[i] = value
        seen = last
        if seen[0] is not prefix:
            seen = last = (prefix, exchange_name(prefix, exchange))
        return {"exchange": seen[1], "routingKeyPattern": ".".join(words),
                "routingKeyReference": list(reference)}
    return fn
