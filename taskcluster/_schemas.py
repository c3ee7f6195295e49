"""The JSON schemas shipped beside the references: load, resolve, check.

A reference names its schemas relative to the service (``input:
"v1/create-task-request.json#"`` in the queue's reference); the files sit
in ``references/schemas/<service>/v1/`` and refer to each other with
relative ``$ref``s (``task.json#/properties/priority``).  Nothing is read at
import: a schema is read the first time it is asked for, and compiled into a
validator (``fastjsonschema``, which turns a schema into Python code: about
150x faster here than ``jsonschema`` on a 2 KB task) the first time a value
is checked against it.

An invalid value raises :class:`~taskcluster.exceptions.TaskclusterInputError`
naming the method, the JSON path of the offending value
(``payload.metadata.owner``) and the rule it breaks; the message never quotes
the value itself (a payload may hold a secret).
"""

from __future__ import annotations

import copy
import json
import os
import re
from typing import Any, Callable, List, Optional, Tuple
from urllib.parse import urljoin, urlsplit

from ._references import BuildOnce, FunctionEntry, references_dir
from .exceptions import TaskclusterInputError, TaskclusterResponseValidationError

__all__ = ["schema_path", "load", "resolve", "validator", "check_input", "check_output",
           "describe", "payload_keys", "payload_keys_doc"]

# Schemas get an absolute $id under a host that cannot exist (.invalid), so
# that the compiler joins relative $refs; every such URL is answered from the
# shipped files, never fetched.
_BASE = "https://schemas.taskcluster.invalid/schemas/"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")


def schema_path(service: str, name: str) -> str:
    """The shipped file for a schema a reference names:
    ``("queue", "v1/task.json#")`` -> ``"queue/v1/task.json"``."""
    return urljoin(service + "/", name).split("#", 1)[0]


def _read(path: str) -> dict:
    parts = path.split("/")
    if ".." in parts or "" in parts or not path.endswith(".json"):
        raise FileNotFoundError("no shipped schema %r" % path)
    with open(os.path.join(references_dir(), "schemas", *parts), encoding="utf-8") as fh:
        return json.load(fh)


load: Callable[[str], dict] = BuildOnce(_read)
load.__doc__ = ("The schema at ``references/schemas/<path>``, read on first use "
                "(shared: do not change it).")


def resolve(path: str, ref: str) -> Tuple[str, Any]:
    """The target of ``ref`` found in the schema at ``path``: (the path of the
    schema it lands in, the node its JSON pointer names)."""
    target = urljoin(_BASE + path, ref)
    doc_path = target.split("#", 1)[0][len(_BASE):] if target.startswith(_BASE) else None
    if not doc_path:
        raise ValueError("$ref %r in %s leaves the shipped schemas" % (ref, path))
    node: Any = load(doc_path)
    pointer = target.split("#", 1)[1] if "#" in target else ""
    for token in filter(None, pointer.split("/")):
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return doc_path, node


def deref(path: str, node: Any) -> Tuple[str, Any]:
    """Follow ``$ref``s until a node that is not one (``$ref`` siblings are
    ignored in draft-06)."""
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        path, node = resolve(path, node["$ref"])
        seen += 1
        if seen > 50:
            raise ValueError("$ref loop in %s" % path)
    return path, node


def _absolute(path: str) -> dict:
    schema = copy.deepcopy(load(path))
    schema["$id"] = _BASE + path + "#"
    return schema


def _from_shipped(url: str) -> dict:
    parts = urlsplit(url)
    if not url.startswith(_BASE) and parts.path.startswith("/schemas/"):
        # a schema served by a deployment keeps an absolute $id under its rootUrl
        return _absolute(parts.path[len("/schemas/"):])
    if not url.startswith(_BASE):
        raise ValueError("schema %s is not shipped with the references" % url)
    return _absolute(url[len(_BASE):].split("#", 1)[0])


def _compile(path: str):
    import fastjsonschema
    handlers = {scheme: _from_shipped for scheme in ("http", "https", "file", "")}
    # use_default=False: the compiler would otherwise write defaults into the
    # caller's payload.
    return fastjsonschema.compile(_absolute(path), handlers=handlers, use_default=False)


validator = BuildOnce(_compile)
validator.__doc__ = "The compiled validator of the schema at ``path``, built once."
# (service, name as the reference gives it) -> validator: joining the name
# to its path on every call cost a third of a check.
_named = BuildOnce(lambda key: validator(schema_path(*key)))


def json_path(root: str, keys) -> str:
    """``payload.metadata.owner``, ``payload.routes[0]``, ``payload["a b"]``."""
    text = root
    for key in keys:
        if isinstance(key, int):
            text += "[%d]" % key
        elif _IDENTIFIER.match(key):
            text += "." + key
        else:
            text += "[%s]" % json.dumps(key)
    return text


def _keys(root: Any, names) -> List[Any]:
    """fastjsonschema's path (all strings) with list indices made ints."""
    keys: List[Any] = []
    node = root
    for name in names:
        if isinstance(node, list) and str(name).isdigit():
            name = int(name)
            node = node[name] if name < len(node) else None
        else:
            node = node.get(name) if isinstance(node, dict) else None
        keys.append(name)
    return keys


