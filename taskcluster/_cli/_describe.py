"""The text of ``--help`` for a method or an exchange, from its reference entry."""

from __future__ import annotations

import json
from typing import Any, List

__all__ = ["method_help", "exchange_help", "scope_lines"]


def scope_lines(expr: Any, indent: str = "") -> List[str]:
    """A scope expression as an indented outline: ``AllOf``/``AnyOf`` nest,
    ``for``/``if`` read as they do in the reference docs."""
    if isinstance(expr, str):
        return [indent + expr]
    if isinstance(expr, dict):
        for key, label in (("AllOf", "all of:"), ("AnyOf", "any of:")):
            if key in expr:
                lines = [indent + label]
                for item in expr[key]:
                    lines += scope_lines(item, indent + "  ")
                return lines
        if "for" in expr and "each" in expr:
            return [indent + "for each %s in %s: %s" % (expr["for"], expr.get("in"),
                                                        expr["each"])]
        if "if" in expr and "then" in expr:
            lines = [indent + "if %s:" % expr["if"]] + scope_lines(expr["then"], indent + "  ")
            if "else" in expr:
                lines += [indent + "else:"] + scope_lines(expr["else"], indent + "  ")
            return lines
    return [indent + json.dumps(expr, ensure_ascii=False)]


def _payload_lines(entry) -> List[str]:
    schema = "%s/%s" % (entry.service, entry.input)
    try:
        from taskcluster._schemas import payload_keys_doc  # shipped with the schemas
    except ImportError:
        return ["Payload: JSON, schema %s" % schema]
    try:
        doc = payload_keys_doc(entry)
    except Exception:  # help must still show: fall back to naming the schema
        doc = None
    if not doc:
        return ["Payload: JSON, schema %s" % schema]
    if not isinstance(doc, str):
        doc = "\n".join(doc)
    return ["Payload (schema %s):" % schema] + ["  " + line for line in doc.splitlines()]


def method_help(entry) -> List[str]:
    lines = [entry.title or entry.name, "",
             "%s %s   (stability: %s)" % (entry.method.upper(), entry.route,
                                         entry.stability or "unknown"),
             "Arguments: %s" % (", ".join("<%s>" % a for a in entry.args) or "none"),
             "Query keys: %s" % (", ".join(entry.query) or "none")]
    lines += _payload_lines(entry) if entry.input else ["Payload: none"]
    if entry.output:
        lines.append("Answer: JSON, schema %s/%s" % (entry.service, entry.output))
    if entry.scopes is not None:
        lines += ["Scopes:"] + scope_lines(entry.scopes, "  ")
    else:
        lines.append("Scopes: none")
    lines += [""] + entry.description.strip().splitlines()
    return lines


def exchange_help(prefix: str, entry) -> List[str]:
    lines = [entry.title or entry.name, "", "Exchange: %s%s" % (prefix or "", entry.exchange),
             "Routing-key parts (give them as PART=VALUE; a part not given is * or #):"]
    for p in entry.routingKey:
        if p.constant:
            kind = "constant %r" % p.constant
        else:
            kind = "several words" if p.multipleWords else "one word"
        lines.append("  %s (%s%s): %s" % (p.name, kind, ", required" if p.required else "",
                                          p.summary.strip().splitlines()[0] if p.summary else ""))
    lines += [""] + entry.description.strip().splitlines()
    return lines
