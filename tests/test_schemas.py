"""Schemas shipped with the references, and checking values against them.

For every input schema the references name: a minimal payload built from
the schema passes, and the same payload broken one way at a time (a required
key missing, a value of the wrong type, an unknown key where the schema
closes the object, a value outside an enum) is refused with the JSON path of
the offending value and the rule it breaks.  Each verdict of the compiled
validator (fastjsonschema) is checked against ``jsonschema``'s, the
reference implementation of the draft these schemas use (draft-06).
"""

import copy
import json
import pickle
import re
import subprocess
import sys

import jsonschema
import pytest
import referencing
from referencing.jsonschema import DRAFT6

import taskcluster
from taskcluster import _references, _schemas
from taskcluster._services import SERVICES
from taskcluster.exceptions import TaskclusterInputError, TaskclusterResponseValidationError

FUNCTIONS = [e for name, (_, kind) in SERVICES.items() if kind == "api"
             for e in _references.load(name).entries.values()]
INPUTS = [e for e in FUNCTIONS if e.input]
OUTPUTS = [e for e in FUNCTIONS if e.output]

# Strings tried, in order, for a string schema with a pattern or length bounds;
# between them they satisfy every pattern in release 106's schemas.
CANDIDATES = ["fN1SbArXTPSVFNUvaOlinQ", "abc", "abc/def", "https://example.com/x",
              "abcd1234-abcd-abcd-abcd-abcdefabcdef", "a" * 22, "a" * 44, "a" * 64,
              "a" * 128]
FORMATS = {"date-time": "2030-01-01T00:00:00.000Z", "uri": "https://example.com/x",
           "email": "someone@example.com", "hostname": "example.com", "ipv4": "10.0.0.1",
           "ipv6": "::1", "regex": "^a$"}
NOT_A_KEY = "notAKeyOfThisSchema"


def minimal(path, node):
    """The smallest value the schema allows: required keys only, first enum
    value, first oneOf/anyOf member."""
    path, node = _schemas.deref(path, node)
    if "enum" in node:
        return copy.deepcopy(node["enum"][0])
    if "const" in node:
        return copy.deepcopy(node["const"])
    for key in ("oneOf", "anyOf"):
        if key in node:
            # the first member, with the keywords beside the oneOf/anyOf
            rest = {k: v for k, v in node.items() if k != key}
            member_path, member = _schemas.deref(path, node[key][0])
            if member_path != path:
                return minimal(member_path, member)
            return minimal(path, dict(rest, **member))
    kind = node.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind == "object" or (kind is None and "properties" in node):
        props = node.get("properties", {})
        value = {}
        for key in node.get("required", ()):
            sub = props.get(key, node.get("additionalProperties"))
            value[key] = minimal(path, sub) if isinstance(sub, dict) else "x"
        spare = [k for k in props if k not in value]
        for _ in range(node.get("minProperties", 0) - len(value)):
            extra = node.get("additionalProperties")
            if spare:
                key = spare.pop(0)
                value[key] = minimal(path, props[key])
            else:
                value["k%d" % len(value)] = minimal(path, extra) if isinstance(extra, dict) \
                    else "x"
        return value
    if kind == "array":
        count = node.get("minItems", 0)
        items = node.get("items", {})
        return [minimal(path, items) for _ in range(count)] if count else []
    if kind == "string":
        if node.get("format") in FORMATS:
            return FORMATS[node["format"]]
        low, high = node.get("minLength", 0), node.get("maxLength", 10 ** 9)
        for s in CANDIDATES:
            if low <= len(s) <= high and re.search(node.get("pattern", ""), s):
                return s
        raise AssertionError("no candidate string fits %s" % node)
    if kind in ("integer", "number"):
        return max(node.get("minimum", 0), 1 if node.get("exclusiveMinimum") == 0 else 0)
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return {}


def _reference_validator(path):
    def retrieve(uri):
        return DRAFT6.create_resource(_schemas._from_shipped(uri))
    registry = referencing.Registry(retrieve=retrieve)
    # formats checked where jsonschema can without extra packages (ipv4, ipv6,
    # email, regex): a oneOf of formats needs them to pick one member
    return jsonschema.Draft6Validator(_schemas._absolute(path), registry=registry,
                                      format_checker=jsonschema.Draft6Validator.FORMAT_CHECKER)


