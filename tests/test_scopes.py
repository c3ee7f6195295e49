"""taskcluster.scopes: the rules of taskcluster-lib-scopes, checked against
plain definitions (brute force over small sets) and hand-worked examples.
What Node itself answers is checked by the conformance corpus
(tests/test_scopes_golden.py, and ``nox -s conformance``)."""

from __future__ import annotations

import itertools
import os
import pickle
import random
import subprocess
import sys

import pytest

from taskcluster import TaskclusterInputError
from taskcluster import scopes as S


def naive_has(scopeset, scope):
    return any(S.patternMatch(s, scope) for s in scopeset)


def naive_satisfies(scopeset, expr):
    if isinstance(expr, str):
        return naive_has(scopeset, expr)
    if "AllOf" in expr:
        return all(naive_satisfies(scopeset, e) for e in expr["AllOf"])
    return any(naive_satisfies(scopeset, e) for e in expr["AnyOf"])


WORDS = ["", "*", "a", "a*", "ab", "ab*", "abc", "b", "b*", "a:b", "a:*", "a:b*", "a:bc"]


def random_expr(rng, depth, leaves=WORDS):
    if depth == 0 or rng.random() < 0.3:
        return rng.choice(leaves)
    return {rng.choice(["AllOf", "AnyOf"]): [random_expr(rng, depth - 1, leaves)
                                             for _ in range(rng.randrange(4))]}


def leaves_of(expr):
    if isinstance(expr, str):
        return [expr]
    return [s for e in next(iter(expr.values())) for s in leaves_of(e)]


def scopesets_around(expr):
    """Every subset of the expression's scopes, with each star scope also
    standing for one scope it covers: enough to tell two expressions apart."""
    names = sorted(set(leaves_of(expr)) | {s[:-1] + "-x" for s in leaves_of(expr) if s.endswith("*")})
    for r in range(len(names) + 1):
        yield from (list(c) for c in itertools.combinations(names, r))


# validScope


def test_valid_scope_is_printable_ascii_only():
    for code in list(range(0x300)) + [0x2028, 0xFEFF, 0x1F409]:
        assert S.validScope("x%sy" % chr(code)) == (0x20 <= code <= 0x7E), hex(code)
    assert S.validScope("") and S.validScope(" ") and S.validScope("queue:*")


def test_valid_scope_refuses_a_final_newline():
    # a regular expression ending in $ would accept these in Python
    assert not S.validScope("queue:x\n")
    assert not S.validScope("\n")
    assert not S.validScope("a\tb")


@pytest.mark.parametrize("value", [None, 1, b"abc", ["a"], {"AllOf": []}])
def test_valid_scope_is_false_for_non_strings(value):
    assert S.validScope(value) is False


# validExpression


@pytest.mark.parametrize("expr", ["", "a*", {"AllOf": []}, {"AnyOf": []},
                                  {"AnyOf": ["a", {"AllOf": ["b", {"AnyOf": ["c"]}]}]}])
def test_valid_expressions(expr):
    assert S.validExpression(expr) is True


@pytest.mark.parametrize("expr, where", [
    ({}, "expr must be"),
    ({"AllOf": [], "AnyOf": []}, "expr must be"),
    ({"allOf": ["a"]}, "expr must be"),
    ({"AllOf": "a"}, "expr must be"),
    ({"AnyOf": ["a", None]}, "expr['AnyOf'][1] must be"),
    ({"AnyOf": ["a", {"AllOf": ["ok", "tab\there"]}]}, "expr['AnyOf'][1]['AllOf'][1] is not a valid scope"),
    ("ünïcode", "expr is not a valid scope"),
    (None, "expr must be"),
    (["a"], "expr must be"),
])
def test_invalid_expressions_are_refused_saying_where(expr, where):
    with pytest.raises(TaskclusterInputError) as info:
        S.validExpression(expr)
    assert str(info.value).startswith("validExpression: " + where)
    assert info.value.method == "validExpression" and info.value.argument == "expr"
    assert isinstance(info.value, ValueError)


