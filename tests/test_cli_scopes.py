"""The command line's ``scopes`` group, as child processes: satisfies,
missing, normalize, union, intersect and required.  Expected values are
those of ``taskcluster.scopes`` (checked against Node by the conformance
suite) or written out by hand from the services' docs."""

from __future__ import annotations

import json

import pytest
from cli_run import environment, run

from taskcluster.scopes import (normalizeScopeSet, removeGivenScopes, requiredScopes,
                                scopeKey, scopeIntersection)


def test_the_group_is_listed_and_has_help():
    r = run("--help")
    assert r.code == 0 and "scopes" in r.out and "scope-match" in r.out
    r = run("scopes", "--help")
    assert r.code == 0
    for name in ("satisfies", "missing", "normalize", "union", "intersect", "required"):
        assert name in r.out


@pytest.mark.parametrize("scopes,expression,ok", [
    ('["queue:*"]', "queue:create-task:x", True),
    ("queue:*\nindex:a\n", '{"AllOf": ["queue:x", "index:a"]}', True),
    ("queue:*", '{"AllOf": ["queue:x", "index:a"]}', False),
    ("b", '{"AnyOf": ["a", "b"]}', True),
    ("a:*", "a:1\nb\n", False),                   # lines of an expression: all needed
    ("[]", '{"AllOf": []}', True),
])
def test_satisfies_prints_and_exits_as_test_does(scopes, expression, ok):
    r = run("scopes", "satisfies", scopes, expression)
    assert (r.code, r.out) == ((0, "true\n") if ok else (1, "false\n")), r.err


