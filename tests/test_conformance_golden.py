"""Python against the golden files: what the real Node client produced for
every conformance case (written by ``nox -s conformance --force-regen``).
Needs no Node: the live cross-check is ``nox -s conformance``."""

from __future__ import annotations

import json
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "conformance"))

import cases as conformance_cases  # noqa: E402
import compare  # noqa: E402
import python_side  # noqa: E402

GOLDEN_DIR = os.path.join(ROOT, "tests", "golden")
KINDS = ["buildUrl", "buildSignedUrl", "request", "routingKey", "tempCreds", "fromNow"]


@pytest.fixture(scope="module")
def python_outputs():
    cases = conformance_cases.all_cases()
    return cases, python_side.run_python(cases)


@pytest.fixture(scope="module")
def python_outputs_over_requests():
    cases = [c for c in conformance_cases.all_cases() if c["kind"] == "request"]
    return cases, python_side.run_python(cases, transport="requests")


@pytest.fixture(scope="module")
def python_outputs_async():
    cases = [c for c in conformance_cases.all_cases() if c["kind"] == "request"]
    return cases, python_side.run_python(cases, transport="aio")


def test_requests_through_a_session_match_node_goldens(python_outputs_over_requests):
    check_against_goldens("request", *python_outputs_over_requests)


def test_requests_through_the_async_clients_match_node_goldens(python_outputs_async):
    check_against_goldens("request", *python_outputs_async)


@pytest.mark.parametrize("kind", KINDS)
def test_python_matches_node_goldens(kind, python_outputs):
    check_against_goldens(kind, *python_outputs)


def check_against_goldens(kind, cases, py):
    with open(os.path.join(GOLDEN_DIR, "node_%s.json" % kind), encoding="utf-8") as fh:
        golden = json.load(fh)
    mine = [c for c in cases if c["kind"] == kind]
    # The goldens cover exactly the cases generated now: none silently dropped.
    assert sorted(golden) == sorted(c["id"] for c in mine)
    differing = []
    for case in mine:
        verdict, detail = compare.compare_case(case, py[case["id"]], golden[case["id"]],
                                               node_projected=True)
        if verdict == "differs":
            differing.append("%s\n    %s" % (case["id"], detail))
    assert not differing, "%d %s cases differ from Node:\n%s" % (
        len(differing), kind, "\n".join(differing[:30]))


def test_case_count():
    cases = conformance_cases.all_cases()
    assert len(cases) >= 1000


def test_comparison_catches_a_one_byte_difference():
    """The comparison is strict: one byte, or key order, makes a case differ."""
    case = {"kind": "buildUrl", "id": "x"}
    assert compare.compare_case(case, {"ok": "https://a/b%2F"}, {"ok": "https://a/b%2f"})[0] == "differs"
    case = {"kind": "tempCreds", "id": "y"}
    assert compare.compare_case(case, {"ok": {"a": 1, "b": 2}}, {"ok": {"b": 2, "a": 1}})[0] == "differs"
    assert compare.compare_case(case, {"error": "no"}, {"ok": {"a": 1}})[0] == "differs"
    assert compare.compare_case(case, {"error": "no"}, {"error": "nein"})[0] == "identical"
    req = {"kind": "request", "id": "z", "args": ["it's"]}
    seen = {"method": "GET", "target": "/a/it%27s", "body": "", "result": None,
            "headers": {"authorization": "Hawk x"}}
    node = dict(seen, target="/a/it's")
    assert compare.compare_case(req, {"ok": seen}, {"ok": node})[0] == "by-design"
    other = dict(node, headers={"authorization": "Hawk y"})
    assert compare.compare_case(req, {"ok": seen}, {"ok": other})[0] == "differs"
