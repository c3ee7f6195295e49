"""The fake queue's backend, driven without HTTP (tests/fake_queue_harness.py):
the task life cycle, dependencies, retries, the deployment's clock, task
groups, worker metadata and scopes.  Every JSON answer is checked against
its output schema and every pulse message against its exchange's schema."""

from __future__ import annotations

import datetime
import json

import pytest
from fake_queue_harness import ENTRIES, QueueHarness, check_pulse, jsdate, task_def

from taskcluster._slugid import nice
from taskcluster.fake import FakeError
from taskcluster.fake.queue import QueueBackend


@pytest.fixture
def h():
    harness = QueueHarness()
    yield harness
    # every message published during the test is valid for its exchange
    for message in harness.deployment.pulseMessages:
        check_pulse(message)


def scopes_of(credentials):
    return json.loads(credentials["certificate"])["scopes"]


def states(h, taskId):
    status = h.call("status", {"taskId": taskId})["status"]
    return status["state"], [(r["state"], r["reasonCreated"], r.get("reasonResolved"))
                             for r in status["runs"]]


def keys(h, exchange):
    return [m["routingKey"] for m in h.messages(exchange)]


def test_every_function_of_the_reference_has_a_handler():
    missing = [name for name in ENTRIES if not callable(getattr(QueueBackend, name, None))]
    assert len(ENTRIES) == 49
    assert missing == []


def test_create_claim_reclaim_complete(h):
    taskId = h.create(routes=["index.a.b", "notify.x"], tags={"k": "v"})
    assert states(h, taskId) == ("pending", [("pending", "scheduled", None)])
    group = taskId  # taskGroupId defaults to the taskId
    defined = h.messages("task-defined")[0]
    assert defined["routingKey"] == "primary.%s._._._.prov.wt.-.%s._" % (taskId, group)
    assert defined["CC"] == ["route.index.a.b", "route.notify.x"]
    assert defined["payload"]["status"]["runs"] == [] and defined["payload"]["task"] == {
        "tags": {"k": "v"}}
    assert keys(h, "task-pending") == ["primary.%s.0._._.prov.wt.-.%s._" % (taskId, group)]

    [claim] = h.claim()
    assert claim["status"]["taskId"] == taskId and claim["runId"] == 0
    assert claim["task"]["routes"] == ["index.a.b", "notify.x"]
    creds = claim["credentials"]
    assert creds["clientId"].startswith("task-client/%s/0/on/wg/w1/until/" % taskId)
    assert scopes_of(creds) == ["queue:reclaim-task:%s/0" % taskId,
                                "queue:resolve-task:%s/0" % taskId,
                                "queue:create-artifact:%s/0" % taskId]
    assert keys(h, "task-running") == ["primary.%s.0.wg.w1.prov.wt.-.%s._" % (taskId, group)]
    assert h.claim() == []  # nothing else pending

    h.advance(600)
    reclaim = h.call("reclaimTask", {"taskId": taskId, "runId": "0"})
    assert reclaim["takenUntil"] > claim["takenUntil"]
    assert scopes_of(reclaim["credentials"]) == scopes_of(creds)

    done = h.call("reportCompleted", {"taskId": taskId, "runId": "0"})["status"]
    assert done["state"] == "completed" and done["runs"][0]["reasonResolved"] == "completed"
    assert keys(h, "task-completed") == ["primary.%s.0.wg.w1.prov.wt.-.%s._" % (taskId, group)]
    resolved = h.messages("task-group-resolved")
    assert [m["routingKey"] for m in resolved] == ["primary.%s.-._" % group]
    # a second report of the same resolution answers the same
    again = h.call("reportCompleted", {"taskId": taskId, "runId": "0"})["status"]
    assert again["state"] == "completed"
    with pytest.raises(FakeError) as e:
        h.call("reportFailed", {"taskId": taskId, "runId": "0"})
    assert e.value.status == 409 and e.value.code == "RequestConflict"


def test_claim_credentials_carry_the_task_scopes(h):
    taskId = h.create(scopes=["secrets:get:project/x", "queue:get-artifact:private/*"])
    [claim] = h.claim()
    assert claim["status"]["taskId"] == taskId
    assert scopes_of(claim["credentials"])[3:] == ["secrets:get:project/x",
                                                    "queue:get-artifact:private/*"]


