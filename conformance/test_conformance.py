"""The Node cross-check: every case through the real Node client and through
Python, compared byte for byte; Python's signatures verified by Node's hawk;
the golden files checked for drift.

Run with ``nox -s conformance`` (which builds the Node environment first):
``pytest conformance --live-oracle``.  ``--force-regen`` rewrites the golden
files from what Node says now.
"""

from __future__ import annotations

import json
import os

import pytest

import cases as conformance_cases
import compare
import python_side

GOLDEN_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          "tests", "golden")
WRONG_KEY = "not-the-right-access-token-000000000000"


@pytest.fixture(scope="module")
def live(request):
    if not request.config.getoption("--live-oracle"):
        pytest.skip("needs the Node oracle: run `nox -s conformance` "
                    "(or pytest conformance --live-oracle)")
    from nodeenv_setup import run_oracle

    cases = conformance_cases.all_cases()
    node = run_oracle(cases)
    py = python_side.run_python(cases)
    requests_cases = [c for c in cases if c["kind"] == "request"]
    py_requests = python_side.run_python(requests_cases, transport="requests")
    py_aio = python_side.run_python(requests_cases, transport="aio")
    return {"cases": cases, "node": node, "py": py, "py_requests": py_requests, "py_aio": py_aio,
            "requests_cases": requests_cases, "run_oracle": run_oracle}


def golden_text(kind, cases, node):
    """Node's outputs of one kind, projected to what is compared, as JSON text."""
    data = {c["id"]: compare.project(kind, node[c["id"]]) for c in cases if c["kind"] == kind}
    # Key order is kept: it is part of what must match.
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


KINDS = ["buildUrl", "buildSignedUrl", "request", "routingKey", "tempCreds", "fromNow"]


def test_python_matches_node(live, capsys):
    results = compare.compare_all(live["cases"], live["py"], live["node"])
    table = compare.summary(results)
    with capsys.disabled():
        print("\nconformance: Python vs Node (taskcluster-client 87.1.3)\n" + table)
    assert len(live["cases"]) >= 1000
    failed = compare.failure_report(results, "cases (Python vs Node)")
    if failed:
        pytest.fail(failed, pytrace=False)


def test_python_over_requests_matches_node(live, capsys):
    """The same request cases sent through a requests.Session passed in."""
    results = compare.compare_all(live["requests_cases"], live["py_requests"], live["node"])
    with capsys.disabled():
        print("\nconformance: requests sent through a requests.Session (session=)\n"
              + compare.summary(results))
    failed = compare.failure_report(results, "request cases (over requests.Session vs Node)")
    if failed:
        pytest.fail(failed, pytrace=False)


def test_the_command_line_matches_node(live, capsys):
    """``taskcluster-py signed-url`` and ``routing-key`` (conformance/cli_side.py)
    over every case they can spell, against what Node says now."""
    import cli_side

    cases = [c for c in live["cases"] if c["kind"] in cli_side.KINDS]
    cli = cli_side.run_cli(cases)
    run = [c for c in cases if "skipped" not in cli[c["id"]]]
    results = compare.compare_all(run, cli, live["node"])
    with capsys.disabled():
        print("\nconformance: the command line (signed-url, routing-key); %d cases have no "
              "command-line spelling\n" % (len(cases) - len(run)) + compare.summary(results))
    # By design: an empty route argument, refused by the library under it.
    differing = [(cid, detail) for rows in results.values()
                 for cid, verdict, detail in rows if verdict == "differs"]
    assert not differing, "%d cases differ:\n%s" % (len(differing), "\n".join(
        "%s\n    %s" % d for d in differing[:50]))


def test_python_async_clients_match_node(live, capsys):
    """The same request cases sent through the async clients (aiohttp)."""
    results = compare.compare_all(live["requests_cases"], live["py_aio"], live["node"])
    with capsys.disabled():
        print("\nconformance: requests sent through taskcluster.aio (aiohttp)\n"
              + compare.summary(results))
    differing = [(cid, detail) for rows in results.values()
                 for cid, verdict, detail in rows if verdict == "differs"]
    assert not differing, "%d cases differ:\n%s" % (len(differing), "\n".join(
        "%s\n    %s" % d for d in differing[:50]))
    assert len(live["requests_cases"]) == len(live["py_aio"])