def verdict(entry, value):
    """None if ``value`` passes ``check_input``, else the error; asserts that
    jsonschema agrees."""
    try:
        _schemas.check_input(entry, value, "%s.%s" % (entry.owner, entry.name))
        error = None
    except TaskclusterInputError as e:
        error = e
    path = _schemas.schema_path(entry.service, entry.input)
    assert _reference_validator(path).is_valid(value) == (error is None), (entry.name, error)
    return error


def schema_of(entry):
    path = _schemas.schema_path(entry.service, entry.input)
    return _schemas.deref(path, _schemas.load(path))


def wrong_type_for(path, node):
    """A value of a JSON type the node does not allow, or None."""
    path, node = _schemas.deref(path, node)
    kinds = node.get("type")
    if not kinds or any(k in node for k in ("oneOf", "anyOf", "enum", "const")):
        return None
    kinds = kinds if isinstance(kinds, list) else [kinds]
    for value, kind in ((12345, "integer"), ("a string", "string"), ([], "array")):
        if kind not in kinds and not (kind == "integer" and "number" in kinds):
            return value
    return None


def enum_sites(path, node, value, keys=()):
    """(keys, enum node) for each enum reachable in ``value`` by properties."""
    path, node = _schemas.deref(path, node)
    if "enum" in node and all(isinstance(v, str) for v in node["enum"]):
        yield keys, node
        return
    if isinstance(value, dict):
        for key, sub in node.get("properties", {}).items():
            yield from enum_sites(path, sub, value.get(key), keys + (key,))


def test_every_input_and_output_schema_is_shipped_and_loads():
    # counted again from the reference documents themselves
    from pathlib import Path
    root = Path(_references.references_dir())
    docs = [json.loads((root / s / "v1" / "api.json").read_text("utf-8"))
            for s, kind in SERVICES.values() if kind == "api"]
    entries = [e for d in docs for e in d["entries"] if e["type"] == "function"]
    assert len(INPUTS) == sum(1 for e in entries if e.get("input")) > 40
    assert len(OUTPUTS) == sum(1 for e in entries if e.get("output")) > 100
    for entry in INPUTS + OUTPUTS:
        for name in filter(None, (entry.input, entry.output)):
            path, node = _schemas.deref(_schemas.schema_path(entry.service, name),
                                        _schemas.load(_schemas.schema_path(entry.service, name)))
            assert isinstance(node, dict), (entry.name, name)


@pytest.mark.parametrize("entry", INPUTS, ids=lambda e: "%s.%s" % (e.owner, e.name))
def test_input_schema(entry):
    path, schema = schema_of(entry)
    good = minimal(path, schema)
    assert verdict(entry, good) is None
    label = "%s.%s" % (entry.owner, entry.name)
    cases = []
    for key in schema.get("required", ()):
        broken = copy.deepcopy(good)
        del broken[key]
        cases.append((broken, _schemas.json_path("payload", [key]), "required"))
    if schema.get("additionalProperties") is False and not schema.get("patternProperties"):
        cases.append((dict(good, **{NOT_A_KEY: 1}), "payload." + NOT_A_KEY,
                      "additionalProperties"))
    for key, sub in schema.get("properties", {}).items():
        wrong = wrong_type_for(path, sub)
        if wrong is not None:
            cases.append((dict(good, **{key: wrong}), _schemas.json_path("payload", [key]),
                          "type"))
    full = dict(good, **{k: minimal(path, s) for k, s in schema.get("properties", {}).items()
                         if k not in good})
    if verdict(entry, full) is None:
        for keys, _ in enum_sites(path, schema, full):
            broken = copy.deepcopy(full)
            target = broken
            for k in keys[:-1]:
                target = target[k]
            target[keys[-1]] = "not-one-of-the-values"
            cases.append((broken, _schemas.json_path("payload", keys), "enum"))
    # the whole payload of a type the schema does not allow
    rule = "type" if "type" in schema else ("oneOf" if "oneOf" in schema else "anyOf")
    cases.append((12345 if schema.get("type") != "integer" else "x", "payload", rule))
    for broken, where, rule in cases:
        error = verdict(entry, broken)
        assert error is not None, (where, rule)
        assert error.method == label and error.argument == "payload"
        assert str(error).startswith("%s: %s " % (label, where)), (str(error), where)
        assert "(rule %r of schema %s)" % (rule, entry.input) in str(error), str(error)