def test_create_task_is_idempotent_and_a_different_definition_conflicts(h):
    taskId = nice()
    definition = task_def(h.deployment)
    first = h.call("createTask", {"taskId": taskId}, definition)
    second = h.call("createTask", {"taskId": taskId}, definition)
    assert first == second
    with pytest.raises(FakeError) as e:
        h.call("createTask", {"taskId": taskId}, dict(definition, retries=1))
    assert e.value.status == 409 and "already used by another task" in e.value.message
    assert h.call("task", {"taskId": taskId})["retries"] == 5


def test_create_task_checks_dates_and_queue(h):
    past = task_def(h.deployment)
    past["deadline"] = past["created"]
    h.advance(5)
    for bad, words in [(past, "`deadline` cannot be in the past"),
                       (task_def(h.deployment, taskQueueId="other/wt"), "taskQueueId must match")]:
        with pytest.raises(FakeError) as e:
            h.call("createTask", {"taskId": nice()}, bad)
        assert e.value.status == 400 and words in e.value.message
    assert h.queue.taskById == {}


def test_dependencies_all_completed_and_all_resolved(h):
    a = h.create()
    b = h.create(dependencies=[a])
    c = h.create(dependencies=[a], requires="all-resolved")
    assert states(h, b)[0] == "unscheduled" and states(h, c)[0] == "unscheduled"
    dependents = h.call("listDependentTasks", {"taskId": a})
    assert sorted(t["status"]["taskId"] for t in dependents["tasks"]) == sorted([b, c])

    [claim] = h.claim()
    assert claim["status"]["taskId"] == a  # only a was pending
    h.call("reportFailed", {"taskId": a, "runId": "0"})
    assert states(h, b)[0] == "unscheduled"  # b needs a completed
    assert states(h, c)[0] == "pending"      # c needs a resolved

    h.call("rerunTask", {"taskId": a})
    assert states(h, a) == ("pending", [("failed", "scheduled", "failed"),
                                        ("pending", "rerun", None)])
    claims = {c["status"]["taskId"]: c["runId"] for c in h.claim(tasks=5)}
    assert claims == {a: 1, c: 0}
    h.call("reportCompleted", {"taskId": a, "runId": "1"})
    assert states(h, b)[0] == "pending"


def test_a_task_whose_dependencies_are_done_is_pending_at_once(h):
    a = h.create()
    h.claim()
    h.call("reportCompleted", {"taskId": a, "runId": "0"})
    assert states(h, h.create(dependencies=[a]))[0] == "pending"


def test_dependencies_must_exist(h):
    taskId, ghost = nice(), nice()
    with pytest.raises(FakeError) as e:
        h.call("createTask", {"taskId": taskId}, task_def(h.deployment, dependencies=[ghost]))
    assert e.value.status == 400 and ghost in e.value.message
    assert "must** exist" in e.value.message
    with pytest.raises(FakeError) as e:
        h.call("status", {"taskId": taskId})
    assert e.value.status == 404
    assert h.messages() == []


def test_schedule_task_ignores_unresolved_dependencies(h):
    a = h.create()
    b = h.create(dependencies=[a])
    status = h.call("scheduleTask", {"taskId": b})["status"]
    assert status["state"] == "pending" and status["runs"][0]["reasonCreated"] == "scheduled"


def test_worker_shutdown_and_intermittent_task_retry_while_retries_remain(h):
    taskId = h.create(retries=2)
    h.claim()
    status = h.call("reportException", {"taskId": taskId, "runId": "0"},
                    {"reason": "worker-shutdown"})["status"]
    assert [(r["state"], r["reasonCreated"]) for r in status["runs"]] == [
        ("exception", "scheduled"), ("pending", "retry")]
    assert status["retriesLeft"] == 1
    h.claim()
    status = h.call("reportException", {"taskId": taskId, "runId": "1"},
                    {"reason": "intermittent-task"})["status"]
    assert status["runs"][-1]["reasonCreated"] == "task-retry" and status["retriesLeft"] == 0
    h.claim()
    status = h.call("reportException", {"taskId": taskId, "runId": "2"},
                    {"reason": "worker-shutdown"})["status"]
    assert status["state"] == "exception" and len(status["runs"]) == 3  # no retries left
    assert [m["routingKey"].split(".")[2] for m in h.messages("task-pending")] == ["0", "1", "2"]
    assert len(h.messages("task-group-resolved")) == 1