@pytest.mark.parametrize("kind", KINDS)
def test_goldens_have_not_drifted(live, kind, file_regression):
    """The golden files are what Node says now (--force-regen rewrites them)."""
    file_regression.check(golden_text(kind, live["cases"], live["node"]),
                          fullpath=os.path.join(GOLDEN_DIR, "node_%s.json" % kind))


def _verify_cases(live):
    """Ask Node's hawk server to check Python's Authorization headers and bewits."""
    out = []
    for case in live["cases"]:
        result = live["py"][case["id"]]
        if "ok" not in result:
            continue
        if case["kind"] == "request":
            auth = result["ok"]["headers"].get("authorization")
            if not auth:
                continue
            creds = case["credentials"]
            url = case["rootUrl"].rstrip("/") + result["ok"]["target"]
            for suffix, key, good in (("right", creds["accessToken"], True),
                                      ("wrong", WRONG_KEY, False)):
                out.append(({"kind": "verifyHeader", "id": "%s/verify-%s" % (case["id"], suffix),
                             "method": result["ok"]["method"], "url": url,
                             "authorization": auth, "now": case["ts"] * 1000,
                             "credentials": {"id": creds["clientId"], "key": key}}, good))
        elif case["kind"] == "buildSignedUrl":
            creds = case["credentials"]
            expiration = case.get("expiration", 15 * 60)
            for suffix, key, now, good in (
                    ("right", creds["accessToken"], case["now"], True),
                    ("wrong", WRONG_KEY, case["now"], False),
                    ("expired", creds["accessToken"], case["now"] + (expiration + 1) * 1000, False)):
                out.append(({"kind": "verifyBewit", "id": "%s/verify-%s" % (case["id"], suffix),
                             "url": result["ok"], "now": now,
                             "credentials": {"id": creds["clientId"], "key": key}}, good))
    return out


def test_node_hawk_accepts_python_signatures(live, capsys):
    checks = _verify_cases(live)
    verdicts = live["run_oracle"]([c for c, _ in checks])
    wrong = []
    counts = {"accepted": 0, "refused": 0}
    for case, good in checks:
        outcome = verdicts[case["id"]]
        ok = "ok" in outcome
        counts["accepted" if ok else "refused"] += 1
        if ok != good:
            wrong.append("%s: expected %s, Node said %s" % (
                case["id"], "accepted" if good else "refused", json.dumps(outcome)))
    with capsys.disabled():
        print("\nNode hawk on Python's headers and bewits: %d checks, %d accepted (right key), "
              "%d refused (wrong key or expired)" % (len(checks), counts["accepted"],
                                                     counts["refused"]))
    assert len(checks) > 500
    assert not wrong, "\n".join(wrong[:50])


def test_node_request_with_quote_in_path_fails_verification(live):
    """Why Python sends %27: Node's own request for such a path is refused by
    Node's hawk (it signs %27 but sends ')."""
    quoted = [c for c in live["cases"] if c["kind"] == "request" and c.get("credentials")
              and any(isinstance(a, str) and "'" in a for a in c["args"])]
    assert quoted
    checks = []
    for c in quoted:
        for side in ("node", "py"):
            seen = live[side][c["id"]]["ok"]
            checks.append({"kind": "verifyHeader", "id": "%s/%s" % (c["id"], side),
                           "method": seen["method"], "url": c["rootUrl"] + seen["target"],
                           "authorization": seen["headers"]["authorization"],
                           "now": c["ts"] * 1000,
                           "credentials": {"id": c["credentials"]["clientId"],
                                           "key": c["credentials"]["accessToken"]}})
    verdicts = live["run_oracle"](checks)
    for c in quoted:
        assert "error" in verdicts["%s/node" % c["id"]], c["id"]
        assert "ok" in verdicts["%s/py" % c["id"]], c["id"]
