"""The scope algebra of ``taskcluster-lib-scopes`` 11.0.0, in plain Python.

The twelve functions keep the Node library's names and give its results
(``nox -s conformance`` checks a seeded corpus of calls against the real
package).  A *scope* is a string; a final ``*`` makes it a pattern that
satisfies every scope starting with what precedes the star.  A *scope set* is
a list (or tuple) of scopes.  A *scope expression* is a scope,
``{"AllOf": [expr, ...]}`` or ``{"AnyOf": [expr, ...]}``.

The sort order.  Scopes sort as strings, except that a final ``*`` sorts
before the end of the string: for a prefix ``P`` (not ending in ``*``) the
scopes starting with ``P`` come as ``P*``, then ``P``, then ``P<more>``, e.g.
``["*", "", "a*", "a", "a(", "aa", "b"]``.  That puts each pattern in front
of everything it satisfies, which is what :func:`normalizeScopeSet` and
:func:`mergeScopeSets` rely on.  Strings compare by UTF-16 code units, as
JavaScript compares them (it matters only beyond U+FFFF).

Where this module differs from Node (each function's docstring says so):

- Bad input is refused with a :class:`~taskcluster.exceptions.TaskclusterInputError`
  naming the function and the argument (a ``ValueError``, and also a
  ``TypeError`` when the type is wrong), where Node sometimes answers
  anyway: ``satisfiesExpression(["a"], {})`` is false in Node, and an
  expression with an extra key next to ``AllOf`` is evaluated.  An expression
  is well formed when it is a string, or a dict with exactly one key,
  ``AllOf`` or ``AnyOf``, whose value is a list of well-formed expressions
  (Node's ``validExpression`` requires that too, plus printable-ASCII scopes).
- Nothing is sorted in place (Node's ``scopeUnion`` sorts its arguments).
- ``simplifyScopeExpression`` gives the simplified expression where Node
  returns ``undefined`` or throws a ``TypeError``: when an ``AnyOf`` inside
  an ``AnyOf`` simplifies to a single scope or to an ``AllOf``.
"""

from __future__ import annotations

from typing import Any, Optional

from ._scopealgebra import (Expression, mergeScopeSets, normalizeScopeSet, patternMatch,
                            removeGivenScopes, satisfiesExpression, scopeCompare,
                            scopeIntersection, scopeKey, scopesSatisfying, scopeUnion,
                            simplifyScopeExpression, validExpression, validScope)

__all__ = [
    "validScope", "validExpression", "patternMatch", "scopeCompare", "scopeKey",
    "normalizeScopeSet", "mergeScopeSets", "scopeIntersection", "scopeUnion",
    "satisfiesExpression", "scopesSatisfying", "removeGivenScopes",
    "simplifyScopeExpression",
]


def requiredScopes(service: str, method: str, *args: Any, payload: Any = None,
                   **kwargs: Any) -> Optional[Expression]:
    """The scope expression calling ``service.method`` with these arguments
    needs: the reference's template filled as the service fills it, from the
    route arguments and what it derives from the payload (createTask's
    ``priority``, ``taskQueueId``, ``schedulerId``, ``projectId``, ``scopes``
    and ``routes``, ...).  Arguments as the client method takes them; other
    keywords give what only the service knows (``schedulerId=`` for
    ``scheduleTask``).  None when the method needs no scopes; raises
    ``MissingScopeParameter`` naming a parameter that is neither given nor
    derivable.  Also a method of every client:
    ``queue.requiredScopes("createTask", taskId, payload=task)``."""
    from ._requiredscopes import requiredScopes as required
    return required(service, method, *args, payload=payload, **kwargs)


__all__ += ["requiredScopes"]