def test_every_kind_of_break_is_exercised():
    kinds = {"required": 0, "additionalProperties": 0, "type": 0, "enum": 0}
    for entry in INPUTS:
        path, schema = schema_of(entry)
        kinds["required"] += bool(schema.get("required"))
        kinds["additionalProperties"] += schema.get("additionalProperties") is False
        kinds["type"] += any(wrong_type_for(path, s) is not None
                             for s in schema.get("properties", {}).values())
        good = minimal(path, schema)
        full = dict(good, **{k: minimal(path, s) for k, s in
                             schema.get("properties", {}).items() if k not in good})
        kinds["enum"] += bool(list(enum_sites(path, schema, full)))
    assert all(kinds.values()), kinds


@pytest.mark.parametrize("entry", OUTPUTS, ids=lambda e: "%s.%s" % (e.owner, e.name))
def test_output_schema_minimal_response_passes_and_a_wrong_one_is_refused(entry):
    path = _schemas.schema_path(entry.service, entry.output)
    good = minimal(path, _schemas.load(path))
    label = "%s.%s" % (entry.owner, entry.name)
    _schemas.check_output(entry, good, label)
    with pytest.raises(TaskclusterResponseValidationError) as info:
        _schemas.check_output(entry, "not a response", label)
    assert not isinstance(info.value, TaskclusterInputError)  # the server's fault
    assert info.value.path == "response" and info.value.schema == entry.output
    assert str(info.value).startswith(label + ": response ")


def _create_task():
    return _references.load("Queue").entries["createTask"]


def test_a_nested_path_and_a_list_index():
    entry = _create_task()
    path, schema = schema_of(entry)
    task = minimal(path, schema)
    task["routes"] = ["a", 3]
    e = verdict(entry, task)
    assert str(e).startswith("Queue.createTask: payload.routes[1] must be string")
    task = minimal(path, schema)
    task["metadata"]["owner"] = 5
    assert str(verdict(entry, task)).startswith(
        "Queue.createTask: payload.metadata.owner must be string")
    del task["metadata"]["name"]
    assert "payload.metadata.name is required" in str(verdict(entry, task))


def test_a_key_that_is_not_an_identifier_is_quoted():
    entry = _create_task()
    task = minimal(*schema_of(entry))
    task["a b"] = 1
    assert str(verdict(entry, task)).startswith('Queue.createTask: payload["a b"] is not '
                                                "allowed here (allowed keys: created,")


def test_a_format_is_checked():
    entry = _create_task()
    task = minimal(*schema_of(entry))
    task["deadline"] = "next tuesday"
    with pytest.raises(TaskclusterInputError, match=r"payload\.deadline must be date-time "
                       r"\(rule 'format'"):
        _schemas.check_input(entry, task, "Queue.createTask")


def test_the_value_itself_is_never_quoted():
    # secrets.set carries a secret: a refusal names where, never what
    entry = _references.load("Secrets").entries["set"]
    payload = minimal(*schema_of(entry))
    payload["secret"] = "hunter2-top-secret"
    payload["expires"] = "hunter2-top-secret"
    e = verdict(entry, payload)
    assert "hunter2" not in str(e) and "hunter2" not in repr(e.__dict__)


def test_the_payload_is_not_changed():
    # The compiler can fill in defaults; it must not touch the caller's dict.
    entry = _create_task()
    task = minimal(*schema_of(entry))
    before = copy.deepcopy(task)
    _schemas.check_input(entry, task, "Queue.createTask")
    assert task == before


