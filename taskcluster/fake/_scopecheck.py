"""The scope questions the fake deployment asks, in one place: fill a
method's scope template, does a scope set satisfy an expression, what is
missing.

The scope algebra itself is ``taskcluster.scopes`` (taskcluster-lib-scopes'
functions) and the templates ``taskcluster.scopes.requiredScopes``; until
those land on this branch the small versions below stand in, behind the same
three functions, so nothing else here changes when they are swapped.
"""

from __future__ import annotations

import json
import re
from typing import Any, List, Mapping, Optional, Sequence

__all__ = ["MissingParameter", "fill", "satisfies", "missing", "denial"]

_PARAM = re.compile(r"<([^<>]+)>")


class MissingParameter(Exception):
    """The template needs ``parameter``, which the call did not give."""

    def __init__(self, parameter: str) -> None:
        super().__init__("the scope template needs parameter %r" % parameter)
        self.parameter = parameter


def _fill(template: Any, params: Mapping[str, Any]) -> List[Any]:
    """The template's expansion as a list to splice (a for/each gives many,
    an if without else may give none)."""
    if isinstance(template, str):
        def value(m):
            name = m.group(1)
            if name not in params:
                raise MissingParameter(name)
            v = params[name]
            if not isinstance(v, str):
                raise MissingParameter(name)
            return v
        return [_PARAM.sub(value, template)]
    if isinstance(template, Mapping):
        if "AllOf" in template or "AnyOf" in template:
            key = "AllOf" if "AllOf" in template else "AnyOf"
            items: List[Any] = []
            for sub in template[key]:
                items.extend(_fill(sub, params))
            return [{key: items}]
        if "if" in template:
            if template["if"] not in params:
                raise MissingParameter(template["if"])
            branch = template.get("then") if params[template["if"]] else template.get("else")
            return [] if branch is None else _fill(branch, params)
        if "for" in template:
            if template["in"] not in params:
                raise MissingParameter(template["in"])
            out: List[Any] = []
            for item in params[template["in"]] or ():
                out.extend(_fill(template["each"], dict(params, **{template["for"]: item})))
            return out
    raise ValueError("not a scope template: %r" % (template,))


def fill(template: Any, params: Mapping[str, Any]) -> Any:
    """The scope expression of ``template`` with ``params`` filled in (None
    for a method without scopes).  Raises :class:`MissingParameter`."""
    if template is None:
        return None
    filled = _fill(template, params)
    if len(filled) != 1:
        return {"AllOf": filled}
    return filled[0]


def _scope_satisfies(have: str, want: str) -> bool:
    return have == want or (have.endswith("*") and want.startswith(have[:-1]))


def satisfies(scopes: Sequence[str], expression: Any) -> bool:
    """Whether ``scopes`` satisfy ``expression`` (a scope, AllOf, AnyOf)."""
    if isinstance(expression, str):
        return any(_scope_satisfies(s, expression) for s in scopes)
    if "AllOf" in expression:
        return all(satisfies(scopes, e) for e in expression["AllOf"])
    return any(satisfies(scopes, e) for e in expression["AnyOf"])


def missing(scopes: Sequence[str], expression: Any) -> Optional[Any]:
    """What of ``expression`` ``scopes`` leave unsatisfied, as an
    expression, or None when nothing is."""
    if isinstance(expression, str):
        return None if satisfies(scopes, expression) else expression
    if "AllOf" in expression:
        left = [m for m in (missing(scopes, e) for e in expression["AllOf"]) if m is not None]
        if not left:
            return None
        return left[0] if len(left) == 1 else {"AllOf": left}
    left = [missing(scopes, e) for e in expression["AnyOf"]]
    if any(m is None for m in left):
        return None
    return left[0] if len(left) == 1 else {"AnyOf": left}


def denial(clientId: Optional[str], scopes: Sequence[str], expression: Any) -> str:
    """The 403 message, worded as the services' API library words it: what
    is missing, then the whole expression required."""
    return "\n".join([
        "Client ID %s does not have sufficient scopes and is missing the following scopes:"
        % (clientId or "(anonymous)"), "", "```",
        json.dumps(missing(scopes, expression), indent=2), "```", "",
        "This request requires the client to satisfy the following scope expression:", "",
        "```", json.dumps(expression, indent=2), "```"])
