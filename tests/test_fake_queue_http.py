"""The fake queue over HTTP, driven by this package's clients -- sync,
``taskcluster.aio`` and the command line -- as a worker and a scheduler
would: create, claim, reclaim, an artifact uploaded and downloaded, report
completed; a dependency chain; a retry.  The worker works only with the
credentials the queue hands it."""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import sys
from pathlib import Path

import pytest
import requests
from cli_run import environment, run

import taskcluster
import taskcluster.aio
from taskcluster import download, upload
from taskcluster.aio import download as aiodownload
from taskcluster.aio import upload as aioupload
from taskcluster.exceptions import TaskclusterRestFailure
from taskcluster.fake import FakeDeployment

WORKER_SCOPES = ["queue:claim-work:prov/wt", "queue:worker-id:wg/w1"]


@pytest.fixture(scope="module")
def deployment():
    with FakeDeployment() as tc:
        yield tc


@pytest.fixture
def tc(deployment):
    deployment.reset()
    yield deployment


def jsdate(when):
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (when.microsecond // 1000)


def task_def(tc, **overrides):
    now = tc.now()
    d = {"provisionerId": "prov", "workerType": "wt", "created": jsdate(now),
         "deadline": jsdate(now + datetime.timedelta(hours=1)), "payload": {},
         "metadata": {"name": "t", "description": "d", "owner": "me@example.com",
                      "source": "https://example.com/t"}}
    d.update(overrides)
    return d


def options(tc, credentials):
    return {"rootUrl": tc.rootUrl, "credentials": credentials, "maxRetries": 0}


def test_life_cycle_sync(tc):
    queue = taskcluster.Queue(options(tc, tc.rootCredentials))
    taskId = taskcluster.slugId()
    status = queue.createTask(taskId, task_def(tc, routes=["index.x"]))["status"]
    assert status["state"] == "pending"

    worker = taskcluster.Queue(options(tc, tc.createClient("worker/w1", WORKER_SCOPES)))
    [claim] = worker.claimWork("prov/wt", {"workerGroup": "wg", "workerId": "w1",
                                           "tasks": 4})["tasks"]
    assert claim["status"]["taskId"] == taskId and claim["runId"] == 0
    run_queue = taskcluster.Queue(options(tc, claim["credentials"]))
    reclaim = run_queue.reclaimTask(taskId, 0)
    run_queue = taskcluster.Queue(options(tc, reclaim["credentials"]))
    expires = jsdate(tc.now() + datetime.timedelta(days=1))

    # an object artifact: the object service's credentials, the upload helper
    answer = run_queue.createArtifact(taskId, 0, "public/data.bin", {
        "storageType": "object", "contentType": "application/x-test", "expires": expires})
    objects = taskcluster.Object(options(tc, answer["credentials"]))
    data = bytes(range(256)) * 64
    upload.uploadFromBuf(projectId=answer["projectId"], name=answer["name"],
                         contentType="application/x-test", contentLength=len(data),
                         expires=answer["expires"], data=data, uploadId=answer["uploadId"],
                         objectService=objects)
    run_queue.finishArtifact(taskId, 0, "public/data.bin", {"uploadId": answer["uploadId"]})
    got, contentType = download.downloadArtifactToBuf(taskId=taskId, name="public/data.bin",
                                                      queueService=queue)
    assert (bytes(got), contentType) == (data, "application/x-test")

    # an s3 artifact: PUT to its putUrl, then a signed getArtifact URL's 303
    s3 = run_queue.createArtifact(taskId, 0, "private/log.txt", {
        "storageType": "s3", "contentType": "text/plain", "expires": expires})
    assert requests.put(s3["putUrl"], data=b"log!", headers={"Content-Type": "text/plain"},
                        timeout=30).status_code == 200
    url = queue.buildSignedUrl("getArtifact", taskId, 0, "private/log.txt")
    first = requests.get(url, allow_redirects=False, timeout=30)
    assert first.status_code == 303
    assert first.json() == {"storageType": "s3", "url": first.headers["Location"]}
    got = requests.get(url, timeout=30)
    assert (got.content, got.headers["Content-Type"]) == (b"log!", "text/plain")
    names = [a["name"] for a in queue.listArtifacts(taskId, 0)["artifacts"]]
    assert names == ["private/log.txt", "public/data.bin"]

    done = run_queue.reportCompleted(taskId, 0)["status"]
    assert done["state"] == "completed"
    exchanges = [m["exchange"].rsplit("/", 1)[1] for m in tc.pulseMessages]
    assert exchanges == ["task-defined", "task-pending", "task-running", "artifact-created",
                         "task-completed", "task-group-resolved"]
    assert tc.pulseMessages[-2]["CC"] == ["route.index.x"]
    # the run's credentials are for that run only
    with pytest.raises(TaskclusterRestFailure) as e:
        run_queue.cancelTask(taskId)
    assert e.value.status_code == 403


def test_dependency_chain_and_retry_sync(tc):
    queue = taskcluster.Queue(options(tc, tc.rootCredentials))
    a, b, c = (taskcluster.slugId() for _ in range(3))
    queue.createTask(a, task_def(tc, retries=1))
    queue.createTask(b, task_def(tc, dependencies=[a]))
    queue.createTask(c, task_def(tc, dependencies=[b]))
    worker = taskcluster.Queue(options(tc, tc.createClient("worker/w1", WORKER_SCOPES)))

    def claim_one():
        return worker.claimWork("prov/wt", {"workerGroup": "wg", "workerId": "w1",
                                            "tasks": 4})["tasks"]

    [first] = claim_one()
    assert (first["status"]["taskId"], first["runId"]) == (a, 0)
    run_queue = taskcluster.Queue(options(tc, first["credentials"]))
    retried = run_queue.reportException(a, 0, {"reason": "worker-shutdown"})["status"]
    assert [r["reasonCreated"] for r in retried["runs"]] == ["scheduled", "retry"]
    [second] = claim_one()
    assert (second["status"]["taskId"], second["runId"]) == (a, 1)
    taskcluster.Queue(options(tc, second["credentials"])).reportCompleted(a, 1)
    for expected in (b, c):
        assert queue.status(expected)["status"]["state"] == "pending"
        [claim] = claim_one()
        assert claim["status"]["taskId"] == expected
        taskcluster.Queue(options(tc, claim["credentials"])).reportCompleted(expected, 0)
    assert queue.status(c)["status"]["state"] == "completed"
    group_resolved = [m for m in tc.pulseMessages if m["exchange"].endswith("task-group-resolved")]
    assert len(group_resolved) == 3  # each task is its own group here


def test_claim_expiry_on_the_deployment_clock(tc):
    queue = taskcluster.Queue(options(tc, tc.rootCredentials))
    taskId = taskcluster.slugId()
    queue.createTask(taskId, task_def(tc))
    worker = taskcluster.Queue(options(tc, tc.createClient("worker/w1", WORKER_SCOPES)))
    [claim] = worker.claimWork("prov/wt", {"workerGroup": "wg", "workerId": "w1",
                                           "tasks": 1})["tasks"]
    tc.advance(20 * 60 + 1)
    runs = queue.status(taskId)["status"]["runs"]
    assert [(r["state"], r.get("reasonResolved")) for r in runs] == [
        ("exception", "claim-expired"), ("pending", None)]
    with pytest.raises(TaskclusterRestFailure) as e:
        taskcluster.Queue(options(tc, claim["credentials"])).reportCompleted(taskId, 0)
    assert e.value.status_code in (401, 409)  # the claim's credentials expired with it


def test_life_cycle_aio(tc):
    async def main():
        async with taskcluster.aio.Queue(options(tc, tc.rootCredentials)) as queue, \
                taskcluster.aio.Queue(options(tc, tc.createClient("worker/w1",
                                                                   WORKER_SCOPES))) as worker:
            a, b = taskcluster.slugId(), taskcluster.slugId()
            await queue.createTask(a, task_def(tc))
            await queue.createTask(b, task_def(tc, dependencies=[a]))
            [claim] = (await worker.claimWork("prov/wt", {"workerGroup": "wg", "workerId": "w1",
                                                          "tasks": 2}))["tasks"]
            assert claim["status"]["taskId"] == a
            async with taskcluster.aio.Queue(options(tc, claim["credentials"])) as run_queue:
                reclaim = await run_queue.reclaimTask(a, 0)
                assert reclaim["takenUntil"] >= claim["takenUntil"]
                answer = await run_queue.createArtifact(a, 0, "public/x.json", {
                    "storageType": "object", "contentType": "application/json",
                    "expires": jsdate(tc.now() + datetime.timedelta(hours=2))})
                async with taskcluster.aio.Object(options(tc, answer["credentials"])) as objects:
                    await aioupload.uploadFromBuf(
                        projectId=answer["projectId"], name=answer["name"],
                        contentType="application/json", contentLength=7, data=b'{"a":1}',
                        expires=answer["expires"], uploadId=answer["uploadId"],
                        objectService=objects)
                await run_queue.finishArtifact(a, 0, "public/x.json",
                                               {"uploadId": answer["uploadId"]})
                got, contentType = await aiodownload.downloadArtifactToBuf(
                    taskId=a, name="public/x.json", queueService=queue)
                assert (bytes(got), contentType) == (b'{"a":1}', "application/json")
                await run_queue.reportException(a, 0, {"reason": "intermittent-task"})
            [retry] = (await worker.claimWork("prov/wt", {"workerGroup": "wg", "workerId": "w1",
                                                          "tasks": 2}))["tasks"]
            assert (retry["status"]["taskId"], retry["runId"]) == (a, 1)
            async with taskcluster.aio.Queue(options(tc, retry["credentials"])) as run_queue:
                await run_queue.reportCompleted(a, 1)
            return (await queue.status(b))["status"]["state"]

    assert asyncio.run(main()) == "pending"


def cli(tc, credentials, *args, stdin=None):
    env = environment(tc.rootUrl, TASKCLUSTER_CLIENT_ID=credentials["clientId"],
                      TASKCLUSTER_ACCESS_TOKEN=credentials["accessToken"])
    if credentials.get("certificate"):
        env["TASKCLUSTER_CERTIFICATE"] = credentials["certificate"]
    result = run("api", "queue", *args, env=env, stdin=stdin)
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_life_cycle_command_line(tc):
    taskId = taskcluster.slugId()
    status = cli(tc, tc.rootCredentials, "createTask", taskId, "-",
                 stdin=json.dumps(task_def(tc)))["status"]
    assert status["state"] == "pending"
    worker = tc.createClient("worker/w1", WORKER_SCOPES)
    [claim] = cli(tc, worker, "claimWork", "prov/wt",
                  json.dumps({"workerGroup": "wg", "workerId": "w1", "tasks": 1}))["tasks"]
    creds = claim["credentials"]
    reclaim = cli(tc, creds, "reclaimTask", taskId, "0")
    creds = reclaim["credentials"]
    s3 = cli(tc, creds, "createArtifact", taskId, "0", "public/out.txt", json.dumps({
        "storageType": "s3", "contentType": "text/plain",
        "expires": jsdate(tc.now() + datetime.timedelta(days=1))}))
    assert requests.put(s3["putUrl"], data=b"from the cli",
                        headers={"Content-Type": "text/plain"}, timeout=30).status_code == 200
    assert cli(tc, creds, "reportCompleted", taskId, "0")["status"]["state"] == "completed"
    latest = taskcluster.Queue(options(tc, None)).buildUrl("getLatestArtifact", taskId,
                                                          "public/out.txt")
    assert requests.get(latest, timeout=30).status_code == 403
    # public/ artifacts need no credentials where the anonymous role says so, as
    # real deployments configure it
    taskcluster.Auth(options(tc, tc.rootCredentials)).createRole("anonymous", {
        "description": "what anyone may do", "scopes": ["queue:get-artifact:public/*"]})
    got = requests.get(latest, timeout=30)
    assert (got.status_code, got.content) == (200, b"from the cli")


@pytest.mark.skipif(not os.environ.get("TC_PACKAGE_PYTHON"),
                    reason="set TC_PACKAGE_PYTHON to a python with taskcluster==113.2.0 "
                           "installed to drive the fake queue with the package "
                           "(nox -s compat does)")
def test_life_cycle_driven_by_the_package():
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "compat"))
    try:
        import fake_lifecycle
    finally:
        sys.path.pop(0)
    assert fake_lifecycle.run(os.environ["TC_PACKAGE_PYTHON"]) == []


def test_an_error_artifact_answers_424_with_its_reason(tc):
    queue = taskcluster.Queue(options(tc, tc.rootCredentials))
    taskId = taskcluster.slugId()
    queue.createTask(taskId, task_def(tc))
    [claim] = queue.claimWork("prov/wt", {"workerGroup": "wg", "workerId": "w1",
                                          "tasks": 1})["tasks"]
    run_queue = taskcluster.Queue(options(tc, claim["credentials"]))
    run_queue.createArtifact(taskId, 0, "public/missing.log", {
        "storageType": "error", "reason": "file-missing-on-worker",
        "message": "the worker found no such file",
        "expires": jsdate(tc.now() + datetime.timedelta(days=1))})
    got = requests.get(queue.buildSignedUrl("getArtifact", taskId, 0, "public/missing.log"),
                       timeout=30)
    assert got.status_code == 424
    assert got.json()["reason"] == "file-missing-on-worker"
    with pytest.raises(TaskclusterRestFailure) as e:
        queue.getLatestArtifact(taskId, "public/missing.log")
    assert e.value.status_code == 424
    assert "the worker found no such file" in str(e.value)
