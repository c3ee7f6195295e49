"""Compare Python's and Node's outputs for the conformance cases.

What is compared, per kind:
* URLs, signed URLs, routing keys, temporary credentials, fromNow: the whole
  output, as compact JSON text (so key order and every byte count).
* requests: method, request target, Authorization header, Content-Type,
  body bytes, and the call's result.  Transport headers (User-Agent,
  Accept-Encoding, Connection, Host, Content-Length) belong to each HTTP
  stack and are not compared.
* errors: where Node refuses an input, Python must refuse it too (the wording
  differs; each side's message is kept for the report).

Two differences are by design and reported as such.  For a route argument
holding ``'``, Node's hawk signs the path with ``%27`` while Node's HTTP
client sends ``'``, so Node's request fails verification; Python sends the
``%27`` it signed (same Authorization header).  Those cases must differ in
exactly that way and nothing else.  For an empty route argument, Node
builds (and sends) an empty path segment, reaching another route or none;
Python refuses it before sending.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Tuple

import case_diff

__all__ = ["project", "compare_case", "compare_all", "summary", "differing", "failure_report"]

REQUEST_FIELDS = ("method", "target", "authorization", "content-type", "body", "result")


def project(kind: str, output: Dict[str, Any]) -> Dict[str, Any]:
    """The part of an output that must match byte for byte."""
    if "error" in output:
        return {"error": True}
    value = output["ok"]
    if kind == "request":
        headers = value.get("headers", {})
        value = {"method": value["method"], "target": value["target"],
                 "authorization": headers.get("authorization"),
                 "content-type": headers.get("content-type"),
                 "body": value["body"], "result": value.get("result")}
    return {"ok": value}


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _quote_in_path(case: Dict[str, Any]) -> bool:
    return case["kind"] == "request" and any(
        isinstance(a, str) and "'" in a for a in case.get("args", []))


def _empty_route_argument(case: Dict[str, Any]) -> bool:
    return case["kind"] in ("buildUrl", "buildSignedUrl", "request") and \
        "" in case.get("args", [])


def compare_case(case: Dict[str, Any], py: Dict[str, Any], node: Dict[str, Any],
                 node_projected: bool = False) -> Tuple[str, str]:
    """("identical" | "by-design" | "differs", detail).  ``node_projected``:
    ``node`` is already :func:`project`-ed (as in the golden files).  The
    detail of a difference is :func:`case_diff.describe`'s short diff."""
    p = project(case["kind"], py)
    n = node if node_projected else project(case["kind"], node)
    if _text(p) == _text(n):
        return "identical", ""
    if _empty_route_argument(case) and "error" in p and "ok" in n:
        return "by-design", "Python refuses an empty route argument; Node sends it"
    if _quote_in_path(case) and "ok" in p and "ok" in n:
        pv, nv = dict(p["ok"]), dict(n["ok"])
        npath, _, nquery = nv["target"].partition("?")
        nv["target"] = npath.replace("'", "%27") + ("?" + nquery if _ else "")
        if _text(pv) == _text(nv):
            return "by-design", "Python sends the path it signed (' as %27)"
    return "differs", case_diff.describe(p, n, py.get("error"),
                                      None if node_projected else node.get("error"))


def compare_all(cases: List[Dict[str, Any]], py: Dict[str, Dict[str, Any]],
                node: Dict[str, Dict[str, Any]]) -> Dict[str, List[Tuple[str, str, str]]]:
    """Per kind, a list of (case id, verdict, detail)."""
    out: Dict[str, List[Tuple[str, str, str]]] = {}
    for case in cases:
        cid = case["id"]
        if cid not in node:
            verdict = ("differs", "node has no output for this case")
        elif cid not in py:
            verdict = ("differs", "python has no output for this case")
        else:
            verdict = compare_case(case, py[cid], node[cid])
        out.setdefault(case["kind"], []).append((cid, verdict[0], verdict[1]))
    return out


def summary(results: Dict[str, List[Tuple[str, str, str]]]) -> str:
    lines = ["%-16s %7s %10s %10s %8s" % ("kind", "cases", "identical", "by-design", "differ")]
    totals = [0, 0, 0, 0]
    for kind in sorted(results):
        rows = results[kind]
        counts = [len(rows)] + [sum(1 for r in rows if r[1] == v)
                                for v in ("identical", "by-design", "differs")]
        totals = [a + b for a, b in zip(totals, counts)]
        lines.append("%-16s %7d %10d %10d %8d" % (kind, *counts))
    lines.append("%-16s %7d %10d %10d %8d" % ("total", *totals))
    return "\n".join(lines)


def differing(results: Dict[str, List[Tuple[str, str, str]]]) -> List[Tuple[str, str]]:
    """(case id, detail) of every case that differs, kind after kind."""
    return [(cid, detail) for kind in sorted(results)
            for cid, verdict, detail in results[kind] if verdict == "differs"]


def failure_report(results: Dict[str, List[Tuple[str, str, str]]], title: str) -> str:
    """The short account of the cases that differ ("" if none does)."""
    failures = differing(results)
    if not failures:
        return ""
    return case_diff.report(title, failures, sum(len(rows) for rows in results.values()))
