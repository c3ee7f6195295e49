"""Run the scope corpus (scope_cases.py) through ``taskcluster.scopes`` and
judge each case against what Node's taskcluster-lib-scopes 11.0.0 answered.

Verdicts:

* ``identical``: the same result as compact JSON text (``undefined`` is
  ``null``), or both raised (the messages differ by design).
* ``by-design``, two documented deviations, each checked by what it means:

  - Python refuses a call the generator made malformed (a wrong type, or an
    expression that is not a string or a one-key ``AllOf``/``AnyOf`` dict with
    a list), where Node answered anyway.  For an expression, Node's own
    ``validExpression`` must refuse it too (the ``<id>/valid`` companion), and
    Python's error must be a ``TaskclusterInputError``.
  - ``simplifyScopeExpression`` where Node returned ``undefined`` or threw:
    Python's expression must be satisfied by exactly the scope sets that
    satisfy the original (Node's answers for the original: the
    ``<id>/meaning/<k>`` companions; for Python's expression: Node's answers
    in a live run, Python's against the golden file).

* ``differs``: anything else.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Optional, Tuple

import scope_cases

Evaluate = Callable[[List[str], Any], Optional[bool]]


def run_python(cases: List[Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    from taskcluster import TaskclusterInputError, scopes

    out: Dict[str, Dict[str, Any]] = {}
    for case in cases:
        try:
            out[case["id"]] = {"ok": getattr(scopes, case["fn"])(*case["args"])}
        except TaskclusterInputError as exc:
            out[case["id"]] = {"error": str(exc), "input_error": True}
        except Exception as exc:  # reported as a refusal of another kind
            out[case["id"]] = {"error": "%s: %s" % (type(exc).__name__, exc)}
    return out


def project(output: Dict[str, Any]) -> Dict[str, Any]:
    """What must match: the value, or that the call raised."""
    return {"error": True} if "error" in output else {"ok": output["ok"]}


def text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def meaning_inputs(case: Dict[str, Any], cases_by_id: Dict[str, Dict[str, Any]]) -> List[str]:
    """The ids of the ``<id>/meaning/<k>`` companions of a simplify case."""
    ids = []
    while "%s/meaning/%d" % (case["id"], len(ids)) in cases_by_id:
        ids.append("%s/meaning/%d" % (case["id"], len(ids)))
    return ids


def verdict(case: Dict[str, Any], py: Dict[str, Dict[str, Any]], node: Dict[str, Dict[str, Any]],
            cases_by_id: Dict[str, Dict[str, Any]], evaluate: Evaluate) -> Tuple[str, str]:
    """(``identical`` | ``by-design`` | ``differs``, detail) for one case.
    ``node`` holds projected outputs; ``evaluate(scopeset, expr)`` is Node's
    or Python's satisfiesExpression for the meaning check."""
    cid = case["id"]
    mine, theirs = project(py[cid]), node[cid]
    if text(mine) == text(theirs):
        return "identical", ""
    detail = "python %s\n    node   %s" % (text(py[cid])[:300], text(theirs)[:300])
    malformed = case.get("malformed")
    if malformed and py[cid].get("input_error") and "ok" in theirs:
        if malformed == "argument":
            return "by-design", "Python refuses a wrong type that Node answered"
        if "error" in node.get(cid + "/valid", {}):
            return "by-design", "Python refuses a malformed expression (Node's validExpression does too)"
        return "differs", "Python refused an expression Node's validExpression accepts\n    " + detail
    if case["fn"] == "simplifyScopeExpression" and "ok" in mine and (
            "error" in theirs or theirs["ok"] is None):
        companions = meaning_inputs(case, cases_by_id)
        if not companions:
            return "differs", "no meaning cases to check the deviation with\n    " + detail
        for mid in companions:
            given = cases_by_id[mid]["args"][0]
            want = node[mid].get("ok")
            try:
                got = evaluate(given, mine["ok"])
            except Exception as exc:  # Python's expression is not even well formed
                got = "refused (%s)" % exc
            if want is None or got is not want:
                return "differs", ("Python's simplification means something else: the scopes "
                                   "%s satisfy the original: %s, Python's: %s\n    %s"
                                   % (text(given), want, got, detail))
        return "by-design", "Node's simplify fails on a nested AnyOf; Python's result means the same"
    return "differs", detail


def meaning_cases(cases: List[Dict[str, Any]], py: Dict[str, Dict[str, Any]]) -> List[Dict[str, Any]]:
    """For a live run: Node's satisfiesExpression on each of Python's
    simplified expressions, over the same scope sets as the original's."""
    by_id = {c["id"]: c for c in cases}
    out = []
    for case in cases:
        if case["fn"] != "simplifyScopeExpression" or "ok" not in py[case["id"]]:
            continue
        for mid in meaning_inputs(case, by_id):
            out.append({"kind": "scopes", "id": mid + "/python", "fn": "satisfiesExpression",
                        "args": [by_id[mid]["args"][0], py[case["id"]]["ok"]]})
    return out


def compare_all(cases: List[Dict[str, Any]], py: Dict[str, Dict[str, Any]],
                node: Dict[str, Dict[str, Any]], evaluate: Evaluate) -> Dict[str, List[Tuple[str, str, str]]]:
    """Per function, (case id, verdict, detail) of every primary case and
    companion; ``node`` holds projected outputs."""
    by_id = {c["id"]: c for c in cases}
    primary = {c["id"] for c in scope_cases.primary(cases)}
    out: Dict[str, List[Tuple[str, str, str]]] = {}
    for case in cases:
        cid = case["id"]
        if cid not in node:
            row = ("differs", "node has no output for this case")
        else:
            row = verdict(case, py, node, by_id, evaluate)
        group = case["fn"] if cid in primary else "(companions)"
        out.setdefault(group, []).append((cid, row[0], row[1]))
    return out


def summary(results: Dict[str, List[Tuple[str, str, str]]]) -> str:
    lines = ["%-24s %7s %10s %10s %8s" % ("function", "cases", "identical", "by-design", "differ")]
    totals = [0, 0, 0, 0]
    for group in sorted(results):
        rows = results[group]
        counts = [len(rows)] + [sum(1 for r in rows if r[1] == v)
                                for v in ("identical", "by-design", "differs")]
        totals = [a + b for a, b in zip(totals, counts)]
        lines.append("%-24s %7d %10d %10d %8d" % (group, *counts))
    lines.append("%-24s %7d %10d %10d %8d" % ("total", *totals))
    return "\n".join(lines)


def failures(results: Dict[str, List[Tuple[str, str, str]]], limit: int = 20) -> str:
    bad = [(cid, detail) for rows in results.values() for cid, v, detail in rows if v == "differs"]
    if not bad:
        return ""
    shown = "\n".join("%s: %s" % item for item in bad[:limit])
    more = "\n... and %d more" % (len(bad) - limit) if len(bad) > limit else ""
    return "%d scope cases differ from Node:\n%s%s" % (len(bad), shown, more)


def golden_text(cases: List[Dict[str, Any]], node: Dict[str, Dict[str, Any]]) -> str:
    """Node's projected outputs, one case a line, in case order."""
    lines = ["%s: %s" % (text(c["id"]), text(project(node[c["id"]]))) for c in cases]
    return "{\n" + ",\n".join(lines) + "\n}\n"