def test_malformed_payload_is_a_final_exception(h):
    taskId = h.create()
    h.claim()
    status = h.call("reportException", {"taskId": taskId, "runId": "0"},
                    {"reason": "malformed-payload"})["status"]
    assert status["state"] == "exception" and len(status["runs"]) == 1


def test_claim_expires_on_the_deployment_clock_with_a_retry(h):
    taskId = h.create(retries=1)
    [claim] = h.claim()
    h.advance(10 * 60)
    assert states(h, taskId)[0] == "running"
    h.advance(10 * 60 + 1)  # 20 minutes and a second since the claim, at least
    assert states(h, taskId) == ("pending", [("exception", "scheduled", "claim-expired"),
                                             ("pending", "retry", None)])
    expired = h.messages("task-exception")[-1]
    assert expired["payload"]["workerId"] == "w1"
    assert expired["payload"]["status"]["runs"][0]["resolved"] == \
        claim["takenUntil"]  # resolved when the claim ran out
    # the worker that lost its claim can no longer resolve the run
    with pytest.raises(FakeError) as e:
        h.call("reportCompleted", {"taskId": taskId, "runId": "0"})
    assert e.value.status == 409
    h.claim()
    h.advance(20 * 60 + 1)  # no retries left now
    assert states(h, taskId)[1][-1] == ("exception", "retry", "claim-expired")
    assert states(h, taskId)[0] == "exception"


def test_the_deadline_resolves_exception_deadline_exceeded(h):
    deadline = jsdate(h.now() + datetime.timedelta(minutes=10))  # before the claim expires
    running = h.create(deadline=deadline)
    h.claim()
    unscheduled = h.create(dependencies=[running], deadline=deadline)
    h.advance(600 + 1)
    assert states(h, running) == ("exception", [("exception", "scheduled", "deadline-exceeded")])
    # the dependency's resolution scheduled nothing: b's own deadline passed too
    assert states(h, unscheduled) == ("exception", [("exception", "exception",
                                                     "deadline-exceeded")])
    deadline_messages = [m for m in h.messages("task-exception")
                         if m["payload"]["status"]["taskId"] == unscheduled]
    # no run's worker in the routing key, as the deadline resolver sends it
    assert deadline_messages[0]["routingKey"].split(".")[2:5] == ["0", "_", "_"]
    with pytest.raises(FakeError) as e:
        h.call("rerunTask", {"taskId": running})
    assert e.value.status == 409 and "deadline" in e.value.message


def test_cancel_task(h):
    taskId = h.create()
    status = h.call("cancelTask", {"taskId": taskId})["status"]
    assert status["state"] == "exception" and status["runs"][0]["reasonResolved"] == "canceled"
    assert h.call("pendingTasks", {"taskQueueId": "prov/wt"})["pendingTasks"] == 0
    blocked = h.create(dependencies=[h.create()])
    h.call("cancelTask", {"taskId": blocked})
    assert states(h, blocked) == ("exception", [("exception", "exception", "canceled")])


def test_task_groups_list_seal_cancel(h):
    group = nice()
    members = sorted(h.create(taskGroupId=group) for _ in range(3))
    info = h.call("getTaskGroup", {"taskGroupId": group})
    assert info["taskGroupId"] == group and "sealed" not in info
    page = h.call("listTaskGroup", {"taskGroupId": group}, query={"limit": "2"})
    assert len(page["tasks"]) == 2 and page["continuationToken"]
    rest = h.call("listTaskGroup", {"taskGroupId": group},
                  query={"continuationToken": page["continuationToken"]})
    assert "continuationToken" not in rest
    assert [t["status"]["taskId"] for t in page["tasks"] + rest["tasks"]] == members

    with pytest.raises(FakeError) as e:
        h.call("cancelTaskGroup", {"taskGroupId": group})
    assert e.value.status == 409
    sealed = h.call("sealTaskGroup", {"taskGroupId": group})
    assert sealed["sealed"]
    with pytest.raises(FakeError) as e:
        h.create(taskGroupId=group)
    assert e.value.status == 409 and "sealed" in e.value.message
    [claim] = h.claim()
    done = claim["status"]["taskId"]
    h.call("reportCompleted", {"taskId": done, "runId": "0"})
    canceled = h.call("cancelTaskGroup", {"taskGroupId": group})
    assert canceled["taskGroupSize"] == 3 and canceled["cancelledCount"] == 2
    assert sorted(canceled["taskIds"]) == sorted(t for t in members if t != done)
    assert [states(h, t)[0] for t in members] == [
        "completed" if t == done else "exception" for t in members]
    # a second cancel finds nothing left to cancel
    assert h.call("cancelTaskGroup", {"taskGroupId": group})["cancelledCount"] == 0
    resolved = h.messages("task-group-resolved")
    assert len(resolved) == 1 and resolved[0]["payload"]["sealed"] == sealed["sealed"]
    assert len(h.messages("task-group-sealed")) == 1


