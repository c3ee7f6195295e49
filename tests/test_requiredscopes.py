"""The scopes a call needs (``taskcluster.scopes.requiredScopes``, the
clients' ``requiredScopes``, ``_requiredscopes.expressionFor``) and the
``missingScopes`` of a 403 ``InsufficientScopes``.

The expected expressions below are written out by hand from the services'
documentation: each method's "Scopes" block and description on
https://docs.taskcluster.net/docs/reference (the same text as the bundled
references' ``scopes`` and ``description``), and, for the parameters a
service computes, its handler in the Taskcluster monorepo at v106.0.0
(``services/<service>/src/api.js``), cited per test."""

import asyncio
import json
import pickle

import pytest
from loopback import Reply

import taskcluster
import taskcluster.aio
from taskcluster import _references, _requiredscopes, _scopeparams
from taskcluster.exceptions import (MissingScopeParameter, TaskclusterInputError,
                                    TaskclusterRestFailure)
from taskcluster.scopes import (removeGivenScopes, requiredScopes, satisfiesExpression,
                                validExpression)

# -- every method of every service --------------------------------------------------

# The smallest payload from which each service derives its parameters
# (_scopeparams.DERIVED); a method missing here that needs one fails below.
MINIMAL_PAYLOADS = {
    ("queue", "tasks"): {"taskIds": ["t1", "t2"]},
    ("queue", "statuses"): {"taskIds": ["t1"]},
    ("queue", "createTask"): {"taskQueueId": "prov/wt"},
    ("queue", "claimWork"): {"workerGroup": "wg", "workerId": "wi", "tasks": 1},
    ("queue", "claimTask"): {"workerGroup": "wg", "workerId": "wi"},
    ("queue", "declareWorker"): {"expires": "2030-01-01T00:00:00.000Z"},
    ("auth", "createClient"): {"expires": "2030-01-01T00:00:00.000Z", "description": "d"},
    ("auth", "createRole"): {"description": "d", "scopes": ["a"]},
    ("auth", "githubRepoToken"): {"repositories": ["r"], "permissions": {"contents": "read"}},
    ("index", "findTasksAtIndex"): {"indexes": ["a.b"]},
    ("notify", "email"): {"address": "a@example.com", "subject": "s", "content": "c"},
    ("notify", "pulse"): {"routingKey": "rk", "message": {}},
    ("notify", "matrix"): {"roomId": "!room:example.com", "body": "b"},
    ("notify", "slack"): {"channelId": "C123", "text": "t"},
    ("object", "createUpload"): {"projectId": "proj"},
    ("object", "finishUpload"): {"projectId": "proj", "uploadId": "u"},
    ("purge-cache", "purgeCache"): {"cacheName": "cache"},
    ("worker-manager", "createWorkerPool"): {"providerId": "provider"},
    ("worker-manager", "updateWorkerPool"): {"providerId": "provider"},
    ("worker-manager", "reportWorkerError"): {"workerGroup": "wg", "workerId": "wi"},
    ("worker-manager", "reregisterWorker"): {"workerPoolId": "a/b", "workerGroup": "wg",
                                             "workerId": "wi", "secret": "s"},
}

ROUTE_VALUES = {"level": "read-only", "runId": "0"}


def _entries():
    for cls, (_service, kind) in sorted(_references.SERVICES.items()):
        if kind == "api":
            for entry in _references.load(cls).entries.values():
                yield entry


SCOPED = [e for e in _entries() if e.scopes is not None]


def _minimal_call(entry):
    args = [ROUTE_VALUES.get(a, "%s-value" % a.lower()) for a in entry.args]
    payload = MINIMAL_PAYLOADS.get((entry.service, entry.name), {} if entry.input else None)
    return args, payload


def _state_values(entry):
    return {p: (["added:scope"] if p == "scopesAdded" else "%s-state" % p.lower())
            for p in _scopeparams.STATE.get((entry.service, entry.name), ())}


