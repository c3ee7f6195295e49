"""The scope corpus: seeded calls of the twelve taskcluster-lib-scopes
functions, run by Node (oracle kind ``scopes``) and by ``taskcluster.scopes``.

Generation is deterministic (one ``random.Random(SEED)``).  The scopes are
drawn from one small pool so that sets and expressions overlap: stars (final
and inside), the empty scope, prefixes of prefixes, non-ASCII (beyond U+FFFF
too), tabs, newlines and other control characters.  Expressions nest to depth
four; some are malformed on purpose.

A case is ``{"kind": "scopes", "id", "fn", "args"}``, plus ``"malformed"``
(``"expression"`` or ``"argument"``) where the generator broke an argument's
type or shape: Python refuses those, where Node may answer.  Two kinds of
companion cases serve the comparison (scope_check.py):

* ``<id>/valid``: Node's ``validExpression`` on a malformed expression;
* ``<id>/meaning/<k>``: ``satisfiesExpression`` of a few scope sets on each
  expression given to ``simplifyScopeExpression`` (what the expression means).
"""

from __future__ import annotations

import random
from typing import Any, Dict, List

SEED = 18
PER_FUNCTION = {
    "validScope": 400, "validExpression": 500, "patternMatch": 500, "scopeCompare": 600,
    "normalizeScopeSet": 400, "mergeScopeSets": 400, "scopeIntersection": 400,
    "scopeUnion": 400, "satisfiesExpression": 1000, "scopesSatisfying": 500,
    "removeGivenScopes": 500, "simplifyScopeExpression": 600,
}
MEANING_SETS = 6

ATOMS = [
    "", "*", "a", "a*", "ab", "ab*", "abc", "abc*", "a:", "a:*", "a:b", "a:b*", "a:b:c", "a:b:c*",
    "**", "a**", "*a", "a*b", " ", "a b", " *",
    "queue:create-task:*", "queue:create-task:highest:*", "queue:create-task:highest:proj-x/*",
    "queue:create-task:highest:proj-x/linux", "assume:repo:github.com/org/*",
    "\u00fc", "\u00fc*", "\u00fcber", "\u540d\u524d:*", "\u540d\u524d:x", "\U0001F409",
    "\U0001F409*", "\uffff", "\ue000*", "\u00e9",
    "a\tb", "tab\t*", "line\n", "\n", "a\nb", "\r", "x\x7f", "\x00", "~", "~*", "}", "|*",
]
PIECES = ["", "b", "c", ":", ":x", "\u00fc", "\t", "\U0001F409", "*", "\n"]
MALFORMED = [
    {}, {"AllOf": "a"}, {"AnyOf": ["a"], "x": 1}, {"allOf": ["a"]}, None, 5, True, ["a"],
    {"AllOf": [None]}, {"AllOf": [], "AnyOf": ["a"]}, {"AnyOf": {"a": 1}},
    {"AllOf": ["a"], "AnyOf": []}, {"AnyOf": [["a"]]}, {"AllOf": [{"AnyOf": "a*"}]},
]
NOT_A_SCOPE = [None, 1, True, ["a"], {"a": 1}]
NOT_A_SCOPESET = ["a*", None, 3, {"a": 1}, ["a", None], ["a*", 5, "b"], [["a"]]]


def _printable(s: str) -> bool:
    return all(" " <= ch <= "~" for ch in s)


PRINTABLE_ATOMS = [a for a in ATOMS if _printable(a)]
PRINTABLE_PIECES = [p for p in PIECES if _printable(p)]


def scope(rng: random.Random, printable: bool = False) -> str:
    """A scope from the pool; only valid scopes (0x20-0x7e) if ``printable``."""
    s = rng.choice(PRINTABLE_ATOMS if printable else ATOMS)
    if rng.random() < 0.5:
        s += rng.choice(PRINTABLE_PIECES if printable else PIECES) + rng.choice(["", "", "*"])
    return s


def scopeset(rng: random.Random) -> List[str]:
    n = rng.choice([0, 0, 1, 2, 3, 4, 5, 8, 13, 40])
    return [scope(rng) for _ in range(n)]


def expression(rng: random.Random, depth: int, deep: bool = False,
               printable: bool = False) -> Any:
    """A random expression nesting at most ``depth`` levels (exactly, if ``deep``)."""
    if depth == 0 or (not deep and rng.random() < 0.35):
        return scope(rng, printable)
    n = rng.choice([0, 1, 1, 2, 2, 3, 4]) if not deep else rng.randrange(1, 4)
    members = [expression(rng, depth - 1, deep and i == 0, printable) for i in range(n)]
    return {rng.choice(["AllOf", "AnyOf"]): members}


def break_expression(rng: random.Random, expr: Any) -> Any:
    """``expr`` with one node (maybe the whole) replaced by a malformed one."""
    bad = rng.choice(MALFORMED)
    if isinstance(expr, str) or rng.random() < 0.25:
        return bad
    (key, members), = expr.items()
    if not members:
        return {key: [bad]}
    i = rng.randrange(len(members))
    return {key: members[:i] + [break_expression(rng, members[i])] + members[i + 1:]}


def any_expression(rng: random.Random, printable: bool = False) -> Any:
    return expression(rng, 4, deep=rng.random() < 0.3, printable=printable)


def nested_any_of(rng: random.Random) -> Any:
    """An AnyOf holding an AnyOf of one member or none, where Node's simplify
    breaks (the member may be a scope, an AllOf or an AnyOf)."""
    inner = {"AnyOf": [expression(rng, 2, printable=True)] if rng.random() < 0.8 else []}
    others = [expression(rng, 2, printable=True) for _ in range(rng.randrange(3))]
    members = others + [inner]
    rng.shuffle(members)
    outer = {"AnyOf": members}
    return {"AllOf": [outer, scope(rng, True)]} if rng.random() < 0.3 else outer


