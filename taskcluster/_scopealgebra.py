"""The scope algebra itself: the twelve functions of ``taskcluster-lib-scopes``
11.0.0 and the sort order they rely on.  Users import them from
``taskcluster.scopes``, whose docstring explains scopes, expressions, the
order and where this differs from Node."""

from __future__ import annotations

import functools
import json
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from .exceptions import TaskclusterInputError

__all__ = [
    "validScope", "validExpression", "patternMatch", "scopeCompare", "scopeKey",
    "normalizeScopeSet", "mergeScopeSets", "scopeIntersection", "scopeUnion",
    "satisfiesExpression", "scopesSatisfying", "removeGivenScopes",
    "simplifyScopeExpression",
]

Expression = Union[str, Dict[str, List[Any]]]

ALL_OF = "AllOf"
ANY_OF = "AnyOf"


class _ScopeTypeError(TaskclusterInputError, TypeError):
    """An argument of the wrong type (a TaskclusterInputError and a TypeError)."""


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _scope(fn: str, argument: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _ScopeTypeError("%s: %s must be a scope (a str), not %s"
                              % (fn, argument, type(value).__name__), method=fn,
                              argument=argument)
    return value


def _scopeset(fn: str, argument: str, value: Any) -> Sequence[str]:
    if not isinstance(value, (list, tuple)):
        raise _ScopeTypeError("%s: %s must be a list of scopes, not %s"
                              % (fn, argument, type(value).__name__), method=fn,
                              argument=argument)
    for i, scope in enumerate(value):
        if not isinstance(scope, str):
            raise _ScopeTypeError("%s: %s[%d] must be a scope (a str), not %s"
                                  % (fn, argument, i, _show(scope)), method=fn,
                                  argument=argument)
    return value


def _printable(scope: str) -> bool:
    return scope.isascii() and scope.isprintable()


def _well_formed(expr: Any, printable: bool) -> bool:
    if isinstance(expr, str):
        return not printable or _printable(expr)
    if not isinstance(expr, dict) or len(expr) != 1:
        return False
    members = expr.get(ALL_OF, expr.get(ANY_OF))
    return isinstance(members, (list, tuple)) and all(
        _well_formed(e, printable) for e in members)


def _expression(fn: str, argument: str, expr: Any, printable: bool = False) -> None:
    """Refuse ``expr`` unless it is a well-formed expression (with printable-ASCII
    scopes only, if ``printable``); the message points at the offending part."""
    if _well_formed(expr, printable):
        return
    where = argument
    while isinstance(expr, dict) and len(expr) == 1:  # walk down to the bad part
        key = next(iter(expr))
        members = expr[key]
        if key not in (ALL_OF, ANY_OF) or not isinstance(members, (list, tuple)):
            break
        i = next(i for i, e in enumerate(members) if not _well_formed(e, printable))
        expr, where = members[i], "%s[%r][%d]" % (where, key, i)
    if isinstance(expr, str):
        raise TaskclusterInputError(
            "%s: %s is not a valid scope (only the characters 0x20-0x7e may appear): %s"
            % (fn, where, _show(expr)), method=fn, argument=argument)
    error = TaskclusterInputError if isinstance(expr, dict) else _ScopeTypeError
    raise error("%s: %s must be a scope expression: a scope (str), {'AllOf': [...]} or "
                "{'AnyOf': [...]}; got %s" % (fn, where, _show(expr)),
                method=fn, argument=argument)


def _matcher(fn: str, argument: str, scopeset: Any) -> Callable[[str], bool]:
    """A function telling whether some scope of ``scopeset`` satisfies a scope."""
    if not isinstance(scopeset, (list, tuple)):
        _scopeset(fn, argument, scopeset)  # raises, naming the type
    try:
        # The same set is asked about again and again (a client's scopes for
        # every request): its matcher is kept.
        return _compiled(tuple(scopeset))
    except TypeError:  # a member that is not a str
        _scopeset(fn, argument, scopeset)  # raises, naming the member
        raise


@functools.lru_cache(maxsize=64)
def _compiled(scopeset: Tuple[str, ...]) -> Callable[[str], bool]:
    # Set lookups of each prefix length a star scope has, instead of a scan
    # of the whole set: a scope is satisfied by an equal scope, or by a star
    # scope whose prefix it starts with.
    exact = set()
    prefixes = set()
    for scope in scopeset:
        if not isinstance(scope, str):
            raise TypeError(scope)  # the caller names the argument
        if scope.endswith("*"):
            prefixes.add(scope[:-1])
        else:
            exact.add(scope)
    lengths = sorted({len(p) for p in prefixes})

    def satisfied(scope: str) -> bool:
        if scope in exact:
            return True
        for n in lengths:
            if n > len(scope):
                return False
            if scope[:n] in prefixes:
                return True
        return False

    return satisfied


def validScope(scope: Any) -> bool:
    """True if ``scope`` is a str of the printable ASCII characters 0x20-0x7e
    only (space included, no other whitespace); the empty string is valid."""
    # Not a regular expression: Python's ``$`` would also match before a final "\n".
    return isinstance(scope, str) and _printable(scope)


def validExpression(expr: Any) -> bool:
    """Return True if ``expr`` is a valid scope expression, else raise
    ``TaskclusterInputError`` saying which part is wrong (Node raises an
    ``AssertionError``).  Valid: a valid scope, or a dict with exactly one key,
    ``AllOf`` or ``AnyOf``, whose value is a list of valid expressions (empty
    lists too)."""
    _expression("validExpression", "expr", expr, printable=True)
    return True


def patternMatch(pattern: str, scope: str) -> bool:
    """True if ``pattern`` satisfies ``scope``: they are equal, or ``pattern``
    ends in ``*`` and ``scope`` starts with what precedes it."""
    _scope("patternMatch", "pattern", pattern)
    _scope("patternMatch", "scope", scope)
    return scope == pattern or (pattern.endswith("*") and scope.startswith(pattern[:-1]))


def _utf16(text: str) -> str:
    # Code points beyond U+FFFF become their surrogate pairs, so that str
    # comparison orders as JavaScript's UTF-16 code-unit comparison does.
    if text.isascii() or max(text) <= "\uffff":
        return text
    out = []
    for ch in text:
        code = ord(ch)
        if code > 0xFFFF:
            code -= 0x10000
            out.append(chr(0xD800 + (code >> 10)) + chr(0xDC00 + (code & 0x3FF)))
        else:
            out.append(ch)
    return "".join(out)


def scopeKey(scope: str) -> Tuple[str, int]:
    """The sort key of the order described in the module docstring:
    ``sorted(scopes, key=scopeKey)`` sorts as Node's ``scopes.sort(scopeCompare)``."""
    _scope("scopeKey", "scope", scope)
    if scope.endswith("*"):
        return _utf16(scope[:-1]), 0
    return _utf16(scope), 1


def scopeCompare(a: str, b: str) -> int:
    """Negative if scope ``a`` sorts before ``b``, positive if after, 0 if they
    are equal (the order of the module docstring)."""
    _scope("scopeCompare", "a", a)
    _scope("scopeCompare", "b", b)
    ka, kb = scopeKey(a), scopeKey(b)
    return (ka > kb) - (ka < kb)


def normalizeScopeSet(scopeset: Sequence[str]) -> List[str]:
    """A new list without the scopes another scope of the set satisfies
    (duplicates, and scopes a ``*`` pattern covers).  ``scopeset`` must be
    sorted with :func:`scopeKey`, as in Node: otherwise the result is not
    normalized (it is the same list Node returns)."""
    _scopeset("normalizeScopeSet", "scopeset", scopeset)
    result: List[str] = []
    last = None
    prefix = None  # what the last kept scope covers, if it ends in "*"
    for scope in scopeset:
        if scope == last or (prefix is not None and scope.startswith(prefix)):
            continue
        result.append(scope)
        last = scope
        prefix = scope[:-1] if scope.endswith("*") else None
    return result


def mergeScopeSets(scopes1: Sequence[str], scopes2: Sequence[str]) -> List[str]:
    """Merge two scope sets, each sorted with :func:`scopeKey` and normalized,
    into a new normalized, sorted list (neither argument is changed)."""
    _scopeset("mergeScopeSets", "scopes1", scopes1)
    _scopeset("mergeScopeSets", "scopes2", scopes2)
    n, m = len(scopes1), len(scopes2)
    i = j = 0
    out: List[str] = []
    while i < n and j < m:
        s1, s2 = scopes1[i], scopes2[j]
        if s1 == s2:
            scope = s1
            i += 1
            j += 1
        elif scopeKey(s1) < scopeKey(s2):
            scope = s1
            i += 1
        else:
            scope = s2
            j += 1
        out.append(scope)
        if scope.endswith("*"):
            # drop what the pattern just taken covers, from both lists
            prefix = scope[:-1]
            while i < n and scopes1[i].startswith(prefix):
                i += 1
            while j < m and scopes2[j].startswith(prefix):
                j += 1
    # One list is used up; the rest of the other still drops what its own
    # patterns cover (but not its duplicates, as in Node).
    for rest, k in ((scopes1, i), (scopes2, j)):
        while k < len(rest):
            scope = rest[k]
            out.append(scope)
            k += 1
            if scope.endswith("*"):
                prefix = scope[:-1]
                while k < len(rest) and rest[k].startswith(prefix):
                    k += 1
    return out


def scopeIntersection(scopeset1: Sequence[str], scopeset2: Sequence[str]) -> List[str]:
    """The scopes satisfied by both sets: those of ``scopeset1`` that
    ``scopeset2`` satisfies, then those of ``scopeset2`` that ``scopeset1``
    satisfies, each once, in that order (neither sorted nor normalized)."""
    in2 = _matcher("scopeIntersection", "scopeset2", scopeset2)
    in1 = _matcher("scopeIntersection", "scopeset1", scopeset1)
    found = [s for s in scopeset1 if in2(s)] + [s for s in scopeset2 if in1(s)]
    return list(dict.fromkeys(found))


def scopeUnion(scopeset1: Sequence[str], scopeset2: Sequence[str]) -> List[str]:
    """The normalized, sorted union of two scope sets.  Node sorts both
    arguments in place as a side effect; this leaves them alone."""
    _scopeset("scopeUnion", "scopeset1", scopeset1)
    _scopeset("scopeUnion", "scopeset2", scopeset2)
    return mergeScopeSets(normalizeScopeSet(sorted(scopeset1, key=scopeKey)),
                          normalizeScopeSet(sorted(scopeset2, key=scopeKey)))


def satisfiesExpression(scopeset: Sequence[str], expression: Expression) -> bool:
    """True if the scopes of ``scopeset`` satisfy ``expression``: a scope
    needs a scope of the set that satisfies it (:func:`patternMatch`),
    ``AllOf`` all its members (so ``{"AllOf": []}`` is always satisfied),
    ``AnyOf`` one of them (so ``{"AnyOf": []}`` never is).  A malformed
    expression is refused, where Node may answer false (``{}``) or evaluate it
    (extra keys beside ``AllOf``)."""
    has = _matcher("satisfiesExpression", "scopeset", scopeset)
    _expression("satisfiesExpression", "expression", expression)

    def satisfied(expr: Expression) -> bool:
        if isinstance(expr, str):
            return has(expr)
        if ALL_OF in expr:
            return all(map(satisfied, expr[ALL_OF]))
        return any(map(satisfied, expr[ANY_OF]))

    return satisfied(expression)


def scopesSatisfying(scopeset: Sequence[str], expression: Expression) -> Optional[List[str]]:
    """The scopes of ``expression`` that ``scopeset`` satisfies and that the
    expression needs (every satisfied branch of an ``AnyOf``, not a minimal
    choice), sorted and normalized; None if ``scopeset`` does not satisfy
    ``expression`` (Node: ``undefined``).  A malformed expression is refused."""
    has = _matcher("scopesSatisfying", "scopeset", scopeset)
    _expression("scopesSatisfying", "expression", expression)
    used: List[str] = []

    def collect(expr: Expression) -> bool:
        # Appends the scopes used and answers True, or answers False and
        # leaves ``used`` as it was.
        if isinstance(expr, str):
            if has(expr):
                used.append(expr)
                return True
            return False
        start = len(used)
        if ALL_OF in expr:
            for sub in expr[ALL_OF]:
                if not collect(sub):
                    del used[start:]
                    return False
            return True
        found = False
        for sub in expr[ANY_OF]:  # every branch, so every satisfied one is listed
            found = collect(sub) or found
        return found

    if not collect(expression):
        return None
    return normalizeScopeSet(sorted(used, key=scopeKey))


def removeGivenScopes(scopeset: Sequence[str], expression: Expression) -> Optional[Expression]:
    """What ``scopeset`` lacks to satisfy ``expression``, as an expression:
    the scopes it does not satisfy, in the expression's shape (an ``AllOf``
    or ``AnyOf`` left with one member becomes that member; an ``AnyOf`` with
    a satisfied member, or an ``AllOf`` with none left, disappears).  None if
    nothing is missing.  A malformed expression is refused (Node evaluates the
    ``AllOf`` or ``AnyOf`` key of a dict with extra keys)."""
    has = _matcher("removeGivenScopes", "scopeset", scopeset)
    _expression("removeGivenScopes", "expression", expression)

    def missing(expr: Expression) -> Optional[Expression]:
        if isinstance(expr, str):
            return None if has(expr) else expr
        if ALL_OF in expr:
            left = [e for e in map(missing, expr[ALL_OF]) if e is not None]
            if not left:
                return None
            return left[0] if len(left) == 1 else {ALL_OF: left}
        left = [missing(e) for e in expr[ANY_OF]]
        if None in left:
            return None
        return left[0] if len(left) == 1 else {ANY_OF: left}

    return missing(expression)


def _canonical(expr: Expression) -> str:
    # How Node tells two sub-expressions apart (fast-json-stable-stringify).
    return json.dumps(expr, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _divide(subexprs) -> Tuple[List[str], List[Expression], List[Expression]]:
    """The scopes (deduplicated, sorted), the AnyOfs and the AllOfs
    (deduplicated, in order) among ``subexprs``."""
    scopes = set()
    any_ofs: Dict[str, Expression] = {}
    all_ofs: Dict[str, Expression] = {}
    for e in subexprs:
        if isinstance(e, str):
            scopes.add(e)
        elif ANY_OF in e:
            any_ofs[_canonical(e)] = e
        else:
            all_ofs[_canonical(e)] = e
    return sorted(scopes, key=scopeKey), list(any_ofs.values()), list(all_ofs.values())


def simplifyScopeExpression(expression: Expression) -> Expression:
    """An expression satisfied by exactly the same scope sets, simplified as
    Node simplifies it: duplicates dropped, scopes sorted, an ``AllOf`` or
    ``AnyOf`` nested in one of its kind flattened into it, the scopes of an
    ``AllOf`` normalized, and a one-member ``AllOf``/``AnyOf`` replaced by its
    member.  Refuses an invalid expression (see :func:`validExpression`), as
    Node does.

    Node is wrong when an ``AnyOf`` nested in an ``AnyOf`` simplifies to
    something other than an ``AnyOf`` (a scope or an ``AllOf``): it returns
    ``undefined`` or throws a ``TypeError``.  Here that member joins the outer
    ``AnyOf``; ``{"AnyOf": [{"AnyOf": ["a"]}, "b"]}`` gives
    ``{"AnyOf": ["a", "b"]}``.
    """
    _expression("simplifyScopeExpression", "expression", expression, printable=True)

    def simplify(expr: Expression) -> Expression:
        if isinstance(expr, str):
            return expr
        if ANY_OF in expr:
            scopes, any_ofs, all_ofs = _divide(expr[ANY_OF])
            members: List[Expression] = []
            for e in map(simplify, any_ofs):
                # Node reads e["AnyOf"] here, whatever e became (its bug)
                members.extend(e[ANY_OF] if isinstance(e, dict) and ANY_OF in e else [e])
            subexprs = scopes + members + [simplify(e) for e in all_ofs]
            if len(subexprs) == 1:
                return subexprs[0]
            # flattened members may repeat scopes: simplify once more
            return simplify({ANY_OF: subexprs}) if any_ofs else {ANY_OF: subexprs}
        scopes, any_ofs, all_ofs = _divide([simplify(e) for e in expr[ALL_OF]])
        scopes = normalizeScopeSet(scopes)
        members = [m for e in all_ofs for m in e[ALL_OF]]
        subexprs = scopes + any_ofs + members
        if len(subexprs) == 1:
            return subexprs[0]
        return simplify({ALL_OF: subexprs}) if all_ofs else {ALL_OF: subexprs}

    return simplify(expression)