def test_there_are_methods_of_every_kind():
    assert len(SCOPED) > 120
    assert set(_scopeparams.DERIVED) <= {(e.service, e.name) for e in SCOPED}
    assert set(_scopeparams.STATE) <= {(e.service, e.name) for e in SCOPED}
    assert set(MINIMAL_PAYLOADS) == set(_scopeparams.DERIVED) - {
        (s, m) for s, m in _scopeparams.DERIVED
        if m in ("reclaimTask", "reportCompleted", "reportFailed", "reportException",
                 "createArtifact", "getArtifact", "getLatestArtifact", "artifact",
                 "latestArtifact", "awsS3Credentials", "azureTableSAS", "azureContainerSAS",
                 "workerPoolErrorStats")}


@pytest.mark.parametrize("entry", SCOPED, ids=lambda e: "%s.%s" % (e.service, e.name))
def test_every_method_expands_on_minimal_arguments(entry):
    args, payload = _minimal_call(entry)
    state = _state_values(entry)
    template = _requiredscopes.plan_for(entry).template
    if state:
        # what only the service knows is asked for by name ...
        with pytest.raises(MissingScopeParameter) as info:
            requiredScopes(entry.service, entry.name, *args, payload=payload)
        assert info.value.parameter in state and info.value.service == entry.service
        assert "%s.%s" % (entry.owner, entry.name) in str(info.value)
        assert "give it yourself" in str(info.value)
    # ... and, given, completes the expression
    expr = requiredScopes(entry.service, entry.name, *args, payload=payload, **state)
    if expr is None:
        # only an if without else gives no expression: no method has one
        pytest.fail("%s.%s gave no expression" % (entry.service, entry.name))
    assert validExpression(expr), expr
    text = json.dumps(expr)
    for name in template.params:
        assert "<%s>" % name not in text
    for name, value in zip(entry.args, args):
        if template.params.get(name) == "string":
            assert value.lower() in text.lower(), (name, text)


# -- expressions written out by hand --------------------------------------------------

TASK = {
    "taskQueueId": "proj-releng/build-linux",
    "schedulerId": "taskcluster-ui",
    "projectId": "releng",
    "taskGroupId": "group1",
    "priority": "high",
    "routes": ["index.project.releng.latest", "tc-treeherder.v2.try.abc"],
    "scopes": ["secrets:get:project/releng/token", "docker-worker:cache:releng-*"],
    "created": "2026-12-02T00:00:00.000Z", "deadline": "2026-12-03T00:00:00.000Z",
    "payload": {}, "metadata": {"name": "n", "description": "d", "owner": "o@example.com",
                                "source": "https://example.com"},
}


def test_create_task():
    # queue createTask: "the caller must have scope queue:route:<route> for each
    # route", the task's scopes, queue:scheduler-id:<schedulerId>,
    # queue:create-task:project:<projectId>, and queue:create-task:<priority>:
    # <provisionerId>/<workerType> for its priority or any higher one
    # (authorizeTaskCreation: PRIORITY_LEVELS up to the task's priority).
    assert requiredScopes("queue", "createTask", "taskA", payload=TASK) == {"AllOf": [
        "secrets:get:project/releng/token",
        "docker-worker:cache:releng-*",
        "queue:route:index.project.releng.latest",
        "queue:route:tc-treeherder.v2.try.abc",
        "queue:create-task:project:releng",
        "queue:scheduler-id:taskcluster-ui",
        {"AnyOf": ["queue:create-task:highest:proj-releng/build-linux",
                   "queue:create-task:very-high:proj-releng/build-linux",
                   "queue:create-task:high:proj-releng/build-linux"]},
    ]}


def test_create_task_with_the_old_identifiers_and_the_schema_defaults():
    # provisionerId/workerType instead of taskQueueId; no priority (default
    # "lowest": every level), no projectId ("none"), no schedulerId ("-"),
    # no routes or scopes ([]), as the schema's defaults fill them.
    task = {"provisionerId": "prov", "workerType": "wt"}
    levels = ["highest", "very-high", "high", "medium", "low", "very-low", "lowest"]
    assert requiredScopes("queue", "createTask", "taskB", task) == {"AllOf": [
        "queue:create-task:project:none",
        "queue:scheduler-id:-",
        {"AnyOf": ["queue:create-task:%s:prov/wt" % p for p in levels]},
    ]}


