"""The scope corpus through Node's taskcluster-lib-scopes 11.0.0 and
``taskcluster.scopes``, compared (scope_check.py says how), and the golden
file checked for drift (``--force-regen`` rewrites it from what Node says now).
"""

from __future__ import annotations

import os

import pytest

import scope_cases
import scope_check

GOLDEN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                      "tests", "golden", "node_scopes.json")


@pytest.fixture(scope="module")
def live(request):
    if not request.config.getoption("--live-oracle"):
        pytest.skip("needs the Node oracle: run `nox -s conformance` "
                    "(or pytest conformance --live-oracle)")
    from nodeenv_setup import run_oracle

    cases = scope_cases.scope_cases()
    py = scope_check.run_python(cases)
    node = run_oracle(cases)
    # Node's satisfiesExpression on Python's simplified expressions
    extra = scope_check.meaning_cases(cases, py)
    node_on_python = run_oracle(extra)
    return {"cases": cases, "py": py, "node": node, "node_on_python": node_on_python,
            "extra": extra}


def test_python_matches_node_on_the_scope_corpus(live, capsys):
    cases, node = live["cases"], live["node"]
    projected = {cid: scope_check.project(out) for cid, out in node.items()}
    answers = {c["id"]: live["node_on_python"][c["id"]].get("ok") for c in live["extra"]}
    by_args = {}
    for c in live["extra"]:
        by_args[scope_check.text(c["args"])] = answers[c["id"]]

    def node_evaluates(scopeset, expr):
        return by_args.get(scope_check.text([scopeset, expr]))

    results = scope_check.compare_all(cases, live["py"], projected, node_evaluates)
    with capsys.disabled():
        print("\nconformance: taskcluster.scopes vs Node's taskcluster-lib-scopes 11.0.0 "
              "(%d primary calls, %d companions; %d Node checks of Python's simplifications)\n"
              % (len(scope_cases.primary(cases)), len(cases) - len(scope_cases.primary(cases)),
                 len(live["extra"])) + scope_check.summary(results))
    assert len(scope_cases.primary(cases)) >= 5000
    assert {c["fn"] for c in scope_cases.primary(cases)} == set(scope_cases.PER_FUNCTION)
    failed = scope_check.failures(results)
    if failed:
        pytest.fail(failed, pytrace=False)


def test_the_scope_golden_file_has_not_drifted(live, file_regression):
    file_regression.check(scope_check.golden_text(live["cases"], live["node"]), fullpath=GOLDEN)