def test_a_task_group_needs_one_scheduler(h):
    group = nice()
    h.create(taskGroupId=group)
    with pytest.raises(FakeError) as e:
        h.create(taskGroupId=group, schedulerId="other")
    assert e.value.status == 409 and "schedulerId" in e.value.message


def test_tasks_and_statuses_in_bulk(h):
    ids = [h.create() for _ in range(3)]
    got = h.call("tasks", payload={"taskIds": ids + [nice()]}, query={"limit": "2"})
    assert [t["taskId"] for t in got["tasks"]] == ids[:2] and got["continuationToken"]
    got = h.call("statuses", payload={"taskIds": ids})
    assert [s["status"]["state"] for s in got["statuses"]] == ["pending"] * 3


def test_priorities(h):
    group = nice()
    low = h.create(taskGroupId=group)
    h.advance(1)
    high = h.create(taskGroupId=group)
    h.call("changeTaskPriority", {"taskId": high}, {"newPriority": "high"})
    # listed in the order they were queued; claimed by priority
    assert [t["taskId"] for t in h.call("listPendingTasks", {"taskQueueId": "prov/wt"})["tasks"]] \
        == [low, high]
    [claim] = h.claim()
    assert claim["status"]["taskId"] == high
    changed = h.call("changeTaskGroupPriority", {"taskGroupId": group}, {"newPriority": "medium"})
    assert changed["tasksAffected"] == 2 and sorted(changed["taskIds"]) == sorted([low, high])
    assert len(h.messages("task-priority-changed")) == 1
    assert len(h.messages("task-group-priority-changed")) == 1


def test_worker_metadata_as_claims_imply_it(h):
    h.create()
    h.create()
    counts = h.call("taskQueueCounts", {"taskQueueId": "prov/wt"})
    assert (counts["pendingTasks"], counts["claimedTasks"]) == (2, 0)
    with pytest.raises(FakeError):
        h.call("getTaskQueue", {"taskQueueId": "prov/wt"})  # no worker came yet
    [claim] = h.claim()
    counts = h.call("taskQueueCounts", {"taskQueueId": "prov/wt"})
    assert (counts["pendingTasks"], counts["claimedTasks"]) == (1, 1)
    claimed = h.call("listClaimedTasks", {"taskQueueId": "prov/wt"})["tasks"]
    assert [(t["taskId"], t["workerId"]) for t in claimed] == [(claim["status"]["taskId"], "w1")]
    assert h.call("getTaskQueue", {"taskQueueId": "prov/wt"})["taskQueueId"] == "prov/wt"
    assert [q["taskQueueId"] for q in h.call("listTaskQueues")["taskQueues"]] == ["prov/wt"]
    assert [p["provisionerId"] for p in h.call("listProvisioners")["provisioners"]] == ["prov"]
    assert h.call("getProvisioner", {"provisionerId": "prov"})["provisionerId"] == "prov"
    types = h.call("listWorkerTypes", {"provisionerId": "prov"})["workerTypes"]
    assert [t["workerType"] for t in types] == ["wt"]
    assert h.call("getWorkerType", {"provisionerId": "prov", "workerType": "wt"})["workerType"] == "wt"
    worker = {"provisionerId": "prov", "workerType": "wt", "workerGroup": "wg", "workerId": "w1"}
    got = h.call("getWorker", worker)
    assert got["recentTasks"] == [{"taskId": claim["status"]["taskId"], "runId": 0}]
    listed = h.call("listWorkers", {"provisionerId": "prov", "workerType": "wt"})["workers"]
    assert [w["workerId"] for w in listed] == ["w1"]

    until = h.deployment.now().replace(year=h.deployment.now().year + 1)
    q = h.call("quarantineWorker", worker, {"quarantineUntil": until.isoformat(),
                                            "quarantineInfo": "flaky"})
    assert q["quarantineDetails"][0]["quarantineInfo"] == "flaky"
    assert h.claim() == []  # a quarantined worker gets no work
    assert len(h.call("listWorkers", {"provisionerId": "prov", "workerType": "wt"},
                      query={"quarantined": "true"})["workers"]) == 1
    later = h.deployment.now() + datetime.timedelta(days=3)
    declared = h.call("declareWorker", dict(worker, workerId="w2"), {"expires": jsdate(later)})
    assert (declared["workerId"], declared["expires"]) == ("w2", jsdate(later))
    with pytest.raises(FakeError) as e:
        h.call("getWorker", dict(worker, workerId="nobody"))
    assert e.value.status == 404


