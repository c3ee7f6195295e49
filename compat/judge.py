"""Compare two libraries' observations field by field, and sort each
difference into accepted (listed in ``differences.py``, with its reason) or
not.  Pure functions of JSON data: no I/O, no ``taskcluster``."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional, Sequence, Tuple

__all__ = ["MISSING", "Difference", "Field", "diff", "glob_match", "triage", "render"]

MISSING = "<missing>"
# Fields that describe the run, not the library.
_IGNORED = ("seconds", "traceback")


def _path(parts: Sequence[Any]) -> str:
    out = ""
    for p in parts:
        out += "[%d]" % p if isinstance(p, int) else ("." + p if out else p)
    return out


def _get(tree: Any, parts: Sequence[Any]) -> Any:
    for p in parts:
        if isinstance(p, int) and isinstance(tree, list) and p < len(tree):
            tree = tree[p]
        elif isinstance(p, str) and isinstance(tree, dict) and p in tree:
            tree = tree[p]
        else:
            return MISSING
    return tree


def _walk(a: Any, b: Any, parts: Tuple[Any, ...]):
    """Paths where ``a`` and ``b`` differ: into dicts key by key and into
    lists of containers item by item; elsewhere (a key on one side only,
    scalars, lists of scalars) the whole value is one difference."""
    if a == b:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if not parts and key in _IGNORED:
                continue
            yield from _walk(a.get(key, MISSING), b.get(key, MISSING), parts + (key,))
    elif (isinstance(a, list) and isinstance(b, list)
          and any(isinstance(v, (dict, list)) for v in a + b)):
        for i in range(max(len(a), len(b))):
            yield from _walk(a[i] if i < len(a) else MISSING,
                             b[i] if i < len(b) else MISSING, parts + (i,))
    else:
        yield parts


@dataclass(frozen=True)
class Field:
    """One differing field of one scenario, with both whole observations so
    that a check can read a neighbouring field."""
    scenario: str
    parts: Tuple[Any, ...]
    ours: Any
    theirs: Any
    ours_all: Any = field(repr=False, default=None)
    theirs_all: Any = field(repr=False, default=None)

    @property
    def path(self) -> str:
        return _path(self.parts)

    def sibling(self, name: str, side: str = "ours") -> Any:
        """The field ``name`` next to this one (same parent)."""
        return _get(self.ours_all if side == "ours" else self.theirs_all,
                    self.parts[:-1] + (name,))


@dataclass(frozen=True)
class Difference:
    """A known difference: the fields it covers (globs on the scenario name
    and the field path), what differs and why.  ``check``, when given,
    narrows it: the difference is accepted only where ``check(field)`` holds
    (e.g. "our message contains the package's")."""
    scenarios: str
    fields: str
    what: str = ""      # empty: continues the entry before it
    why: str = ""
    check: Optional[Callable[[Field], bool]] = None

    def covers(self, f: Field) -> bool:
        return (glob_match(self.scenarios, f.scenario) and glob_match(self.fields, f.path)
                and (self.check is None or bool(self.check(f))))


def glob_match(pattern: str, text: str) -> bool:
    """``*`` matches anything; every other character, brackets included
    (field paths have ``[0]``), matches itself."""
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, text, re.DOTALL) is not None


def diff(scenario: str, ours: Any, theirs: Any) -> List[Field]:
    return [Field(scenario, parts, _get(ours, parts), _get(theirs, parts), ours, theirs)
            for parts in _walk(ours, theirs, ())]


def triage(fields: Sequence[Field], known: Sequence[Difference]
           ) -> Tuple[List[Field], List[Tuple[Field, Difference]], List[Difference]]:
    """(unexplained fields, accepted (field, entry) pairs, entries that
    covered nothing: stale, the difference they describe is gone)."""
    unexplained, accepted, used = [], [], set()
    for f in fields:
        entry = next((d for d in known if d.covers(f)), None)
        if entry is None:
            unexplained.append(f)
        else:
            accepted.append((f, entry))
            used.add(id(entry))
    return unexplained, accepted, [d for d in known if id(d) not in used]


def _short(value: Any, width: int, skip: int = 0) -> str:
    text = value if value == MISSING else json.dumps(value, ensure_ascii=False, sort_keys=True)
    if skip:  # the start both sides share: show where they part
        text = "..." + text[skip:]
    return text if len(text) <= width else text[:width - 3] + "..."


def _shared_start(a: Any, b: Any) -> int:
    """How much of the two JSON texts to leave out (keeping some context)."""
    if a == MISSING or b == MISSING:
        return 0
    x, y = json.dumps(a, ensure_ascii=False, sort_keys=True), \
        json.dumps(b, ensure_ascii=False, sort_keys=True)
    n = 0
    while n < min(len(x), len(y)) and x[n] == y[n]:
        n += 1
    return n - 20 if n > 30 else 0


def render(fields: Sequence[Field], width: int = 60) -> str:
    """An aligned table: field, ours, theirs; long values that start alike
    are shown from where they part."""
    if not fields:
        return ""
    name_width = min(max(len(f.path) for f in fields), 48)
    lines = ["  %-*s  %-*s  %s" % (name_width, "field", width, "ours", "taskcluster 113.2.0")]
    for f in fields:
        skip = _shared_start(f.ours, f.theirs)
        lines.append("  %-*s  %-*s  %s" % (name_width, f.path, width,
                                           _short(f.ours, width, skip),
                                           _short(f.theirs, width, skip)))
    return "\n".join(lines)