def meaning_sets(rng: random.Random, expr: Any) -> List[List[str]]:
    """A few scope sets that tell expressions apart: subsets of the
    expression's scopes, a star scope standing also for a scope it covers."""
    names: List[str] = []

    def walk(e):
        if isinstance(e, str):
            names.append(e)
            if e.endswith("*"):
                names.append(e[:-1] + "-x")
        else:
            for m in next(iter(e.values())):
                walk(m)

    walk(expr)
    names = sorted(set(names))
    sets = [[], names]
    while len(sets) < MEANING_SETS:
        sets.append([n for n in names if rng.random() < 0.5])
    return sets


def order_key(s: str) -> tuple:
    """The library's sort order, written independently of taskcluster.scopes:
    UTF-16 code units, a final star before the end of the string."""
    star = s.endswith("*")
    return (s[:-1] if star else s).encode("utf-16-be", "surrogatepass"), 0 if star else 1


def _sorted_normal(rng: random.Random) -> List[str]:
    """A sorted scope set where no scope satisfies another."""
    out: List[str] = []
    for s in sorted(set(scopeset(rng)), key=order_key):
        if not any(p == s or (p.endswith("*") and s.startswith(p[:-1])) for p in out):
            out.append(s)
    return out


def well_formed(expr: Any) -> bool:
    if isinstance(expr, str):
        return True
    if not isinstance(expr, dict) or len(expr) != 1:
        return False
    (key, members), = expr.items()
    return key in ("AllOf", "AnyOf") and isinstance(members, list) and all(
        map(well_formed, members))


def _args(rng: random.Random, fn: str, n: int) -> tuple:
    """(args, malformed) for call ``n`` of ``fn``."""
    odd = n % 25 == 24  # one call in 25 has a malformed argument
    if fn == "validScope":
        return [rng.choice(NOT_A_SCOPE) if odd else scope(rng)], None
    if fn == "validExpression":
        expr = any_expression(rng, printable=n % 2 == 0)
        if n % 3 == 0:
            expr = break_expression(rng, expr)
        return [expr], None  # invalid ones raise in both
    if fn in ("patternMatch", "scopeCompare"):
        a, b = scope(rng), scope(rng)
        if n % 4 == 0:  # a prefix, or the other with a star
            b = a[: rng.randrange(len(a) + 1)] + rng.choice(["", "*", "b"])
        if odd:
            return [a, rng.choice(NOT_A_SCOPE)], "argument"
        return [a, b] if n % 2 else [b, a], None
    if fn == "normalizeScopeSet":
        if odd:
            return [rng.choice(NOT_A_SCOPESET)], "argument"
        s = scopeset(rng)
        return [s if n % 5 == 0 else sorted(s, key=order_key)], None
    if fn == "mergeScopeSets":
        if odd:
            return [_sorted_normal(rng), rng.choice(NOT_A_SCOPESET)], "argument"
        if n % 7 == 0:
            return [scopeset(rng), scopeset(rng)], None
        return [_sorted_normal(rng), _sorted_normal(rng)], None
    if fn in ("scopeIntersection", "scopeUnion"):
        if odd:
            return [scopeset(rng), rng.choice(NOT_A_SCOPESET)], "argument"
        return [scopeset(rng), scopeset(rng)], None
    if fn in ("satisfiesExpression", "scopesSatisfying", "removeGivenScopes"):
        expr = any_expression(rng)
        given = scopeset(rng)
        if n % 3 == 0:  # hold some of the expression's own scopes
            given += [s for s in meaning_sets(rng, expr)[-1]]
        if n % 10 == 9:
            return [given, break_expression(rng, expr)], "expression"
        if odd:
            return [rng.choice(NOT_A_SCOPESET), expr], "argument"
        return [given, expr], None
    if fn == "simplifyScopeExpression":
        expr = nested_any_of(rng) if n % 4 == 3 else any_expression(rng, printable=n % 10 != 0)
        if n % 12 == 11:
            expr = break_expression(rng, expr)  # refused by both
        return [expr], None
    raise ValueError(fn)


def scope_cases() -> List[Dict[str, Any]]:
    rng = random.Random(SEED)
    cases: List[Dict[str, Any]] = []
    for fn, count in PER_FUNCTION.items():
        for n in range(count):
            args, malformed = _args(rng, fn, n)
            case = {"kind": "scopes", "id": "scopes/%s/%d" % (fn, n), "fn": fn, "args": args}
            if malformed:
                case["malformed"] = malformed
            cases.append(case)
            if malformed == "expression":
                cases.append({"kind": "scopes", "id": case["id"] + "/valid",
                              "fn": "validExpression", "args": [args[1]]})
            if fn == "simplifyScopeExpression" and well_formed(args[0]):
                for k, given in enumerate(meaning_sets(rng, args[0])):
                    cases.append({"kind": "scopes", "id": "%s/meaning/%d" % (case["id"], k),
                                  "fn": "satisfiesExpression", "args": [given, args[0]]})
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    return cases


def primary(cases: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The corpus's own calls, without the companion cases."""
    return [c for c in cases if c["id"].count("/") == 2]


if __name__ == "__main__":
    from collections import Counter
    cs = scope_cases()
    print(len(cs), "cases,", len(primary(cs)), "primary;",
          dict(Counter(c["fn"] for c in primary(cs))))