def test_a_wrong_type_is_also_a_type_error():
    with pytest.raises(TypeError):
        S.validExpression(None)
    with pytest.raises(TypeError):
        S.satisfiesExpression("a*", "a")
    with pytest.raises(TypeError) as info:
        S.normalizeScopeSet(["a", 3])
    assert str(info.value) == "normalizeScopeSet: scopeset[1] must be a scope (a str), not 3"
    assert info.value.argument == "scopeset"
    with pytest.raises(TypeError):
        S.patternMatch("a*", None)


def test_errors_pickle():
    with pytest.raises(TaskclusterInputError) as info:
        S.scopeCompare("a", 1)
    again = pickle.loads(pickle.dumps(info.value))
    assert type(again) is type(info.value) and str(again) == str(info.value)
    assert again.method == "scopeCompare" and again.argument == "b"


# patternMatch


@pytest.mark.parametrize("pattern, scope, expected", [
    ("a", "a", True), ("a", "ab", False), ("a*", "a", True), ("a*", "ab", True),
    ("a*", "b", False), ("*", "", True), ("*", "anything", True), ("", "", True),
    ("", "a", False), ("a**", "a*", True), ("a**", "a", False), ("a*", "a*", True),
    ("ab", "a*", False), ("a*b", "a*b", True), ("a*b", "acb", False),
])
def test_pattern_match(pattern, scope, expected):
    assert S.patternMatch(pattern, scope) is expected


# scopeCompare and scopeKey


def test_the_documented_order():
    order = ["*", "", "a*", "a", "a(", "aa", "b"]
    rng = random.Random(0)
    for _ in range(20):
        shuffled = rng.sample(order, len(order))
        assert sorted(shuffled, key=S.scopeKey) == order
    for (i, a), (j, b) in itertools.product(enumerate(order), repeat=2):
        c = S.scopeCompare(a, b)
        assert (c < 0, c == 0, c > 0) == (i < j, i == j, i > j), (a, b)


def test_star_sorts_before_the_end_only_at_the_end():
    assert sorted(["a*b", "a", "a*", "ab", "a**", "a*c"], key=S.scopeKey) == \
        ["a*", "a", "a**", "a*b", "a*c", "ab"]


def test_strings_compare_as_utf16_code_units():
    # U+FFFF is one code unit 0xFFFF; U+1F409 is 0xD83D 0xDC09, which is smaller
    assert S.scopeCompare("\U0001F409", "\uffff") < 0
    assert S.scopeCompare("\u00e9", "\U0001F409") < 0
    assert sorted(["\uffff", "\U0001F409*", "\U0001F409"], key=S.scopeKey) == \
        ["\U0001F409*", "\U0001F409", "\uffff"]


def test_compare_and_key_agree():
    rng = random.Random(7)
    alphabet = ["a", "b", "*", ":", "\u00e9", "\U0001F409", "\uffff"]
    words = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(4))) for _ in range(150)]
    for a, b in itertools.product(words, repeat=2):
        c = S.scopeCompare(a, b)
        assert (c > 0) - (c < 0) == (S.scopeKey(a) > S.scopeKey(b)) - (S.scopeKey(a) < S.scopeKey(b))
        assert (c == 0) == (a == b)


# normalizeScopeSet, mergeScopeSets, scopeUnion, scopeIntersection


def random_scopeset(rng, n):
    return [rng.choice(WORDS) for _ in range(n)]


def is_normal_form_of(result, scopeset):
    """``result`` is sorted, no scope of it satisfies another, and it
    satisfies exactly the scopes ``scopeset`` satisfies."""
    if result != sorted(result, key=S.scopeKey):
        return False
    if any(S.patternMatch(a, b) for a, b in itertools.permutations(result, 2)):
        return False
    probes = WORDS + [w + "zz" for w in WORDS]
    return all(naive_has(result, p) == naive_has(scopeset, p) for p in probes)


