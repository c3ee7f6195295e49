"""The fake queue's artifacts, as ``services/queue/src/artifacts.js`` of
release 106 answers them.

Storage types: ``s3`` (the bytes go to the deployment's own blob store
through a ``putUrl``, and come back from it through a redirect), ``object``
(the object service holds the bytes; the queue hands out credentials for
it), ``reference`` (a URL), ``link`` (another artifact of the same run) and
``error`` (a 424 with its reason).  An artifact is keyed by (taskId, runId,
name).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, Dict, List, Tuple

from ._queue_answers import authorize, conflict, inputError, notFound, paginate, withToken
from ._queue_tasks import parseDate
from ._service import Call, FakeError, Redirect, jsonDate

if TYPE_CHECKING:  # pragma: no cover
    from ._queue_tasks import Task

__all__ = ["ArtifactsMixin"]

_NEEDS_FINISH = {"object"}
QUEUE_CLIENT_ID = "static/taskcluster/queue"   # who the queue is, to the object service
PUT_URL_SECONDS = 45 * 60
GET_URL_SECONDS = 30 * 60
RESOLVED_EXCEPTION_GRACE = datetime.timedelta(minutes=25)


def objectName(taskId: str, runId: int, name: str) -> str:
    return "t/%s/%s/%s" % (taskId, runId, name)


def serialize(artifact: Dict[str, Any]) -> Dict[str, Any]:
    out = {"storageType": artifact["storageType"], "name": artifact["name"],
           "expires": jsonDate(artifact["expires"]), "contentType": artifact["contentType"]}
    if artifact.get("contentLength") is not None:
        out["contentLength"] = artifact["contentLength"]
    return out


def compatible(original: Dict[str, Any], storageType: str, contentType: str,
               expires: datetime.datetime, details: Dict[str, Any]) -> bool:
    """Whether a second createArtifact may update the first (the queue's
    createArtifactCallsCompatible)."""
    if storageType != "link" and original["contentType"] != contentType:
        return False
    if original["expires"] > expires:
        return False
    if original["storageType"] == storageType:
        return original["details"] == details or storageType == "reference"
    return original["storageType"] == "reference" and storageType == "link"


class ArtifactsMixin:
    """createArtifact, finishArtifact and the reading of artifacts, for
    :class:`~taskcluster.fake.queue.QueueBackend` (which provides ``tasks``,
    ``artifacts``, ``now``, ``publish`` and ``_taskMessage``)."""

    # -- helpers ----------------------------------------------------------
    def _objectCall(self, method: str, name: str, scope: str, payload: Any = None) -> Any:
        return self.deployment.call("object", method, {"name": name}, payload,
                                    clientId=QUEUE_CLIENT_ID, scopes=[scope])

    def _latestRunId(self, taskId: str) -> int:
        task = self.taskById.get(taskId)
        if task is None:
            raise FakeError(404, "ResourceNotFound", "Task not found")
        if not task.runs:
            raise FakeError(404, "ResourceNotFound", "Task doesn't have any runs")
        return len(task.runs) - 1

    def _followLinks(self, call: Call, taskId: str, runId: int, name: str) -> Dict[str, Any]:
        names: List[str] = []
        while True:
            names.append(name)
            authorize(call, names=list(names))
            artifact = self.artifacts.get((taskId, runId, name))
            if artifact is None or not artifact["present"]:
                raise FakeError(404, "ResourceNotFound", "Artifact not found")
            if artifact["expires"] < self.now():
                raise FakeError(410, "ResourceExpired", "Artifact expired")
            if artifact["storageType"] != "link":
                return artifact
            target = artifact["details"]["artifact"]
            if target in names:
                raise FakeError(400, "InputError", "Artifact leads to a link cycle")
            name = target

    def _s3Url(self, artifact: Dict[str, Any]) -> str:
        expires = self.now() + datetime.timedelta(seconds=GET_URL_SECONDS)
        return self.deployment.storage.getUrl(artifact["details"]["prefix"], expires)

    # -- createArtifact / finishArtifact ------------------------------------
    def createArtifact(self, call: Call) -> Dict[str, Any]:
        taskId, runId, name = call.params["taskId"], int(call.params["runId"]), call.params["name"]
        body = call.payload
        storageType = body["storageType"]
        contentType = body.get("contentType") or "application/binary"
        contentLength = body.get("contentLength")
        now = self.now()
        try:
            expires = parseDate(body["expires"])
        except ValueError:
            raise inputError("Expires must be a date") from None
        if expires < now - datetime.timedelta(minutes=15):
            raise inputError("Expires must be in the future")
        task: Task = self.taskById.get(taskId)
        if task is None:
            raise inputError("Task not found")
        if not 0 <= runId < len(task.runs):
            raise inputError("Run not found")
        run = task.runs[runId]
        workerGroup, workerId = run.get("workerGroup"), run.get("workerId")
        if not workerGroup or not workerId:
            raise inputError("Run was not claimed by a worker and so no artifacts can exist")
        authorize(call, taskId=taskId, runId=runId, workerGroup=workerGroup, workerId=workerId,
                  name=name)
        if expires > task.expires:
            raise inputError("Artifact expires ({{expires}}) after the task expiration "
                             "{{taskExpires}} (task.expires < expires) - this is not allowed, "
                             "artifacts may not expire after the task they belong to expires",
                             expires=jsonDate(expires), taskExpires=jsonDate(task.expires))
        if run["state"] != "running":
            allowed = run["state"] == "exception" and run["resolved"] > now - RESOLVED_EXCEPTION_GRACE
            if not allowed:
                raise conflict("Artifacts cannot be created for a task after it is resolved, "
                               "unless it is resolved 'exception', and even in this case only "
                               "up to 25 min past resolution.This to ensure that artifacts "
                               "have been uploaded before a task is 'completed' and output is "
                               "consumed by a dependent task\n\nTask status: {{status}}",
                               status=task.state())

        projectId = task.projectId
        details: Dict[str, Any] = {}
        present = True
        uploadId = obj = None
        if storageType == "object":
            from .._slugid import nice
            present = False
            uploadId, obj = nice(), objectName(taskId, runId, name)
            self._objectCall("createUpload", obj, "object:upload:%s:%s" % (projectId, obj), {
                "expires": jsonDate(expires), "projectId": projectId, "uploadId": uploadId,
                "proposedUploadMethods": {}})
            details["uploadId"] = uploadId
        elif storageType == "s3":
            details["bucket"] = "public" if name.startswith("public/") else "private"
            details["prefix"] = "%s/%s/%s" % (taskId, runId, name)
        elif storageType == "reference":
            details["url"] = body["url"]
        elif storageType == "link":
            details["artifact"] = body["artifact"]
        elif storageType == "error":
            details["message"], details["reason"] = body["message"], body["reason"]

        key = (taskId, runId, name)
        original = self.artifacts.get(key)
        if original is None:
            artifact = self.artifacts[key] = {
                "name": name, "storageType": storageType, "contentType": contentType,
                "details": details, "present": present, "expires": expires,
                "contentLength": contentLength}
        else:
            if not compatible(original, storageType, contentType, expires, details):
                raise conflict("Artifact already exists with different properties, and none of "
                               "the allowed changes (later expires, a reference becoming a "
                               "link) explain the difference")
            artifact = original
            artifact.update(details=details, storageType=storageType, expires=expires)

        if present and artifact["storageType"] != "s3":
            self.publish("artifact-created", self._taskMessage(
                task, runId, run, artifact=serialize(artifact)), task.routes)

        if artifact["storageType"] == "object":
            expiry = min(expires, now + datetime.timedelta(hours=24))
            credentials = self.deployment.temporaryCredentials(
                "artifact-upload/%s/%s/on/%s/%s" % (taskId, runId, workerGroup, workerId),
                ["object:upload:%s:%s" % (projectId, obj)], expiry)
            return {"storageType": "object", "name": obj, "projectId": projectId,
                    "uploadId": uploadId, "expires": jsonDate(expires), "credentials": credentials}
        if artifact["storageType"] == "s3":
            urlExpires = now + datetime.timedelta(seconds=PUT_URL_SECONDS)
            putUrl = self.deployment.storage.putUrl(
                artifact["details"]["prefix"], artifact["contentType"],
                urlExpires + datetime.timedelta(seconds=10))  # 10 s for clock drift, as the queue
            return {"storageType": "s3", "contentType": artifact["contentType"],
                    "expires": jsonDate(urlExpires), "putUrl": putUrl}
        return {"storageType": artifact["storageType"]}

    def finishArtifact(self, call: Call) -> None:
        taskId, runId, name = call.params["taskId"], int(call.params["runId"]), call.params["name"]
        artifact = self.artifacts.get((taskId, runId, name))
        task = self.taskById.get(taskId)
        if artifact is None or task is None or not 0 <= runId < len(task.runs):
            raise notFound("Artifact with taskId `{{taskId}}`, runId {{runId}}, name `{{name}}` "
                           "not found", taskId=taskId, runId=runId, name=name)
        run = task.runs[runId]

        def created() -> None:
            self.publish("artifact-created", self._taskMessage(
                task, runId, run, artifact=serialize(artifact)), task.routes)

        if artifact["storageType"] not in _NEEDS_FINISH:
            raise inputError("Only object artifacts can be finished")
        if artifact["present"]:
            created()
            return None
        if call.payload.get("uploadId") != artifact["details"].get("uploadId"):
            raise inputError("given uploadId does not match that for the artifact")
        obj = objectName(taskId, runId, name)
        try:
            self._objectCall("object", obj, "object:download:%s" % obj)
        except FakeError as e:
            if e.status != 404:
                raise
            raise inputError("Object storing artifact data does not exist") from None
        artifact["present"] = True
        created()
        artifact["details"] = {}
        return None

    # -- reading ------------------------------------------------------------
    def _download(self, call: Call, taskId: str, runId: int, name: str) -> Redirect:
        artifact = self._followLinks(call, taskId, runId, name)
        storageType = artifact["storageType"]
        if storageType == "object":
            obj = objectName(taskId, runId, artifact["name"])
            try:
                answer = self._objectCall("startDownload", obj, "object:download:%s" % obj,
                                          {"acceptDownloadMethods": {"simple": True}})
            except FakeError as e:
                if e.status != 404:
                    raise
                raise FakeError(404, "ResourceNotFound", "Object does not exist.") from None
            if answer.get("method") != "simple":
                raise FakeError(404, "ResourceNotFound", "Object does not support simple downloads.")
            url = answer["url"]
        elif storageType == "s3":
            url = self._s3Url(artifact)
        elif storageType == "reference":
            url = artifact["details"]["url"]
        else:  # error
            details = artifact["details"]
            raise FakeError(424, "ArtifactError", details["message"], {"reason": details["reason"]})
        return Redirect(url, {"storageType": storageType, "url": url})

    def getArtifact(self, call: Call) -> Redirect:
        return self._download(call, call.params["taskId"], int(call.params["runId"]),
                              call.params["name"])

    def getLatestArtifact(self, call: Call) -> Redirect:
        taskId, name = call.params["taskId"], call.params["name"]
        authorize(call, names=[name])
        return self._download(call, taskId, self._latestRunId(taskId), name)

    def _list(self, call: Call, taskId: str, runId: int) -> Dict[str, Any]:
        rows: List[Tuple[str, Dict[str, Any]]] = sorted(
            (key[2], a) for key, a in self.artifacts.items() if key[:2] == (taskId, runId))
        page, token = paginate(call, [a for _, a in rows])
        return withToken({"artifacts": [serialize(a) for a in page]}, token)

    def listArtifacts(self, call: Call) -> Dict[str, Any]:
        taskId, runId = call.params["taskId"], int(call.params["runId"])
        latest = self._latestRunId(taskId)
        if runId < 0 or runId > latest:
            raise notFound("Task with taskId: `{{taskId}}` has no run with runId: {{runId}}",
                           taskId=taskId, runId=runId)
        return self._list(call, taskId, runId)

    def listLatestArtifacts(self, call: Call) -> Dict[str, Any]:
        taskId = call.params["taskId"]
        return self._list(call, taskId, self._latestRunId(taskId))

    def _info(self, taskId: str, runId: int, name: str) -> Dict[str, Any]:
        artifact = self.artifacts.get((taskId, runId, name))
        if artifact is None or not artifact["present"]:
            raise FakeError(404, "ResourceNotFound", "Artifact not found")
        return serialize(artifact)

    def artifactInfo(self, call: Call) -> Dict[str, Any]:
        return self._info(call.params["taskId"], int(call.params["runId"]), call.params["name"])

    def latestArtifactInfo(self, call: Call) -> Dict[str, Any]:
        taskId = call.params["taskId"]
        return self._info(taskId, self._latestRunId(taskId), call.params["name"])

    def _content(self, call: Call, taskId: str, runId: int, name: str) -> Dict[str, Any]:
        artifact = self._followLinks(call, taskId, runId, name)
        storageType = artifact["storageType"]
        if storageType == "object":
            obj = objectName(taskId, runId, artifact["name"])
            credentials = self.deployment.temporaryCredentials(
                "artifact-download/%s/%s/%s" % (taskId, runId, artifact["name"]),
                ["object:download:%s" % obj], self.now() + datetime.timedelta(hours=1))
            return {"storageType": storageType, "name": obj, "credentials": credentials}
        if storageType == "s3":
            return {"storageType": storageType, "url": self._s3Url(artifact)}
        if storageType == "reference":
            return {"storageType": storageType, "url": artifact["details"]["url"]}
        details = artifact["details"]
        return {"storageType": storageType, "reason": details["reason"],
                "message": details["message"]}

    def artifact(self, call: Call) -> Dict[str, Any]:
        return self._content(call, call.params["taskId"], int(call.params["runId"]),
                             call.params["name"])

    def latestArtifact(self, call: Call) -> Dict[str, Any]:
        taskId = call.params["taskId"]
        return self._content(call, taskId, self._latestRunId(taskId), call.params["name"])
