"""Routing-key patterns for pulse topic exchanges, as Node's client builds them.

A pattern is built from the entry's routing-key parts: a constant part is
always its constant; a given value is used (numbers become strings); a part
not given is ``*``, or ``#`` for a multi-word part.  A dot in a single-word
value, or a value of another type, is refused.
"""

from __future__ import annotations

import math
from typing import Any, Dict, Mapping

from ._references import ExchangeEntry, thaw
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


_prepared: Dict[int, tuple] = {}
_SCALARS = (str, int, float, bool, type(None))


def _prepare(entry: ExchangeEntry) -> tuple:
    """What every call of an exchange method needs, computed once per entry:
    (entry, part names, index of each free part, the all-wildcards pattern
    as words, the reference as plain data, whether its parts hold only scalars)."""
    prepared = _prepared.get(id(entry))
    if prepared is None or prepared[0] is not entry:
        reference = thaw(entry.raw_routing_key)
        flat = all(type(v) in _SCALARS for part in reference for v in part.values())
        words = tuple(p.constant if p.constant else ("#" if p.multipleWords else "*")
                      for p in entry.routingKey)
        index = {p.name: i for i, p in enumerate(entry.routingKey) if not p.constant}
        prepared = (entry, frozenset(p.name for p in entry.routingKey), index, words,
                    reference, flat)
        _prepared[id(entry)] = prepared
    return prepared


def routing_key_pattern(label: str, entry: ExchangeEntry, values: Mapping[str, Any]) -> str:
    _, known, index, defaults, _, _ = _prepare(entry)
    if not known.issuperset(values):
        key = next(k for k in values if k not in known)
        raise _fail(label, key, "unknown routing-key part %r (parts: %s)"
                    % (key, ", ".join(p.name for p in entry.routingKey)))
    words = list(defaults)
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
    reference, flat = _prepare(entry)[4:]
    return {
        "exchange": (prefix or "") + entry.exchange,
        "routingKeyPattern": pattern,
        # a copy for the caller to keep: one level deep is whole when the
        # parts hold only scalars, as every reference's do
        "routingKeyReference": [dict(p) for p in reference] if flat
        else thaw(entry.raw_routing_key),
    }