def test_normalize_examples():
    assert S.normalizeScopeSet(["a*", "a", "ab", "b"]) == ["a*", "b"]
    assert S.normalizeScopeSet(["*", "", "a"]) == ["*"]
    assert S.normalizeScopeSet(["a", "a", "b", "b"]) == ["a", "b"]
    assert S.normalizeScopeSet([]) == []
    # unsorted input is not normalized (as in Node)
    assert S.normalizeScopeSet(["ab", "a*"]) == ["ab", "a*"]


def test_normalize_gives_the_normal_form_of_sorted_sets():
    rng = random.Random(1)
    for n in range(300):
        scopeset = random_scopeset(rng, n % 12)
        result = S.normalizeScopeSet(sorted(scopeset, key=S.scopeKey))
        assert is_normal_form_of(result, scopeset), scopeset


def test_merge_and_union_give_the_normal_form_of_both():
    rng = random.Random(2)
    for n in range(300):
        a, b = random_scopeset(rng, n % 9), random_scopeset(rng, n % 7)
        a_copy, b_copy = list(a), list(b)
        union = S.scopeUnion(a, b)
        assert (a, b) == (a_copy, b_copy), "scopeUnion changed its arguments"
        assert is_normal_form_of(union, a + b), (a, b)
        na = S.normalizeScopeSet(sorted(a, key=S.scopeKey))
        nb = S.normalizeScopeSet(sorted(b, key=S.scopeKey))
        assert S.mergeScopeSets(na, nb) == union
        assert S.mergeScopeSets(nb, na) == union


def test_merge_examples():
    assert S.mergeScopeSets(["a*"], ["a", "ab", "b"]) == ["a*", "b"]
    assert S.mergeScopeSets(["b"], ["a*", "a"]) == ["a*", "b"]
    assert S.mergeScopeSets([], []) == []
    # duplicates within one list are kept, as Node keeps them
    assert S.mergeScopeSets(["a", "a"], ["a"]) == ["a", "a"]
    assert S.mergeScopeSets(("x*",), ("x", "xy")) == ["x*"]


def test_intersection():
    assert S.scopeIntersection(["a*", "b"], ["ab", "b", "c"]) == ["b", "ab"]
    assert S.scopeIntersection(["a*"], ["a*"]) == ["a*"]
    assert S.scopeIntersection([], ["a"]) == []
    rng = random.Random(3)
    for n in range(300):
        a, b = random_scopeset(rng, n % 8), random_scopeset(rng, n % 6)
        expected = [s for s in a if naive_has(b, s)] + [s for s in b if naive_has(a, s)]
        expected = [s for i, s in enumerate(expected) if s not in expected[:i]]
        assert S.scopeIntersection(a, b) == expected


# satisfiesExpression, scopesSatisfying, removeGivenScopes


def test_satisfies_examples():
    assert S.satisfiesExpression(["a*"], {"AllOf": ["ab", {"AnyOf": ["x", "a"]}]})
    assert not S.satisfiesExpression(["a"], {"AllOf": ["a", "b"]})
    assert S.satisfiesExpression([], {"AllOf": []})
    assert not S.satisfiesExpression(["*"], {"AnyOf": []})
    assert S.satisfiesExpression(["*"], "")
    assert not S.satisfiesExpression([], "")
    assert S.satisfiesExpression(("x",), "x")


def test_satisfies_agrees_with_a_scan_of_the_set():
    rng = random.Random(4)
    for n in range(2000):
        scopeset = random_scopeset(rng, n % 10)
        expr = random_expr(rng, 4)
        assert S.satisfiesExpression(scopeset, expr) == naive_satisfies(scopeset, expr), (scopeset, expr)


def test_long_star_prefixes():
    scopes = ["queue:create-task:highest:proj-%d/*" % i for i in range(50)] + ["assume:repo:*"]
    assert S.satisfiesExpression(scopes, "queue:create-task:highest:proj-7/linux")
    assert S.satisfiesExpression(scopes, "assume:repo:github.com/x")
    assert not S.satisfiesExpression(scopes, "queue:create-task:highest:proj-7")
    assert not S.satisfiesExpression(scopes, "queue:create-task:highest:proj-")


