"""Python against the golden files: what the real Node client produced for
every conformance case (written by ``nox -s conformance -- --force-regen``).
Needs no Node: the live cross-check is ``nox -s conformance``."""

from __future__ import annotations

import copy
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


def load_golden(kind):
    with open(os.path.join(GOLDEN_DIR, "node_%s.json" % kind), encoding="utf-8") as fh:
        return json.load(fh)


def golden_report(kind, cases, py, golden):
    """The short account of the ``kind`` cases where Python differs from the
    golden file ("" if none does)."""
    mine = [c for c in cases if c["kind"] == kind]
    # The goldens cover exactly the cases generated now: none silently dropped.
    missing = [c["id"] for c in mine if c["id"] not in golden]
    extra = sorted(set(golden) - {c["id"] for c in mine})
    if missing or extra:
        return ("node_%s.json does not hold the cases generated now: %d missing (%s), "
                "%d no longer generated (%s); rewrite it with nox -s conformance -- "
                "--force-regen" % (kind, len(missing), ", ".join(missing[:5]),
                                   len(extra), ", ".join(extra[:5])))
    results = {kind: []}
    for case in mine:
        verdict, detail = compare.compare_case(case, py[case["id"]], golden[case["id"]],
                                               node_projected=True)
        results[kind].append((case["id"], verdict, detail))
    return compare.failure_report(results, "%s cases (Python vs tests/golden)" % kind)


def check_against_goldens(kind, cases, py):
    failed = golden_report(kind, cases, py, load_golden(kind))
    if failed:
        pytest.fail(failed, pytrace=False)


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


def _break(golden, kind, cases, how_many):
    """A copy of the golden file with ``how_many`` entries altered the way a
    regression would alter them, and the ids altered, in case order."""
    broken = copy.deepcopy(golden)
    ids = [c["id"] for c in cases if c["kind"] == kind and "ok" in golden[c["id"]]
           and golden[c["id"]]["ok"]["authorization"] and golden[c["id"]]["ok"]["body"]]
    ids = ids[:how_many]
    for n, cid in enumerate(ids):
        value = broken[cid]["ok"]
        if n % 4 == 0:    # one character of the signature
            mac = value["authorization"]
            value["authorization"] = mac[:-3] + ("A" if mac[-3] != "A" else "B") + mac[-2:]
        elif n % 4 == 1:  # the body and the path
            value["body"] = value["body"][::-1]
            value["target"] += "/x"
        elif n % 4 == 2:  # the same fields in another order
            broken[cid]["ok"] = dict(reversed(list(value.items())))
        else:             # Node refused the input
            broken[cid] = {"error": True}
    return broken, ids


def _block(lines, cid):
    """The lines of case ``cid``'s account (its header and the indented lines after it)."""
    start = next(i for i, line in enumerate(lines) if line.startswith(cid + ": "))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith(" ")),
               len(lines))
    return lines[start:end]


def test_a_golden_failure_reads_as_a_short_aligned_diff(python_outputs):
    """Four broken entries give four short accounts: the fields that differ,
    Python's value over Node's in one column, a caret where they part, the
    count of fields that agree; nothing about the cases that pass."""
    cases, py = python_outputs
    golden = load_golden("request")
    broken, ids = _break(golden, "request", cases, 4)
    text = golden_report("request", cases, py, broken)
    lines = text.splitlines()
    total = sum(1 for c in cases if c["kind"] == "request")
    assert lines[0] == "4 of %d request cases (Python vs tests/golden) differ:" % total
    fields = len(golden[ids[0]]["ok"])
    signature, body, order, refused = (_block(lines, cid) for cid in ids)
    assert signature[0] == "%s: 1 field differs, %d identical" % (ids[0], fields - 1)
    assert signature[1].startswith("  authorization  python  ")
    assert body[0] == "%s: 2 fields differ, %d identical" % (ids[1], fields - 2)
    assert [line.split()[0] for line in body[1::3]] == ["target", "body"]
    assert order[0] == "%s: the same fields, in another order" % ids[2]
    assert refused[0] == "%s: one side refused the input" % ids[3]
    assert refused[1].startswith("  outcome  python  returned {")
    assert refused[2].endswith("node    refused")
    # Python over Node, values in one column; the caret under the first
    # character where they part.
    for i, line in enumerate(lines):
        if "  python  " in line:
            column = line.index("  python  ") + len("  python  ")
            assert lines[i + 1][:column].strip() == "node"
            if i + 2 < len(lines) and lines[i + 2].strip() == "^":
                caret = lines[i + 2].index("^")
                assert line[column:caret] == lines[i + 1][column:caret]
                # (past the end of the shorter one, when it is a prefix of the other)
                assert line.ljust(caret + 1)[caret] != lines[i + 1].ljust(caret + 1)[caret]
    # Only the broken cases, each in a few short lines.
    assert [line.split(": ")[0] for line in lines[1:] if not line.startswith(" ")] == ids
    assert len(lines) <= 1 + 4 * 8 and max(len(line) for line in lines) <= 130


def test_a_golden_failure_shows_ten_cases_and_counts_the_rest(python_outputs):
    cases, py = python_outputs
    broken, ids = _break(load_golden("request"), "request", cases, 14)
    lines = golden_report("request", cases, py, broken).splitlines()
    shown = [line.split(": ")[0] for line in lines[1:-1] if not line.startswith(" ")]
    assert shown == ids[:10]
    assert lines[-1] == "... and 4 more: %s" % ", ".join(ids[10:])
