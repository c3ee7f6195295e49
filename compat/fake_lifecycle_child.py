"""The queue's life cycle driven by whichever ``taskcluster`` this interpreter
imports (``nox -s compat`` runs it under the official taskcluster 113.2.0),
against the fake deployment compat/fake_lifecycle.py started.

Reads TASKCLUSTER_ROOT_URL, the scheduler's credentials (TASKCLUSTER_CLIENT_ID,
TASKCLUSTER_ACCESS_TOKEN) and the worker's (FAKE_WORKER_CLIENT_ID,
FAKE_WORKER_ACCESS_TOKEN); prints one JSON document of what it observed.
Standard library and the package only.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import urllib.request

import taskcluster
import taskcluster.download
import taskcluster.upload


def jsdate(when):
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (when.microsecond // 1000)


def task_def(**overrides):
    now = datetime.datetime.now(datetime.timezone.utc)
    d = {"provisionerId": "prov", "workerType": "wt", "created": jsdate(now),
         "deadline": jsdate(now + datetime.timedelta(hours=1)), "payload": {},
         "routes": ["index.compat"],
         "metadata": {"name": "t", "description": "d", "owner": "me@example.com",
                      "source": "https://example.com/t"}}
    d.update(overrides)
    return d


def main():
    root = os.environ["TASKCLUSTER_ROOT_URL"]

    def client(cls, credentials):
        return cls({"rootUrl": root, "credentials": credentials, "maxRetries": 0})

    queue = client(taskcluster.Queue, {"clientId": os.environ["TASKCLUSTER_CLIENT_ID"],
                                       "accessToken": os.environ["TASKCLUSTER_ACCESS_TOKEN"]})
    worker = client(taskcluster.Queue, {"clientId": os.environ["FAKE_WORKER_CLIENT_ID"],
                                        "accessToken": os.environ["FAKE_WORKER_ACCESS_TOKEN"]})
    seen = {"package": getattr(taskcluster, "__file__", "")}

    def claim():
        return worker.claimWork("prov/wt", {"workerGroup": "wg", "workerId": "w1",
                                            "tasks": 4})["tasks"]

    # create, claim, reclaim, an artifact up and down, report completed
    taskId = taskcluster.slugId()
    seen["created"] = queue.createTask(taskId, task_def())["status"]["state"]
    [c] = claim()
    seen["claimed"] = [c["status"]["taskId"] == taskId, c["runId"]]
    run = client(taskcluster.Queue, c["credentials"])
    r = run.reclaimTask(taskId, 0)
    seen["reclaimed"] = r["takenUntil"] >= c["takenUntil"]
    run = client(taskcluster.Queue, r["credentials"])
    expires = jsdate(datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1))
    answer = run.createArtifact(taskId, 0, "public/data.bin", {
        "storageType": "object", "contentType": "application/x-test", "expires": expires})
    data = b"compat bytes " * 100
    taskcluster.upload.uploadFromBuf(
        projectId=answer["projectId"], name=answer["name"], contentType="application/x-test",
        contentLength=len(data), expires=answer["expires"], uploadId=answer["uploadId"],
        objectService=client(taskcluster.Object, answer["credentials"]), data=data)
    run.finishArtifact(taskId, 0, "public/data.bin", {"uploadId": answer["uploadId"]})
    got, contentType = taskcluster.download.downloadArtifactToBuf(
        taskId=taskId, name="public/data.bin", queueService=queue)
    seen["object artifact"] = [bytes(got) == data, contentType]
    s3 = run.createArtifact(taskId, 0, "public/log.txt", {
        "storageType": "s3", "contentType": "text/plain", "expires": expires})
    put = urllib.request.Request(s3["putUrl"], data=b"log!", method="PUT",
                                 headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(put, timeout=30) as resp:
        seen["s3 put"] = resp.status
    got, contentType = taskcluster.download.downloadArtifactToBuf(
        taskId=taskId, name="public/log.txt", queueService=queue)
    seen["s3 artifact"] = [bytes(got) == b"log!", contentType]
    seen["completed"] = run.reportCompleted(taskId, 0)["status"]["state"]

    # a dependency chain, and a retry
    a, b = taskcluster.slugId(), taskcluster.slugId()
    queue.createTask(a, task_def(retries=1))
    queue.createTask(b, task_def(dependencies=[a]))
    seen["blocked"] = queue.status(b)["status"]["state"]
    [c] = claim()
    client(taskcluster.Queue, c["credentials"]).reportException(a, 0,
                                                                {"reason": "worker-shutdown"})
    [c] = claim()
    seen["retried"] = [c["status"]["taskId"] == a, c["runId"],
                       c["status"]["runs"][1]["reasonCreated"]]
    client(taskcluster.Queue, c["credentials"]).reportCompleted(a, 1)
    seen["unblocked"] = queue.status(b)["status"]["state"]
    json.dump(seen, sys.stdout)


if __name__ == "__main__":
    main()