@pytest.mark.parametrize("fn", [S.satisfiesExpression, S.scopesSatisfying, S.removeGivenScopes])
@pytest.mark.parametrize("expr", [{}, {"AllOf": ["a"], "x": 1}, {"AnyOf": "a"}, 5,
                                  {"AnyOf": ["a", {"AllOf": [None]}]}])
def test_malformed_expressions_are_refused(fn, expr):
    with pytest.raises(TaskclusterInputError) as info:
        fn(["a"], expr)
    assert info.value.method == fn.__name__ and info.value.argument == "expression"
    assert str(info.value).startswith(fn.__name__ + ": expression")


@pytest.mark.parametrize("fn", [S.satisfiesExpression, S.scopesSatisfying, S.removeGivenScopes])
def test_non_ascii_expressions_are_evaluated(fn):
    # Node evaluates them too; only validExpression and simplify refuse them
    assert fn(["ü*"], "über") in (True, ["über"], None)


def test_scopes_satisfying():
    expr = {"AllOf": ["ab", {"AnyOf": ["x", "a", "q"]}]}
    assert S.scopesSatisfying(["a*", "x"], expr) == ["a", "ab", "x"]
    assert S.scopesSatisfying(["x"], expr) is None
    assert S.scopesSatisfying([], {"AllOf": []}) == []
    assert S.scopesSatisfying(["a*"], {"AnyOf": ["a*", "ab"]}) == ["a*"]
    rng = random.Random(5)
    for n in range(1000):
        scopeset, expr = random_scopeset(rng, n % 8), random_expr(rng, 4)
        got = S.scopesSatisfying(scopeset, expr)
        if not naive_satisfies(scopeset, expr):
            assert got is None
            continue
        assert naive_satisfies(got, expr), (scopeset, expr, got)
        assert all(naive_has(scopeset, s) for s in got)
        assert is_normal_form_of(got, got)


def test_remove_given_scopes():
    expr = {"AllOf": ["ab", {"AnyOf": ["x", "y"]}, "c"]}
    assert S.removeGivenScopes(["a*"], expr) == {"AllOf": [{"AnyOf": ["x", "y"]}, "c"]}
    assert S.removeGivenScopes(["a*", "c"], expr) == {"AnyOf": ["x", "y"]}
    assert S.removeGivenScopes(["a*", "c", "y"], expr) is None
    assert S.removeGivenScopes([], {"AnyOf": []}) == {"AnyOf": []}
    assert S.removeGivenScopes([], {"AllOf": []}) is None
    assert S.removeGivenScopes([], {"AnyOf": [{"AllOf": ["z"]}]}) == "z"


def test_remove_given_scopes_leaves_what_is_missing():
    rng = random.Random(6)
    for n in range(1000):
        scopeset, expr = random_scopeset(rng, n % 6), random_expr(rng, 4)
        missing = S.removeGivenScopes(scopeset, expr)
        assert (missing is None) == naive_satisfies(scopeset, expr), (scopeset, expr)
        if missing is not None:
            # nothing it names is already held, and holding it all is enough
            # (unless no scopes can do: an empty AnyOf)
            assert not any(naive_has(scopeset, s) for s in leaves_of(missing))
            if naive_satisfies(leaves_of(expr), expr):
                assert naive_satisfies(scopeset + leaves_of(missing), expr)


# simplifyScopeExpression