def test_the_error_survives_pickle():
    entry = _create_task()
    with pytest.raises(TaskclusterInputError) as info:
        _schemas.check_input(entry, {}, "Queue.createTask")
    again = pickle.loads(pickle.dumps(info.value))
    assert str(again) == str(info.value) and again.method == "Queue.createTask"


def test_a_method_without_input_checks_nothing():
    entry = _references.load("Queue").entries["task"]
    assert entry.input is None
    _schemas.check_input(entry, {"anything": 1}, "Queue.task")
    assert _schemas.payload_keys_doc(entry) == ""


def test_each_schema_is_compiled_once():
    entry = _create_task()
    _schemas.check_input(entry, minimal(*schema_of(entry)), "Queue.createTask")
    first = _schemas.validator("queue/v1/create-task-request.json")
    _schemas.check_input(entry, minimal(*schema_of(entry)), "Queue.createTask")
    assert _schemas.validator("queue/v1/create-task-request.json") is first


def test_refs_outside_the_shipped_schemas_are_refused():
    with pytest.raises(ValueError, match="leaves the shipped schemas"):
        _schemas.resolve("queue/v1/task.json", "http://json-schema.org/draft-06/schema#")
    with pytest.raises(FileNotFoundError):
        _schemas.load("../manifest.json")
    with pytest.raises(ValueError, match="not shipped"):
        _schemas._from_shipped("http://json-schema.org/draft-06/schema#")


def test_payload_keys_doc_lists_every_top_level_key():
    entry = _create_task()
    doc = _schemas.payload_keys_doc(entry)
    path, schema = schema_of(entry)
    lines = doc.splitlines()
    assert lines[0] == "Payload keys (v1/create-task-request.json#):"
    assert sorted(line.split()[0] for line in lines[1:]) == sorted(schema["properties"])
    required = {line.split()[0] for line in lines[1:] if line.endswith(", required")}
    assert required == set(schema["required"])
    assert '  priority       "highest" | "very-high" | "high"' in doc
    assert "  created        string (date-time), required" in doc


def test_payload_keys_doc_for_every_input():
    for entry in INPUTS:
        doc = _schemas.payload_keys_doc(entry)
        assert doc.startswith(("Payload keys (%s):" % entry.input,
                               "Payload, one of (%s):" % entry.input, "Payload: ")), entry.name


def test_payload_keys_doc_lists_each_variant_of_a_one_of():
    entry = _references.load("Queue").entries["createArtifact"]
    doc = _schemas.payload_keys_doc(entry)
    path, schema = schema_of(entry)
    titles = [_schemas.deref(path, m)[1]["title"] for m in schema["oneOf"]]
    assert doc.splitlines()[0] == "Payload, one of (v1/post-artifact-request.json#):"
    assert [line.strip()[:-1] for line in doc.splitlines()
            if line.startswith("  ") and not line.startswith("    ")] == titles
    assert '    storageType  "link", required' in doc


def test_importing_the_package_reads_no_schema():
    # Nor does building a class: a method reads its input schema when first
    # looked up (for its docstring); only a check compiles one, and only
    # then is the validator imported.
    code = ("import sys, taskcluster, taskcluster._schemas as s\n"
            "print(s.load.built())\n"
            "taskcluster.Queue\n"
            "print(s.load.built())\n"
            "taskcluster.Queue.createTask\n"
            "print(s.load.built(), s.validator.built(), "
            "[m for m in ('fastjsonschema', 'jsonschema') if m in sys.modules])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.splitlines() == [
        "[]", "[]", "['queue/v1/create-task-request.json', 'queue/v1/task-metadata.json', "
        "'queue/v1/task.json'] [] []"]


def test_every_shipped_schema_parses_and_has_its_id():
    import os
    root = os.path.join(_references.references_dir(), "schemas")
    count = 0
    for folder, _, files in os.walk(root):
        for name in files:
            rel = os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/")
            with open(os.path.join(folder, name), encoding="utf-8") as fh:
                assert json.load(fh)["$id"] == "/schemas/%s#" % rel
            count += 1
    assert count == 166
    assert taskcluster  # the package under test, imported above