def test_create_task_refuses_what_the_queue_refuses():
    with pytest.raises(TaskclusterInputError) as info:
        requiredScopes("queue", "createTask", "t", {"provisionerId": "a", "workerType": "b",
                                                     "taskQueueId": "c/d"})
    assert "taskQueueId must match" in str(info.value) and info.value.argument == "payload"
    with pytest.raises(TaskclusterInputError) as info:
        requiredScopes("queue", "createTask", "t", {"taskQueueId": "a/b", "priority": "urgent"})
    assert "priority must be one of" in str(info.value)
    with pytest.raises(MissingScopeParameter) as info:
        requiredScopes("queue", "createTask", "t", {"priority": "high"})
    assert info.value.parameter == "provisionerId" and "taskQueueId" in str(info.value)


def test_may_i_and_what_am_i_missing():
    expr = requiredScopes("queue", "createTask", "taskA", payload=TASK)
    mine = ["queue:create-task:high:proj-releng/*", "queue:route:index.project.releng.*",
            "queue:scheduler-id:taskcluster-ui", "queue:create-task:project:releng",
            "secrets:get:project/releng/*"]
    assert not satisfiesExpression(mine, expr)
    assert removeGivenScopes(mine, expr) == {"AllOf": [
        "docker-worker:cache:releng-*", "queue:route:tc-treeherder.v2.try.abc"]}
    assert satisfiesExpression(mine + ["docker-worker:cache:*", "queue:route:tc-treeherder.*"],
                               expr)


def test_hooks():
    # hooks createHook/updateHook: hooks:modify-hook:<hookGroupId>/<hookId> and
    # assume:hook-id:<hookGroupId>/<hookId>; triggerHook:
    # hooks:trigger-hook:<hookGroupId>/<hookId> (the hook's own scopes are the
    # hook's role, assume:hook-id:..., checked when it was created)
    hook = {"metadata": {}, "task": {}}
    for method in ("createHook", "updateHook"):
        assert requiredScopes("hooks", method, "project-releng", "nightly", hook) == {
            "AllOf": ["hooks:modify-hook:project-releng/nightly",
                      "assume:hook-id:project-releng/nightly"]}
    assert requiredScopes("hooks", "triggerHook", "project-releng", "nightly", {"x": 1}) == \
        "hooks:trigger-hook:project-releng/nightly"
    assert requiredScopes("hooks", "removeHook", hookGroupId="g", hookId="h") == \
        "hooks:modify-hook:g/h"
    assert requiredScopes("hooks", "triggerHookWithToken", "g", "h", "tok", {}) is None


def test_index():
    # index: findTask index:find-task:<indexPath>; insertTask
    # index:insert-task:<namespace>; findTasksAtIndex index:find-task:<indexPath>
    # for each of the payload's indexes (api.js: authorize({indexPaths: indexes}))
    assert requiredScopes("index", "findTask", "project.releng.latest") == \
        "index:find-task:project.releng.latest"
    assert requiredScopes("index", "insertTask", "project.releng.latest",
                          {"taskId": "t", "rank": 0, "data": {}, "expires": "x"}) == \
        "index:insert-task:project.releng.latest"
    assert requiredScopes("index", "listTasks", "project") == "index:list-tasks:project"
    assert requiredScopes("index", "findTasksAtIndex", {"indexes": ["a.b", "c.d"]}) == {
        "AllOf": ["index:find-task:a.b", "index:find-task:c.d"]}
    assert requiredScopes("index", "findArtifactFromTask", "a.b", "public/log.txt") == \
        "queue:get-artifact:public/log.txt"