def test_scopes_the_handler_checks_with_the_stored_task(h):
    taskId = h.create()
    worker_scopes = ["queue:worker-id:wg/w1"]
    # claimTask's scope names the stored task's provisionerId/workerType
    with pytest.raises(FakeError) as e:
        h.call("claimTask", {"taskId": taskId, "runId": "0"},
               {"workerGroup": "wg", "workerId": "w1"},
               scopes=worker_scopes + ["queue:claim-task:prov/other"])
    assert e.value.status == 403 and "queue:claim-task:prov/wt" in e.value.message
    assert states(h, taskId)[0] == "pending"
    claim = h.call("claimTask", {"taskId": taskId, "runId": "0"},
                   {"workerGroup": "wg", "workerId": "w1"},
                   scopes=worker_scopes + ["queue:claim-task:prov/wt"])
    assert claim["status"]["state"] == "running"
    with pytest.raises(FakeError) as e:
        h.call("claimTask", {"taskId": taskId, "runId": "0"},
               {"workerGroup": "wg", "workerId": "w2"})
    assert e.value.status == 409
    # the run's own credentials resolve it; other runs' do not
    run_scopes = scopes_of(claim["credentials"])
    with pytest.raises(FakeError) as e:
        h.call("reportCompleted", {"taskId": taskId, "runId": "0"},
               scopes=["queue:resolve-task:%s/1" % taskId])
    assert e.value.status == 403
    assert h.call("reportCompleted", {"taskId": taskId, "runId": "0"},
                  scopes=run_scopes)["status"]["state"] == "completed"


def test_create_task_needs_the_scopes_its_definition_implies(h):
    taskId = nice()
    definition = task_def(h.deployment, routes=["index.x"], priority="high",
                          scopes=["secrets:get:a"])
    needed = ["queue:route:index.x", "queue:create-task:project:none",
              "queue:scheduler-id:-", "queue:create-task:high:prov/wt", "secrets:get:a"]
    for left_out in needed:
        with pytest.raises(FakeError) as e:
            h.call("createTask", {"taskId": taskId}, definition,
                   scopes=[s for s in needed if s != left_out])
        assert e.value.status == 403, left_out
    # a higher priority's scope also allows it
    granted = [s for s in needed if "high:" not in s] + ["queue:create-task:highest:prov/wt"]
    assert h.call("createTask", {"taskId": taskId}, definition, scopes=granted)
    assert h.queue.taskById.keys() == {taskId}


def test_pagination_of_dependents_and_bad_tokens(h):
    a = h.create()
    for _ in range(3):
        h.create(dependencies=[a])
    first = h.call("listDependentTasks", {"taskId": a}, query={"limit": "1"})
    seen = [t["status"]["taskId"] for t in first["tasks"]]
    token = first["continuationToken"]
    while token:
        page = h.call("listDependentTasks", {"taskId": a},
                      query={"limit": "1", "continuationToken": token})
        seen += [t["status"]["taskId"] for t in page["tasks"]]
        token = page.get("continuationToken")
    assert len(seen) == len(set(seen)) == 3
    with pytest.raises(FakeError) as e:
        h.call("listDependentTasks", {"taskId": a}, query={"continuationToken": "!!"})
    assert e.value.status == 400


@pytest.mark.parametrize("method,params", [
    ("status", {"taskId": "not-a-slug"}),
    ("reportCompleted", {"taskId": "dSlITZ4yQgmvxxAi4A8fHQ", "runId": "x"}),
    ("getArtifact", {"taskId": "dSlITZ4yQgmvxxAi4A8fHQ", "runId": "0", "name": "public/é"}),
    ("pendingTasks", {"taskQueueId": "no-slash"}),
])
def test_url_parameters_must_match_the_queues_patterns(h, method, params):
    with pytest.raises(FakeError) as e:
        h.call(method, params)
    assert (e.value.status, e.value.code) == (400, "InvalidRequestArguments")
    bad = [k for k in params if k in e.value.message]
    assert len(bad) == 1 and "must match regular expression" in e.value.message


