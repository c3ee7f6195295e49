"""taskcluster.scopes against tests/golden/node_scopes.json: what Node's
taskcluster-lib-scopes 11.0.0 answered for every call of the seeded scope
corpus (conformance/scope_cases.py), written by ``nox -s conformance --
--force-regen``.  Needs no Node: the live cross-check is ``nox -s conformance``."""

from __future__ import annotations

import copy
import json
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "conformance"))

import scope_cases  # noqa: E402
import scope_check  # noqa: E402

from taskcluster.scopes import satisfiesExpression  # noqa: E402

GOLDEN = os.path.join(ROOT, "tests", "golden", "node_scopes.json")


@pytest.fixture(scope="module")
def corpus():
    cases = scope_cases.scope_cases()
    with open(GOLDEN, encoding="utf-8") as fh:
        golden = json.load(fh)
    return cases, golden, scope_check.run_python(cases)


def test_the_golden_file_holds_the_cases_generated_now(corpus):
    cases, golden, _ = corpus
    assert [c["id"] for c in cases] == list(golden), \
        "node_scopes.json is stale: rewrite it with nox -s conformance -- --force-regen"


def test_the_corpus_covers_what_it_must(corpus):
    cases, golden, _ = corpus
    primary = scope_cases.primary(cases)
    assert len(primary) >= 5000
    assert {c["fn"] for c in primary} == set(scope_cases.PER_FUNCTION)
    text = json.dumps([c["args"] for c in primary], ensure_ascii=False)
    for needle in ('"*"', '""', "[]", "\\t", "\\n", "\U0001F409", "\u00fc", "\\u0000"):
        assert needle in text, needle
    # invalid expressions that Node refuses, and nesting to depth four
    assert sum(1 for c in primary if c["fn"] == "validExpression" and "error" in golden[c["id"]]) > 50
    assert sum(depth(c["args"][-1]) >= 4 for c in primary if c["fn"] == "satisfiesExpression") > 50


def depth(expr):
    if isinstance(expr, dict) and len(expr) == 1 and isinstance(next(iter(expr.values())), list):
        return 1 + max([depth(e) for e in next(iter(expr.values()))] or [0])
    return 0


def test_python_matches_the_node_golden_file(corpus, capsys):
    cases, golden, py = corpus
    results = scope_check.compare_all(cases, py, golden, satisfiesExpression)
    with capsys.disabled():
        print("\ntaskcluster.scopes vs tests/golden/node_scopes.json\n" + scope_check.summary(results))
    failed = scope_check.failures(results)
    if failed:
        pytest.fail(failed, pytrace=False)


def verdicts(cases, py, golden):
    results = scope_check.compare_all(cases, py, golden, satisfiesExpression)
    return {cid: v for rows in results.values() for cid, v, _ in rows}


def test_a_changed_result_differs(corpus):
    cases, golden, py = corpus
    py = copy.deepcopy(py)
    cid = next(c["id"] for c in cases if c["fn"] == "scopeUnion" and py[c["id"]].get("ok"))
    py[cid]["ok"] = py[cid]["ok"][::-1] + ["extra"]
    assert verdicts(cases, py, golden)[cid] == "differs"


def test_a_simplification_that_changes_the_meaning_differs(corpus):
    """The deviation from Node's simplify passes only while Python's
    expression means what the original means."""
    cases, golden, py = corpus
    before = verdicts(cases, py, golden)
    deviating = [c["id"] for c in cases if c["fn"] == "simplifyScopeExpression"
                 and before[c["id"]] == "by-design"]
    assert len(deviating) >= 50
    py = copy.deepcopy(py)
    for cid in deviating:
        py[cid]["ok"] = {"AnyOf": []}  # satisfied by nothing
    after = verdicts(cases, py, golden)
    # caught wherever some scope set satisfies the original (Node's answers)
    by_id = {c["id"]: c for c in cases}
    satisfiable = [cid for cid in deviating if any(
        golden[m]["ok"] for m in scope_check.meaning_inputs(by_id[cid], by_id))]
    assert len(satisfiable) >= 50
    assert all(after[cid] == "differs" for cid in satisfiable)


def test_refusing_what_node_thinks_valid_differs(corpus):
    cases, golden, py = corpus
    before = verdicts(cases, py, golden)
    refused = [c["id"] for c in cases if c.get("malformed") == "expression"
               and before[c["id"]] == "by-design"]
    assert refused
    golden = dict(golden)
    for cid in refused:
        golden[cid + "/valid"] = {"ok": True}  # as if Node's validExpression accepted it
    after = verdicts(cases, py, golden)
    assert all(after[cid] == "differs" for cid in refused)