def test_secrets():
    # secrets: get secrets:get:<name>; set and remove secrets:set:<name>;
    # list secrets:list-secrets
    assert requiredScopes("secrets", "get", "project/releng/token") == \
        "secrets:get:project/releng/token"
    assert requiredScopes("secrets", "set", "project/releng/token",
                          {"secret": {}, "expires": "x"}) == "secrets:set:project/releng/token"
    assert requiredScopes("secrets", "remove", "a") == "secrets:set:a"
    assert requiredScopes("secrets", "list") == "secrets:list-secrets"
    assert requiredScopes("secrets", "ping") is None


def test_auth():
    # auth createClient: auth:create-client:<clientId> and every scope given
    # to the client (api.js: authorize({clientId, scopes: input.scopes || []}))
    assert requiredScopes("auth", "createClient", "project/releng/ci",
                          {"expires": "x", "description": "d",
                           "scopes": ["queue:create-task:*", "assume:project:releng"]}) == {
        "AllOf": ["auth:create-client:project/releng/ci", "queue:create-task:*",
                  "assume:project:releng"]}
    assert requiredScopes("auth", "createRole", "project:releng",
                          {"description": "d", "scopes": ["a:b"]}) == {
        "AllOf": ["auth:create-role:project:releng", "a:b"]}
    assert requiredScopes("auth", "deleteClient", "c") == "auth:delete-client:c"
    assert requiredScopes("auth", "client", "c") == "auth:get-client:c"
    # awsS3Credentials: read-only is satisfied by read-only or read-write
    assert requiredScopes("auth", "awsS3Credentials", "read-only", "bucket", "pre/fix") == {
        "AnyOf": ["auth:aws-s3:read-only:bucket/pre/fix", "auth:aws-s3:read-write:bucket/pre/fix"]}
    assert requiredScopes("auth", "awsS3Credentials", "read-write", "bucket", "p") == \
        "auth:aws-s3:read-write:bucket/p"
    assert requiredScopes("auth", "azureTableSAS", "acct", "tbl", "read-write") == \
        "auth:azure-table:read-write:acct/tbl"
    # githubRepoToken (services/auth/src/github.js): owner and repositories in
    # lower case, <repo>:<permission>:<level> per permission, per repository
    assert requiredScopes("auth", "githubRepoToken", "app", "Mozilla",
                          {"repositories": ["Gecko", "nss"],
                           "permissions": {"contents": "read", "issues": "write"}}) == {
        "AllOf": ["auth:github-repo-token:app/mozilla/gecko:contents:read",
                  "auth:github-repo-token:app/mozilla/nss:contents:read",
                  "auth:github-repo-token:app/mozilla/gecko:issues:write",
                  "auth:github-repo-token:app/mozilla/nss:issues:write"]}


def test_auth_updates_need_what_only_the_service_knows():
    # updateClient/updateRole: only the scopes added to what the client or
    # role had (api.js: _.difference(input.scopes, client.scopes))
    with pytest.raises(MissingScopeParameter) as info:
        requiredScopes("auth", "updateClient", "c", {"scopes": ["a"], "description": "d",
                                                      "expires": "x"})
    assert info.value.parameter == "scopesAdded"
    assert "the stored client" in str(info.value)
    assert requiredScopes("auth", "updateClient", "c", {"scopes": ["a", "b"]},
                          scopesAdded=["b"]) == {"AllOf": ["auth:update-client:c", "b"]}


def test_other_services_derive_from_the_payload_and_the_query():
    assert requiredScopes("notify", "email", {"address": "dev@example.com", "subject": "s",
                                              "content": "c"}) == "notify:email:dev@example.com"
    assert requiredScopes("purge-cache", "purgeCache", "proj/wt", {"cacheName": "npm"}) == \
        "purge-cache:proj/wt:npm"
    assert requiredScopes("object", "createUpload", "obj", {"projectId": "p"}) == \
        "object:upload:p:obj"
    assert requiredScopes("worker-manager", "createWorkerPool", "a/b",
                          {"providerId": "aws"}) == {
        "AllOf": ["worker-manager:manage-worker-pool:a/b", "worker-manager:provider:aws"]}
    # worker-manager workerPoolErrorStats: the workerPoolId query key, else "*"
    assert requiredScopes("worker-manager", "workerPoolErrorStats") == \
        "worker-manager:list-worker-pool-errors:*"
    assert requiredScopes("worker-manager", "workerPoolErrorStats",
                          query={"workerPoolId": "a/b"}) == \
        "worker-manager:list-worker-pool-errors:a/b"
    # queue getArtifact: queue:get-artifact:<name> for the artifact asked for
    assert requiredScopes("queue", "getArtifact", "t", "0", "public/build.tar.gz") == {
        "AllOf": ["queue:get-artifact:public/build.tar.gz"]}


