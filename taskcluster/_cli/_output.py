"""What an answer looks like on stdout: ``--field`` picks parts of it,
``--output`` shapes it (``json``, the default, or ``table``).

A field is a dotted path (``status.state``); through a list it is taken from
every item (``artifacts.name`` is the list of the names).  One field whose
value is a string prints as plain text, for ``$(...)`` in a script, as
``gh --jq`` and ``aws --query --output text`` do.

A table has a row per item when the answer is a list of objects, or an
object holding one (``tasks`` of ``listTaskGroup``, ``artifacts``); the
fields, else every key met, are its columns.  Any other answer is a table of
its keys (nested keys dotted) and values.
"""

from __future__ import annotations

import json
from typing import Any, List, Optional, Sequence

__all__ = ["pick", "render"]

_MISSING = None


def _get(value: Any, parts: Sequence[str]) -> Any:
    if not parts:
        return value
    if isinstance(value, list):
        return [_get(item, parts) for item in value]
    if isinstance(value, dict):
        return _get(value.get(parts[0], _MISSING), parts[1:])
    return _MISSING


def pick(value: Any, fields: Sequence[str]) -> Any:
    """The ``fields`` of ``value``: one field's value, or an object of them."""
    if not fields:
        return value
    picked = {f: _get(value, f.split(".")) for f in fields}
    return picked[fields[0]] if len(fields) == 1 else picked


def _rows(value: Any) -> Optional[List[dict]]:
    """The items of a list answer, when every one is an object."""
    def objects(v):
        return isinstance(v, list) and bool(v) and all(isinstance(i, dict) for i in v)
    if objects(value):
        return value
    if isinstance(value, dict):
        lists = [v for v in value.values() if objects(v)]
        if len(lists) == 1:
            return lists[0]
    return None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    # One line per row, whatever the value holds.
    return text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")


def _flat(value: Any, prefix: str = "") -> List[tuple]:
    if isinstance(value, dict) and value:
        out: List[tuple] = []
        for key, sub in value.items():
            out += _flat(sub, "%s.%s" % (prefix, key) if prefix else str(key))
        return out
    return [(prefix or "value", value)]


def _table(header: List[str], rows: List[List[str]]) -> str:
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
             for r in [header] + rows]
    return "\n".join(lines)


def table(value: Any, fields: Sequence[str]) -> str:
    rows = _rows(value)
    if rows is not None:
        columns = list(fields)
        if not columns:
            for row in rows:
                columns += [k for k in row if k not in columns]
        return _table([c.upper() for c in columns],
                      [[_cell(_get(row, c.split("."))) for c in columns] for row in rows])
    picked = pick(value, fields) if len(fields) != 1 else {fields[0]: pick(value, fields)}
    return _table(["KEY", "VALUE"], [[k, _cell(v)] for k, v in _flat(picked)])


def render(value: Any, fields: Sequence[str], output: str, terminal: bool) -> str:
    """``value`` as the command line prints it (without the final newline)."""
    if output == "table":
        return table(value, fields)
    value = pick(value, fields)
    if len(fields) == 1 and isinstance(value, str) and value.isprintable():
        return value        # (a control character, an escape sequence: JSON, quoted)
    if terminal:
        return json.dumps(value, indent=2, ensure_ascii=False)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
