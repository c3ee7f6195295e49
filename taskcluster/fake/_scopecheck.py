"""The scope questions the fake deployment asks, in one place: fill a
method's scope template, does a scope set satisfy an expression, what is
missing, and the 403 message.

The algebra is ``taskcluster.scopes`` (taskcluster-lib-scopes' functions)
and the templates are filled by ``taskcluster._requiredscopes.expressionFor``
(the route parameters, what the service derives from the payload, and what
a handler adds from its state), so the fake checks exactly what
``requiredScopes`` tells a client it needs.
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional, Sequence

from ..exceptions import MissingScopeParameter

__all__ = ["MissingParameter", "fill", "satisfies", "missing", "denial"]

MissingParameter = MissingScopeParameter


def fill(service: str, method: str, params: Mapping[str, str], payload: Any,
         extra: Optional[Mapping[str, Any]] = None) -> Any:
    """The method's scope expression for this request (None when it needs
    none); raises :class:`MissingParameter` when only the handler can tell."""
    from .._requiredscopes import expressionFor
    return expressionFor(service, method, params, payload, extra or None)


def satisfies(scopes: Sequence[str], expression: Any) -> bool:
    """Whether ``scopes`` satisfy ``expression``."""
    from ..scopes import satisfiesExpression
    return satisfiesExpression(list(scopes), expression)


def missing(scopes: Sequence[str], expression: Any) -> Optional[Any]:
    """What of ``expression`` ``scopes`` leave unsatisfied (None: nothing)."""
    from ..scopes import removeGivenScopes
    return removeGivenScopes(list(scopes), expression)


def denial(clientId: Optional[str], scopes: Sequence[str], expression: Any) -> str:
    """The 403 message, worded as the services' API library words it: what
    is missing and the whole expression required, or, for a call without
    credentials, the expression."""
    required = json.dumps(expression, indent=2)
    if clientId is None:
        return "\n".join([
            "This request requires Taskcluster credentials that satisfy the following "
            "scope expression:", "", "```", required, "```"])
    return "\n".join([
        "Client ID %s does not have sufficient scopes and is missing the following scopes:"
        % clientId, "", "```", json.dumps(missing(scopes, expression), indent=2), "```", "",
        "This request requires the client to satisfy the following scope expression:", "",
        "```", required, "```"])