# -- the missing-parameter error ------------------------------------------------------

def test_a_missing_parameter_says_which_and_where_it_comes_from():
    with pytest.raises(MissingScopeParameter) as info:
        requiredScopes("queue", "scheduleTask", "taskA")
    e = info.value
    assert isinstance(e, TaskclusterInputError)
    assert (e.parameter, e.service, e.method) == ("schedulerId", "queue", "Queue.scheduleTask")
    assert str(e) == ("Queue.scheduleTask: its scope expression needs the parameter "
                      "'schedulerId' (a string), which was not given; the service reads it "
                      "from the stored task's schedulerId, so give it yourself: schedulerId=...")
    with pytest.raises(MissingScopeParameter) as info:
        requiredScopes("notify", "email")
    assert info.value.parameter == "address"
    assert "the payload's 'address' (no payload was given)" in str(info.value)
    assert pickle.loads(pickle.dumps(info.value)).parameter == "address"


def test_bad_names_and_arguments_are_refused_before_anything_else():
    with pytest.raises(TaskclusterInputError, match="service 'queues' is not"):
        requiredScopes("queues", "task", "t")
    with pytest.raises(TaskclusterInputError, match="methodName 'tsak' is not a method of Queue"):
        requiredScopes("queue", "tsak", "t")
    with pytest.raises(TaskclusterInputError, match="missing route argument 'taskId'"):
        requiredScopes("queue", "task")
    with pytest.raises(TaskclusterInputError) as info:
        requiredScopes("queue", "scheduleTask", "t", schedulerID="s")
    assert info.value.argument == "schedulerID" and "schedulerId" in str(info.value)
    with pytest.raises(TaskclusterInputError) as info:
        requiredScopes("queue", "createTask", "t", {**TASK, "scopes": "not-a-list"})
    assert info.value.argument == "scopes"


def test_services_by_class_name_and_route_arguments_by_keyword():
    assert requiredScopes("PurgeCache", "purgeRequests", workerPoolId="a/b") == \
        requiredScopes("purge-cache", "purgeRequests", "a/b") == "purge-cache:purge-requests::a/b"
    assert requiredScopes("queue", "getWorker", "p", "w", workerGroup="g", workerId="i") == \
        "queue:get-worker:p/w/g/i"


# -- on the clients, sync and async ------------------------------------------------------

def test_every_client_has_it_with_the_clients_errors():
    queue = taskcluster.Queue({"rootUrl": "http://127.0.0.1:1"})
    assert queue.requiredScopes("createTask", "taskA", payload=TASK) == \
        requiredScopes("queue", "createTask", "taskA", payload=TASK)
    assert queue.requiredScopes("cancelTask", "t", schedulerId="s", taskGroupId="g",
                                projectId="p") == {
        "AnyOf": ["queue:cancel-task:s/g/t", "queue:cancel-task-in-project:p",
                  {"AllOf": ["queue:cancel-task", "assume:scheduler-id:s/g"]}]}
    with pytest.raises(TaskclusterInputError) as info:
        queue.requiredScopes("nope", "t")
    assert str(info.value) == "Queue.requiredScopes: methodName 'nope' is not a method of Queue"
    with pytest.raises(TaskclusterInputError) as info:
        queue.requiredScopes("task", ["not", "a", "str"])
    assert info.value.method == "Queue.requiredScopes" and info.value.argument == "taskId"
    assert taskcluster.Secrets().requiredScopes(taskcluster.Secrets.get, "x") == "secrets:get:x"


