"""Short, aligned accounts of how Python's output differs from Node's.

A case that differs reads as the fields that differ, Python's value over
Node's, each cut to a window around the first character where they part (a
caret marks it), then how many fields agree.  A run shows the first few such
cases and counts the rest, so that four broken cases make a screenful, not
135 KB of one-line JSON.

    request/Queue.createTask: 1 field differs, 5 identical
      authorization  python  ...nonce="n00041", mac="Zm9vYmFy..."
                     node    ...nonce="n00041", ext="eyJhdXRo...", mac="..."
                                                 ^
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

__all__ = ["leaves", "describe", "report"]

WIDTH = 72        # characters of a value shown
BEFORE = 24       # of which before the first difference
MAX_FIELDS = 6    # fields shown per case
MAX_CASES = 10    # cases shown per run
ABSENT = "(absent)"
ELLIPSIS = "..."


def leaves(value: Any, path: str = "") -> Iterator[Tuple[str, Any]]:
    """(dotted path, value) for every scalar (or empty container) in ``value``,
    in the value's own order."""
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from leaves(item, "%s.%s" % (path, key) if path else str(key))
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from leaves(item, "%s[%d]" % (path, index))
    else:
        yield path or "value", value


def _shown(value: Any) -> str:
    # Strings as they are (a Hawk header is easier to read unescaped).
    if value is ABSENT or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _windows(a: str, b: str) -> Tuple[str, str, int]:
    """Both texts cut to the same window around their first difference, and
    the caret's column in the cut texts."""
    first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    start = max(0, first - BEFORE)
    lead = ELLIPSIS if start else ""

    def cut(text: str) -> str:
        tail = ELLIPSIS if len(text) > start + WIDTH else ""
        return lead + text[start:start + WIDTH] + tail

    return cut(a), cut(b), len(lead) + first - start


def _pair(label: str, width: int, py: str, node: str, caret: Optional[int]) -> List[str]:
    """Python's value over Node's, in one column, after a label ``width`` wide."""
    lines = ["  %s  python  %s" % (label.ljust(width), py),
             "  %s  node    %s" % (" " * width, node)]
    if caret is not None:
        lines.append(" " * (width + 12 + caret) + "^")
    return lines


def describe(py: Dict[str, Any], node: Dict[str, Any], py_error: Optional[str] = None,
             node_error: Optional[str] = None) -> str:
    """How two projected outputs (``{"ok": value}`` or ``{"error": True}``)
    differ: a one-line summary, then aligned lines.  ``*_error``: the message
    of a side that refused, where it is known."""
    if ("error" in py) != ("error" in node):
        def outcome(side, message):
            if "error" in side:
                return "refused" + (": " + message if message else "")
            return "returned " + _shown(side["ok"])
        shown_py, shown_node, _ = _windows(outcome(py, py_error), outcome(node, node_error))
        return "\n".join(["one side refused the input"]
                         + _pair("outcome", 7, shown_py, shown_node, None))
    py_leaves = {path: _shown(v) for path, v in leaves(py.get("ok"))}
    node_leaves = {path: _shown(v) for path, v in leaves(node.get("ok"))}
    paths = list(node_leaves) + [p for p in py_leaves if p not in node_leaves]
    differ = [p for p in paths if py_leaves.get(p, ABSENT) != node_leaves.get(p, ABSENT)]
    if not differ:
        return "\n".join(["the same fields, in another order"]
                         + _pair("order", 5, ", ".join(py_leaves), ", ".join(node_leaves), None))
    lines = ["%d field%s differ%s, %d identical" % (
        len(differ), "" if len(differ) == 1 else "s", "s" if len(differ) == 1 else "",
        len(paths) - len(differ))]
    width = max(len(p) for p in differ[:MAX_FIELDS])
    for path in differ[:MAX_FIELDS]:
        a, b = py_leaves.get(path, ABSENT), node_leaves.get(path, ABSENT)
        shown_a, shown_b, caret = _windows(a, b)
        lines += _pair(path, width, shown_a, shown_b, None if ABSENT in (a, b) else caret)
    if len(differ) > MAX_FIELDS:
        lines.append("  ... and %d more fields differ" % (len(differ) - MAX_FIELDS))
    return "\n".join(lines)


def report(title: str, failures: Sequence[Tuple[str, str]], total: int) -> str:
    """The account of a run: ``failures`` are (case id, what
    :func:`describe` said), out of ``total`` cases of ``title``."""
    out = ["%d of %d %s differ:" % (len(failures), total, title)]
    for case_id, detail in failures[:MAX_CASES]:
        out.append("%s: %s" % (case_id, detail))
    rest = failures[MAX_CASES:]
    if rest:
        names = ", ".join(case_id for case_id, _ in rest[:MAX_CASES])
        more = ", ..." if len(rest) > MAX_CASES else ""
        out.append("... and %d more: %s%s" % (len(rest), names, more))
    return "\n".join(out)
