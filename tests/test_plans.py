"""The compiled route and routing-key plans (``_binding.compile_route``,
``_exchanges.compile_binding``) give exactly what the general rules give,
for every entry of every bundled reference, or stand aside; and the call
plan knows no driver (no import runs back up)."""

from __future__ import annotations

import ast
import os

import pytest

import taskcluster
from taskcluster import _references
from taskcluster._binding import _route_path, bind, compile_route
from taskcluster._exchanges import binding, compile_binding
from taskcluster._services import SERVICES
from taskcluster.exceptions import TaskclusterInputError

SLUG = "fN1SbArXTPSVFNUvaOlinQ"
# Plain values the compiled plan takes, and values it leaves to the general rules.
PLAIN = [SLUG, "public/logs/live.log", "a-b_c.d~e!f*g'h(i)j", 0, 7, "x"]
OTHER = ["", ".", "..", "a b", "é", "a\x00b", "a?b", "%", True, None, 1.5, ["x"]]


def function_entries():
    for name in SERVICES:
        ref = _references.load(name)
        if ref.kind == "api":
            for entry in ref.entries.values():
                yield pytest.param(entry, id="%s.%s" % (name, entry.name))


def exchange_entries():
    for name in SERVICES:
        ref = _references.load(name)
        if ref.kind == "exchanges":
            for entry in ref.entries.values():
                yield pytest.param(ref, entry, id="%s.%s" % (name, entry.name))


def general_path(entry, args):
    """The path by the general rules, or the exception they raise."""
    try:
        bound, _ = bind(entry, tuple(args), {}, require_payload=False)
        return _route_path(entry, bound.route_args)
    except TaskclusterInputError as e:
        return e


@pytest.mark.parametrize("entry", list(function_entries()))
def test_a_compiled_route_gives_the_general_path_or_stands_aside(entry):
    fast = compile_route(entry)
    n = len(entry.args)
    used = 0
    for i in range(max(n, 1)):
        for value in PLAIN + OTHER:
            args = [PLAIN[(i + k) % len(PLAIN)] for k in range(n)]
            if n:
                args[i] = value
            got = fast(tuple(args))
            if got is None:
                continue
            used += 1
            assert got == general_path(entry, args), args
    assert used, "the compiled plan took no plain call"
    # another number of arguments, or a payload: the general rules decide
    assert fast(tuple([SLUG] * (n + 1))) is None
    if n:
        assert fast(tuple([SLUG] * (n - 1))) is None


def test_values_to_escape_and_odd_values_stand_aside():
    entry = _references.load("Queue").entries["getArtifact"]
    fast = compile_route(entry)
    assert fast((SLUG, 0, "public/a b")) is None        # quote() writes it
    assert fast((SLUG, 0, "..")) is None                 # refused by the general rules
    assert fast((SLUG, 0, "")) is None
    assert fast((SLUG, True, "x")) is None               # a bool is refused there
    assert fast((SLUG, 0, "a\x00b")) is None             # a NUL is no separator
    assert fast((SLUG, 0, "public/x")) == "task/%s/runs/0/artifacts/public%%2Fx" % SLUG


def test_build_url_and_signed_url_take_the_general_way_when_they_must():
    queue = taskcluster.Queue({"rootUrl": "https://tc.example.com",
                               "credentials": {"clientId": "c", "accessToken": "t"}})
    base = "https://tc.example.com/api/queue/v1/"
    assert queue.buildUrl("getArtifact", SLUG, 0, "a b") == \
        base + "task/%s/runs/0/artifacts/a%%20b" % SLUG
    assert queue.buildUrl("getArtifact", SLUG, runId=1, name="n") == \
        base + "task/%s/runs/1/artifacts/n" % SLUG
    assert queue.buildUrl("listTaskGroup", SLUG, query={"limit": 2}) == \
        base + "task-group/%s/list?limit=2" % SLUG
    with pytest.raises(TaskclusterInputError, match="buildUrl.*'\\.\\.'"):
        queue.buildUrl("getArtifact", SLUG, 0, "..")
    signed = queue.buildSignedUrl("getArtifact", SLUG, 0, "a b")
    assert signed.startswith(base + "task/%s/runs/0/artifacts/a%%20b?bewit=" % SLUG)
    queue.options["rootUrl"] = "https://other.example.com"      # re-read at the next call
    assert queue.buildUrl("task", SLUG).startswith("https://other.example.com/")
    assert queue.buildSignedUrl("task", SLUG).startswith("https://other.example.com/")


KEYWORD_VALUES = ["abc", "a.b", "", None, 3, True]


@pytest.mark.parametrize("ref, entry", list(exchange_entries()))
def test_a_compiled_binding_gives_the_general_binding_or_stands_aside(ref, entry):
    fast = compile_binding(entry)
    prefix = ref.exchangePrefix
    used = 0
    names = [p.name for p in entry.routingKey] + ["notAPart"]
    for name in names:
        for value in KEYWORD_VALUES:
            kwargs = {name: value}
            got = fast(prefix, (), dict(kwargs))
            if got is None:
                continue
            used += 1
            assert got == binding("L", prefix, entry, (), dict(kwargs))
    assert fast(prefix, (), {}) == binding("L", prefix, entry, (), {})
    assert fast(prefix, ("a.b",), {}) is None          # a pattern string: the general way
    assert fast("other/", (), {}) == binding("L", "other/", entry, (), {})
    assert used


def _imports(module_file):
    with open(module_file, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            found.add(base)
            found.update(base + ("." if node.module else "") + a.name for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


@pytest.mark.parametrize("module, forbidden", [
    ("_plan", {"._client", "._aio", ".client", "taskcluster.client", ".aio"}),
    ("_classes", {"._client", "._aio", "._plan", ".client", "taskcluster.client"}),
    ("_binding", {"._client", "._aio", "._plan", "._classes"}),
    ("_exchanges", {"._client", "._aio", "._plan", "._classes"}),
    ("_aio", {".client", "taskcluster.client", "._client"}),
])
def test_the_call_plan_and_class_building_know_no_driver(module, forbidden):
    path = os.path.join(os.path.dirname(taskcluster.__file__), module + ".py")
    assert not _imports(path) & forbidden