@pytest.mark.parametrize("expr, simple", [
    ("a", "a"),
    ({"AnyOf": []}, {"AnyOf": []}),
    ({"AllOf": []}, {"AllOf": []}),
    ({"AllOf": ["b", "a", "b"]}, {"AllOf": ["a", "b"]}),
    ({"AllOf": ["a:b", "a:*", "c"]}, {"AllOf": ["a:*", "c"]}),
    ({"AnyOf": ["a:b", "a:*"]}, {"AnyOf": ["a:*", "a:b"]}),
    ({"AllOf": [{"AllOf": ["b"]}, {"AllOf": ["a", "c"]}]}, {"AllOf": ["a", "b", "c"]}),
    ({"AllOf": [{"AllOf": ["b", "c"]}, {"AllOf": ["a", "c"]}]}, {"AllOf": ["a", "b", "c"]}),
    ({"AnyOf": [{"AnyOf": ["b", "c"]}, "a"]}, {"AnyOf": ["a", "b", "c"]}),
    ({"AnyOf": ["x", {"AllOf": ["a"]}]}, {"AnyOf": ["x", "a"]}),
    # where Node returns undefined or throws a TypeError
    ({"AnyOf": [{"AnyOf": ["a"]}]}, "a"),
    ({"AnyOf": [{"AnyOf": ["a"]}, "b"]}, {"AnyOf": ["a", "b"]}),
    ({"AnyOf": [{"AnyOf": [{"AllOf": ["a", "b"]}]}, "c"]},
     {"AnyOf": ["c", {"AllOf": ["a", "b"]}]}),
    ({"AllOf": ["z", {"AnyOf": [{"AnyOf": ["a", "a"]}]}]}, {"AllOf": ["a", "z"]}),
])
def test_simplify_examples(expr, simple):
    assert S.simplifyScopeExpression(expr) == simple
    for scopeset in scopesets_around(expr):
        assert naive_satisfies(scopeset, expr) == naive_satisfies(scopeset, simple)


def test_simplify_keeps_the_meaning():
    rng = random.Random(8)
    words = ["a", "a*", "ab", "b", "b*", "*"]
    for _ in range(600):
        expr = random_expr(rng, 4, words)
        simple = S.simplifyScopeExpression(expr)
        assert S.validExpression(simple)
        for scopeset in scopesets_around(expr):
            assert naive_satisfies(scopeset, expr) == naive_satisfies(scopeset, simple), \
                (expr, simple, scopeset)


def test_simplify_refuses_invalid_expressions_as_node_does():
    for bad in ({"AnyOf": ["a\n"]}, {}, "é", {"AllOf": [], "x": []}):
        with pytest.raises(TaskclusterInputError) as info:
            S.simplifyScopeExpression(bad)
        assert info.value.method == "simplifyScopeExpression"


def test_simplify_does_not_change_its_argument():
    expr = {"AnyOf": [{"AnyOf": ["b", "a"]}, {"AllOf": ["c", "c"]}]}
    before = repr(expr)
    S.simplifyScopeExpression(expr)
    assert repr(expr) == before


def test_deep_nesting():
    expr = "a"
    for i in range(200):
        expr = {("AllOf", "AnyOf")[i % 2]: [expr, "b%d" % i]}
    assert S.satisfiesExpression(["a", "b*"], expr)
    assert S.removeGivenScopes(["a", "b*"], expr) is None
    assert S.validExpression(expr)


# the module


def test_import_taskcluster_does_not_load_scopes():
    code = ("import sys, taskcluster\n"
            "print('taskcluster.scopes' in sys.modules)\n"
            "print(taskcluster.scopes.satisfiesExpression(['a*'], 'ab'))\n")
    root = os.path.dirname(os.path.dirname(os.path.abspath(S.__file__)))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=root), cwd="/")
    assert out.stdout.split() == ["False", "True"]


def test_all_twelve_functions_are_public():
    names = {"validScope", "validExpression", "patternMatch", "scopeCompare",
             "normalizeScopeSet", "mergeScopeSets", "scopeIntersection", "scopeUnion",
             "satisfiesExpression", "scopesSatisfying", "removeGivenScopes",
             "simplifyScopeExpression"}
    assert set(S.__all__) == names | {"scopeKey", "requiredScopes"}  # requiredScopes: issue 18
    for name in S.__all__:
        assert callable(getattr(S, name)) and getattr(S, name).__doc__
