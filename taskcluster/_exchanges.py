"""Routing-key patterns for pulse topic exchanges, as Node's client builds them.

A pattern is built from the entry's routing-key parts: a constant part is
always its constant; a given value is used (numbers become strings); a part
not given is ``*``, or ``#`` for a multi-word part.  A dot in a single-word
value, or a value of another type, is refused.
"""

from __future__ import annotations

import math
from typing import Any, Dict, Mapping

from ._references import ExchangeEntry
from .exceptions import TaskclusterInputError

__all__ = ["routing_key_pattern", "binding"]


def _fail(label: str, argument, what: str) -> TaskclusterInputError:
    return TaskclusterInputError("%s: %s" % (label, what), method=label, argument=argument)


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


def binding(label: str, prefix: str, entry: ExchangeEntry, args: tuple,
            kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """The exchange binding for a call of an exchange method.

    Accepted forms: no argument; a ready pattern string; a dict of part
    values; keyword part values; positional values filling the non-constant
    parts in order.  A dict and keywords may be combined (keywords win)."""
    values: Dict[str, Any] = {}
    pattern = None
    if not args:
        values = kwargs  # already this call's own dict
    elif len(args) == 1 and isinstance(args[0], str) and not kwargs:
        pattern = args[0]
    elif len(args) == 1 and isinstance(args[0], Mapping):
        values.update(args[0])
    elif len(args) == 1 and args[0] is None:
        pass
    elif args:
        free = [p for p in entry.routingKey if not p.constant]
        if len(args) > len(free):
            raise _fail(label, None, "takes at most %d routing-key values (%s), %d were given"
                        % (len(free), ", ".join(p.name for p in free), len(args)))
        for part, value in zip(free, args):
            values[part.name] = value
    if values is not kwargs:
        values.update(kwargs)
    if pattern is None:
        pattern = routing_key_pattern(label, entry, values)
    return {
        "exchange": (prefix or "") + entry.exchange,
        "routingKeyPattern": pattern,
        # A new list of the reference's own parts, which are read-only dicts
        # (Node's client clones them; sharing frozen ones costs nothing and
        # no caller can edit the loaded reference through them).
        "routingKeyReference": list(entry.raw_routing_key),
    }