def _problem(e, root: Any) -> Tuple[List[Any], str]:
    """The path below the value and what is wrong, from fastjsonschema's error."""
    keys = _keys(root, e.path[1:])   # drop its "data" root
    definition = e.definition if isinstance(e.definition, dict) else {}
    value = e.value
    if e.rule == "required" and isinstance(value, dict):
        missing = [k for k in e.rule_definition if k not in value]
        if missing:
            return keys + [missing[0]], "is required"
    if e.rule == "additionalProperties" and isinstance(value, dict):
        known = definition.get("properties", {})
        patterns = [re.compile(p) for p in definition.get("patternProperties", {})]
        extra = sorted(k for k in value if k not in known and
                       not any(p.search(k) for p in patterns))
        if extra:
            allowed = ", ".join(sorted(known)) or "none"
            return keys + [extra[0]], "is not allowed here (allowed keys: %s)" % allowed
    message = e.message
    if message.startswith(e.name):
        message = message[len(e.name):].strip()
    return keys, message


def _check(entry: FunctionEntry, schema: Optional[str], value: Any, label: str,
           root: str) -> Optional[Tuple[str, str, str]]:
    """None when ``value`` matches ``schema``, else (message, path, rule)."""
    if not schema:
        return None
    check = _named((entry.service, schema))
    try:
        check(value)
    except Exception as e:
        from fastjsonschema import JsonSchemaValueException
        if not isinstance(e, JsonSchemaValueException):
            raise
        keys, problem = _problem(e, value)
        where = json_path(root, keys)
        return ("%s: %s %s (rule %r of schema %s)" % (label, where, problem, e.rule, schema),
                where, e.rule)
    return None


def check_input(entry: FunctionEntry, payload: Any, label: str) -> None:
    """Refuse ``payload`` unless it matches ``entry``'s input schema."""
    problem = _check(entry, entry.input, payload, label, "payload")
    if problem is not None:
        message, where, rule = problem
        raise TaskclusterInputError(message, method=label, argument="payload", path=where,
                                    rule=rule)


def check_output(entry: FunctionEntry, value: Any, label: str, *, url: Optional[str] = None,
                 status: Optional[int] = None) -> None:
    """Refuse a parsed response unless it matches ``entry``'s output schema,
    with a :class:`TaskclusterResponseValidationError` (the service's fault,
    not the caller's)."""
    problem = _check(entry, entry.output, value, label, "response")
    if problem is not None:
        message, where, rule = problem
        raise TaskclusterResponseValidationError(
            message + "; the service's answer does not match what its reference promises",
            method=label, url=url, status_code=status, path=where, rule=rule,
            schema=entry.output)


# -- descriptions, for docstrings --------------------------------------------

def describe(path: str, node: Any, depth: int = 2) -> str:
    """A short text for the type a schema node allows: ``string (date-time)``,
    ``array of string``, ``'all-completed' | 'all-resolved'``."""
    path, node = deref(path, node)
    if not isinstance(node, dict):
        return "any"
    if "enum" in node:
        values = [json.dumps(v) for v in node["enum"]]
        return " | ".join(values[:8]) + (" | ..." if len(values) > 8 else "")
    if "const" in node:
        return json.dumps(node["const"])
    for key in ("oneOf", "anyOf"):
        if isinstance(node.get(key), list) and depth:
            kinds = []
            for member in node[key]:
                kind = describe(path, member, depth - 1)
                if kind not in kinds:
                    kinds.append(kind)
            return " or ".join(kinds)
    kind = node.get("type")
    if isinstance(kind, list):
        return " or ".join(describe(path, dict(node, type=k), depth) for k in kind)
    if kind == "string" and node.get("format"):
        return "string (%s)" % node["format"]
    if kind == "array":
        items = node.get("items")
        return "array of %s" % describe(path, items, depth - 1) if items and depth else "array"
    return kind or "any"


def _keys_of(path: str, node: Any) -> List[Tuple[str, str, bool]]:
    path, node = deref(path, node)
    required = set(node.get("required", ()))
    return [(key, describe(path, sub), key in required)
            for key, sub in node.get("properties", {}).items()]


def payload_keys(entry: FunctionEntry) -> List[Tuple[str, str, bool]]:
    """(key, type, required) for each top-level key of ``entry``'s input."""
    if not entry.input:
        return []
    path = schema_path(entry.service, entry.input)
    return _keys_of(path, load(path))


def _key_lines(keys: List[Tuple[str, str, bool]], indent: str) -> List[str]:
    width = max(len(k) for k, _, _ in keys)
    return ["%s%s  %s%s" % (indent, k.ljust(width), kind, ", required" if req else "")
            for k, kind, req in sorted(keys, key=lambda t: (not t[2], t[0]))]


def payload_keys_doc(entry: FunctionEntry) -> str:
    """The payload's top-level keys with their types and whether each is
    required, for the method's docstring; empty without an input schema.
    A payload that is one of several objects lists the keys of each."""
    if not entry.input:
        return ""
    keys = payload_keys(entry)
    if keys:
        return "\n".join(["Payload keys (%s):" % entry.input] + _key_lines(keys, "  "))
    path, node = deref(schema_path(entry.service, entry.input),
                       load(schema_path(entry.service, entry.input)))
    members = node.get("oneOf") or node.get("anyOf") or []
    lines = []
    for i, member in enumerate(members):
        member_keys = _keys_of(path, member)
        if member_keys:
            title = deref(path, member)[1].get("title") or "variant %d" % (i + 1)
            lines += ["  %s:" % title] + _key_lines(member_keys, "    ")
    if lines:
        return "\n".join(["Payload, one of (%s):" % entry.input] + lines)
    return "Payload: %s" % describe(path, node)