def test_the_async_clients_have_it_too_as_a_plain_method():
    async def main():
        async with taskcluster.aio.Hooks({"rootUrl": "http://127.0.0.1:1"}) as hooks:
            return hooks.requiredScopes("triggerHook", "g", "h", payload={})
    assert asyncio.run(main()) == "hooks:trigger-hook:g/h"


# -- for a server: expressionFor --------------------------------------------------------

def test_expression_for_takes_route_parameters_payload_and_extra():
    assert _requiredscopes.expressionFor("queue", "createTask", {"taskId": "taskA"}, TASK) == \
        requiredScopes("queue", "createTask", "taskA", TASK)
    with pytest.raises(MissingScopeParameter):
        _requiredscopes.expressionFor("queue", "rerunTask", {"taskId": "t"})
    # a handler's extra parameters complete it (and may carry more than needed)
    assert _requiredscopes.expressionFor(
        "queue", "sealTaskGroup", {"taskGroupId": "g"}, None,
        {"schedulerId": "s", "taskGroupId": "g"}) == "queue:seal-task-group:s/g"
    assert _requiredscopes.expressionFor("worker-manager", "workerPoolErrorStats", {},
                                         query={"workerPoolId": "x/y"}) == \
        "worker-manager:list-worker-pool-errors:x/y"
    assert _requiredscopes.expressionFor("auth", "ping", {}) is None
    with pytest.raises(MissingScopeParameter) as info:
        _requiredscopes.expressionFor("secrets", "get", {})
    assert info.value.parameter == "name" and "route argument of get" in str(info.value)
    with pytest.raises(TaskclusterInputError, match="expressionFor: service 'nope'"):
        _requiredscopes.expressionFor("nope", "x", {})


# -- a 403 InsufficientScopes -----------------------------------------------------------

CREDS = {"clientId": "tester", "accessToken": "no-secret-token"}


def lib_api_403(required, unsatisfied=None, client="tester"):
    """A 403 body as lib-api writes it (libraries/api/src/middleware/auth.js
    and express-error.js): the details go into the message's fenced blocks,
    JSON.stringify(value, null, 2)'d unless they are strings; the body
    carries code, message and requestInfo."""
    def show(value):
        return value if isinstance(value, str) else json.dumps(value, indent=2)
    if unsatisfied is not None:
        message = "\n".join([
            "Client ID %s does not have sufficient scopes and is missing the following "
            "scopes:" % client, "", "```", show(unsatisfied), "```", "",
            "This request requires the client to satisfy the following scope expression:",
            "", "```", show(required), "```"])
    else:
        message = "\n".join([
            "This request requires Taskcluster credentials that satisfy the following "
            "scope expression:", "", "```", show(required), "```"])
    message += "\n\n---\n\n* method:     task\n* errorCode:  InsufficientScopes\n" \
               "* statusCode: 403\n* time:       2026-12-02T00:00:00.000Z"
    return {"code": "InsufficientScopes", "message": message,
            "requestInfo": {"method": "task", "params": {"taskId": "t"}, "payload": {},
                            "time": "2026-12-02T00:00:00.000Z"}}


def _queue(server, **options):
    return taskcluster.Queue({"rootUrl": server.url, "credentials": CREDS, **options})


def test_a_403_says_what_the_caller_is_missing(server):
    required = {"AnyOf": ["queue:cancel-task:s/g/t", {"AllOf": ["queue:cancel-task",
                                                                "assume:scheduler-id:s/g"]}]}
    missing = {"AnyOf": ["queue:cancel-task:s/g/t", "assume:scheduler-id:s/g"]}
    server.plan(Reply(403, lib_api_403(required, missing)))
    with pytest.raises(TaskclusterRestFailure) as info:
        _queue(server).cancelTask("t")
    e = info.value
    assert e.status_code == 403 and e.code == "InsufficientScopes"
    assert e.missingScopes == missing
    assert pickle.loads(pickle.dumps(e)).missingScopes == missing
    assert CREDS["accessToken"] not in str(e) + repr(e)