def test_every_function_answers_valid_json(h):
    """All 49 functions called once or more in one story, each answer checked
    against its output schema by the harness."""
    for name in ("ping", "lbheartbeat", "version", "heartbeat"):
        h.call(name)
    group = nice()
    a = h.create(taskGroupId=group)
    b = h.create(taskGroupId=group, dependencies=[a])
    h.call("task", {"taskId": a})
    h.call("status", {"taskId": a})
    h.call("tasks", payload={"taskIds": [a, b]})
    h.call("statuses", payload={"taskIds": [a, b]})
    h.call("getTaskGroup", {"taskGroupId": group})
    h.call("listTaskGroup", {"taskGroupId": group})
    h.call("listDependentTasks", {"taskId": a})
    h.call("changeTaskPriority", {"taskId": a}, {"newPriority": "low"})
    h.call("changeTaskGroupPriority", {"taskGroupId": group}, {"newPriority": "medium"})
    h.call("pendingTasks", {"taskQueueId": "prov/wt"})
    h.call("listPendingTasks", {"taskQueueId": "prov/wt"})
    h.call("claimTask", {"taskId": a, "runId": "0"}, {"workerGroup": "wg", "workerId": "w1"})
    h.call("reclaimTask", {"taskId": a, "runId": "0"})
    h.call("taskQueueCounts", {"taskQueueId": "prov/wt"})
    h.call("listClaimedTasks", {"taskQueueId": "prov/wt"})
    expires = jsdate(h.now() + datetime.timedelta(days=1))
    obj = h.call("createArtifact", {"taskId": a, "runId": "0", "name": "public/o"},
                 {"storageType": "object", "contentType": "text/plain", "expires": expires})
    h.deployment.call("object", "createUpload", {"name": obj["name"]}, {
        "projectId": obj["projectId"], "uploadId": obj["uploadId"], "expires": obj["expires"],
        "proposedUploadMethods": {"dataInline": {"contentType": "text/plain",
                                                 "objectData": "aGk="}}},
        clientId="w", scopes=["*"])
    h.deployment.call("object", "finishUpload", {"name": obj["name"]}, {
        "projectId": obj["projectId"], "uploadId": obj["uploadId"]}, clientId="w", scopes=["*"])
    h.call("finishArtifact", {"taskId": a, "runId": "0", "name": "public/o"},
           {"uploadId": obj["uploadId"]})
    art = {"taskId": a, "runId": "0", "name": "public/o"}
    latest = {"taskId": a, "name": "public/o"}
    for name, params in [("getArtifact", art), ("getLatestArtifact", latest),
                         ("artifactInfo", art), ("latestArtifactInfo", latest),
                         ("artifact", art), ("latestArtifact", latest),
                         ("listArtifacts", {"taskId": a, "runId": "0"}),
                         ("listLatestArtifacts", {"taskId": a})]:
        h.call(name, params)
    h.call("reportFailed", {"taskId": a, "runId": "0"})
    h.call("rerunTask", {"taskId": a})
    h.claim()
    h.call("reportException", {"taskId": a, "runId": "1"}, {"reason": "worker-shutdown"})
    h.claim()
    h.call("reportCompleted", {"taskId": a, "runId": "2"})
    h.call("scheduleTask", {"taskId": b})
    h.call("cancelTask", {"taskId": b})
    h.call("sealTaskGroup", {"taskGroupId": group})
    h.call("cancelTaskGroup", {"taskGroupId": group})
    h.call("listProvisioners")
    h.call("getProvisioner", {"provisionerId": "prov"})
    h.call("listWorkerTypes", {"provisionerId": "prov"})
    h.call("getWorkerType", {"provisionerId": "prov", "workerType": "wt"})
    h.call("listTaskQueues")
    h.call("getTaskQueue", {"taskQueueId": "prov/wt"})
    worker = {"provisionerId": "prov", "workerType": "wt", "workerGroup": "wg", "workerId": "w1"}
    h.call("listWorkers", {"provisionerId": "prov", "workerType": "wt"})
    h.call("getWorker", worker)
    h.call("quarantineWorker", worker, {"quarantineUntil": expires})
    h.call("declareWorker", worker, {"expires": expires})
    assert h.called == set(ENTRIES)