def test_scopes_from_stdin_and_from_a_file(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_text("queue:get-task:*\r\nqueue:route:index.*\n\n", encoding="utf-8")
    r = run("scopes", "satisfies", "@%s" % path, "queue:route:index.a")
    assert (r.code, r.out) == (0, "true\n"), r.err
    lines = ["b", "a*", "ab", "a with space", "b"]
    r = run("scopes", "normalize", "-", stdin="\n".join(lines) + "\n")
    assert (r.code, json.loads(r.out)) == (0, ["a*", "b"]), r.err
    assert json.loads(r.out) == normalizeScopeSet(sorted(lines, key=scopeKey))


def test_missing_says_what_is_lacking():
    expr = {"AllOf": ["a:1", "b", {"AnyOf": ["c", "d"]}]}
    r = run("scopes", "missing", "a:*\nd", json.dumps(expr))
    assert r.code == 0 and json.loads(r.out) == removeGivenScopes(["a:*", "d"], expr) == "b"
    r = run("scopes", "missing", '["*"]', json.dumps(expr))
    assert (r.code, r.out) == (0, "null\n")


def test_union_and_intersect():
    r = run("scopes", "union", '["a*", "b"]', "ab\nc")
    assert (r.code, json.loads(r.out)) == (0, ["a*", "b", "c"]), r.err
    r = run("scopes", "intersect", '["a*"]', '["ab", "c"]')
    assert (r.code, json.loads(r.out)) == (0, ["ab"]), r.err
    assert json.loads(r.out) == scopeIntersection(["a*"], ["ab", "c"])


@pytest.mark.parametrize("args", [
    ["satisfies", "a"],                                   # no expression
    ["satisfies", "[1]", "a"],                            # not a list of scopes
    ["satisfies", "a", '{"AllOf": "x"}'],                 # not an expression
    ["satisfies", "a", '["a"]'],                          # a list is no expression
    ["satisfies", "-", "-"],                              # stdin twice
    ["missing", "a", "{"],                                # not JSON
    ["union", "@/nonexistent/file", "a"],
    ["nope"],
])
def test_bad_input_is_one_line_and_exit_2(args):
    r = run("scopes", *args)
    assert r.code == 2 and r.out == "" and len(r.err_lines) == 1, r.err
    assert "Traceback" not in r.err


TASK = {"taskQueueId": "prov/wt", "priority": "very-high", "schedulerId": "sched",
        "routes": ["index.a"], "scopes": ["secrets:get:x"]}


def test_required_takes_route_arguments_then_the_payload(tmp_path):
    path = tmp_path / "task.json"
    path.write_text(json.dumps(TASK), encoding="utf-8")
    # queue createTask docs: the task's scopes, queue:route:<route> per route,
    # project and scheduler scopes, and create-task for its priority or higher
    expected = {"AllOf": ["secrets:get:x", "queue:route:index.a",
                          "queue:create-task:project:none", "queue:scheduler-id:sched",
                          {"AnyOf": ["queue:create-task:highest:prov/wt",
                                     "queue:create-task:very-high:prov/wt"]}]}
    r = run("scopes", "required", "queue", "createTask", "taskA", "@%s" % path)
    assert (r.code, json.loads(r.out)) == (0, expected), r.err
    r = run("scopes", "required", "Queue", "createTask", "taskA", "-", stdin=json.dumps(TASK))
    assert json.loads(r.out) == expected == requiredScopes("queue", "createTask", "taskA", TASK)
    r = run("scopes", "required", "secrets", "get", "project/x")
    assert (r.code, r.out) == (0, '"secrets:get:project/x"\n')
    r = run("scopes", "required", "auth", "ping")
    assert (r.code, r.out) == (0, "null\n")


def test_required_with_what_only_the_service_knows():
    r = run("scopes", "required", "queue", "sealTaskGroup", "g")
    assert r.code == 2 and r.out == "" and len(r.err_lines) == 1
    assert "'schedulerId'" in r.err and "--param schedulerId=..." in r.err
    r = run("scopes", "required", "queue", "sealTaskGroup", "g", "--param", "schedulerId=s")
    assert (r.code, r.out) == (0, '"queue:seal-task-group:s/g"\n'), r.err
    r = run("scopes", "required", "auth", "updateRole", "r", '{"scopes": []}',
            "-p", 'scopesAdded=["a", "b"]')
    assert json.loads(r.out) == {"AllOf": ["auth:update-role:r", "a", "b"]}, r.err
    r = run("scopes", "required", "worker-manager", "workerPoolErrorStats",
            "--query", "workerPoolId=a/b")
    assert json.loads(r.out) == "worker-manager:list-worker-pool-errors:a/b", r.err


@pytest.mark.parametrize("args,says", [
    (["queue", "tsak", "t"], "unknown queue method 'tsak'"),
    (["queues", "task", "t"], "unknown service 'queues'"),
    (["queue", "task"], "missing route argument 'taskId'"),
    (["queue", "createTask", "t", "{"], "not JSON"),
    (["queue", "task", "t", "--param", "nope=1"], "'nope' is neither"),
    (["queue", "task", "t", "--param", "novalue"], "NAME=VALUE"),
])
def test_required_bad_input(args, says):
    r = run("scopes", "required", *args, env=environment())
    assert r.code == 2 and r.out == "" and len(r.err_lines) == 1, r.err
    assert says in r.err


def complete(words: str):
    """What bash completion offers for ``words`` (the last one being typed)."""
    import subprocess
    import sys
    env = environment(None, _TASKCLUSTER_PY_COMPLETE="bash_complete", COMP_WORDS=words,
                      COMP_CWORD=str(len(words.split(" ")) - 1))
    proc = subprocess.run(
        [sys.executable, "-c", "from taskcluster._cli import console_main; console_main()"],
        env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return [line.split(",", 1)[1] for line in proc.stdout.splitlines() if line]


def test_completion_of_required():
    assert "scopes" in complete("taskcluster-py sco")
    assert complete("taskcluster-py scopes req") == ["required"]
    assert complete("taskcluster-py scopes required wor") == ["worker-manager"]
    # methods that need scopes (ping needs none)
    assert complete("taskcluster-py scopes required queue createT") == ["createTask"]
    assert complete("taskcluster-py scopes required queue pin") == []
    assert complete("taskcluster-py scopes required nosuch ") == []