def test_a_403_with_a_single_scope_written_plainly(server):
    server.plan(Reply(403, lib_api_403("queue:get-task:t", "queue:get-task:t")))
    with pytest.raises(TaskclusterRestFailure) as info:
        _queue(server).task("t")
    assert info.value.missingScopes == "queue:get-task:t"


def test_a_403_to_a_caller_without_credentials_is_missing_all_it_requires(server):
    required = {"AllOf": ["queue:get-task:t", {"AnyOf": ["a", "b"]}]}
    server.plan(Reply(403, lib_api_403(required)))
    with pytest.raises(TaskclusterRestFailure) as info:
        taskcluster.Queue({"rootUrl": server.url}).task("t")
    assert info.value.missingScopes == removeGivenScopes([], required) == required
    assert "authorization" not in server.requests[-1].headers


def test_a_403_carrying_details_is_read_from_them(server):
    body = {"code": "InsufficientScopes", "message": "no",
            "details": {"required": "a:b", "unsatisfied": "a:b"}}
    server.plan(Reply(403, body))
    with pytest.raises(TaskclusterRestFailure) as info:
        _queue(server).task("t")
    assert info.value.missingScopes == "a:b"


@pytest.mark.parametrize("status,body", [
    (403, {"code": "InsufficientScopes", "message": "something else entirely"}),
    (403, {"code": "SomethingElse", "message": "x"}),
    (403, "not json"),
    (404, {"code": "ResourceNotFound", "message": "x"}),
])
def test_other_answers_have_no_missing_scopes(server, status, body):
    server.plan(Reply(status, body))
    with pytest.raises(TaskclusterRestFailure) as info:
        _queue(server).task("t")
    assert info.value.missingScopes is None


def test_an_async_403_says_it_too(server):
    server.plan(Reply(403, lib_api_403("queue:get-task:t", "queue:get-task:t")))

    async def main():
        async with taskcluster.aio.Queue({"rootUrl": server.url, "credentials": CREDS}) as q:
            with pytest.raises(TaskclusterRestFailure) as info:
                await q.task("t")
            return info.value
    assert asyncio.run(main()).missingScopes == "queue:get-task:t"


# -- cheap to import ---------------------------------------------------------------------

def test_importing_taskcluster_scopes_reads_no_reference():
    import os
    import subprocess
    import sys
    from pathlib import Path
    parent = str(Path(taskcluster.__file__).resolve().parents[1])
    code = ("import sys, taskcluster.scopes\n"
            "print(sorted(m for m in sys.modules if m.startswith('taskcluster.')))\n")
    out = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=parent),
                         cwd="/", capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    loaded = set(eval(out.stdout))   # noqa: S307 - a list of names printed above
    assert "taskcluster.scopes" in loaded
    assert not loaded & {"taskcluster._references", "taskcluster._requiredscopes",
                         "taskcluster._scopetemplates", "taskcluster._schemas"}


# -- the guide's examples ---------------------------------------------------------------

def test_the_guide_section_runs():
    """The ```python blocks of docs/guide/scopes.md's "The scopes a call needs"
    section, in order, in one namespace (they send nothing)."""
    import re
    from pathlib import Path
    guide = Path(__file__).resolve().parents[1] / "docs" / "guide" / "scopes.md"
    if not guide.is_file():
        pytest.skip("docs/ is not shipped with an installed package; run from a checkout")
    text = guide.read_text(encoding="utf-8")
    section = text[text.index("## The scopes a call needs"):]
    following = re.search(r"^## ", section[3:], re.M)
    if following:
        section = section[:following.start() + 3]
    blocks = re.findall(r"^```python\n(.*?)^```", section, re.M | re.S)
    assert len(blocks) >= 4
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(guide), "exec"), namespace)   # noqa: S102 - our own docs
    assert callable(namespace["create"])
