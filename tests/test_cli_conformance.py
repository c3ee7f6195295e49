"""The command line's ``signed-url`` and ``routing-key`` against Node's
golden outputs and against the library, case by case (conformance/cli_side.py).

Every routing-key and signed-URL case is run; the few whose input has no
command-line spelling are counted and their reasons checked, not dropped."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "conformance"))

import cases as conformance_cases  # noqa: E402
import cli_side  # noqa: E402
import compare  # noqa: E402
import python_side  # noqa: E402

GOLDEN_DIR = os.path.join(ROOT, "tests", "golden")


@pytest.fixture(scope="module")
def outputs():
    cases = [c for c in conformance_cases.all_cases() if c["kind"] in cli_side.KINDS]
    golden = {}
    for kind in cli_side.KINDS:
        with open(os.path.join(GOLDEN_DIR, "node_%s.json" % kind), encoding="utf-8") as fh:
            golden.update(json.load(fh))
    return cases, cli_side.run_cli(cases), python_side.run_python(cases), golden


def _text(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@pytest.mark.parametrize("kind", cli_side.KINDS)
def test_the_cli_matches_node_and_the_library(outputs, kind, capsys):
    cases, cli, py, golden = outputs
    mine = [c for c in cases if c["kind"] == kind]
    run = [c for c in mine if "skipped" not in cli[c["id"]]]
    differing = []
    for case in run:
        out = cli[case["id"]]
        verdict, detail = compare.compare_case(case, out, golden[case["id"]], node_projected=True)
        if verdict == "differs":   # by design: an empty route argument, refused
            differing.append("%s vs Node: %s" % (case["id"], detail))
        # ... and the library, byte for byte: the same value, or both refused.
        if _text(compare.project(kind, out)) != _text(compare.project(kind, py[case["id"]])):
            differing.append("%s vs the library: %r / %r" % (case["id"], out, py[case["id"]]))
        if "error" in out:
            assert out["exit"] == 2, out   # refused input is a usage error
    assert not differing, "\n".join(differing[:30])
    refused = sum("error" in cli[c["id"]] for c in run)
    with capsys.disabled():
        print("\nCLI %s: %d cases run, identical to Node and the library (%d of them refused by "
              "all three), %d without a command-line spelling" % (
                  kind, len(run), refused, len(mine) - len(run)))
    # Most cases are run; what is not is listed below with its reason.
    assert len(run) >= 0.75 * len(mine)


def test_the_cases_left_out_have_no_command_line_spelling(outputs):
    cases, cli, _, _ = outputs
    reasons = Counter(cli[c["id"]]["skipped"] for c in cases if "skipped" in cli[c["id"]])
    assert set(reasons) == {
        "a ready-made pattern string (nothing for the command line to build)",
        "a routing-key value that is not text or an integer (True)",
        "authorizedScopes [] (no scopes at all) has no --authorized-scope spelling",
    }, reasons


def test_in_process_runs_are_what_a_child_process_prints(outputs):
    """A sample through ``python -m taskcluster``: the same bytes."""
    cases, cli, _, _ = outputs
    by_id = {c["id"]: c for c in cases}
    sample = ["signed/Queue.getArtifact", "signed/Queue.listTaskGroup+options",
              "edge/signed/1", "edge/refused/no-credentials", "edge/refused/5",
              "rk/QueueEvents.taskCompleted/full", "rk/QueueEvents.taskCompleted/refused-dot"]
    for case_id in sample:
        assert cli_side.run_subprocess(by_id[case_id]) == cli[case_id], case_id
