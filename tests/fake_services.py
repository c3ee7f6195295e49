"""The object, queue and index services, answering on a loopback server as
their references say (the methods the transfer helpers call), with the data
on a real S3 server (moto) behind presigned URLs.

    services = FakeServices(server, s3)          # server: a LoopbackServer
    services.add_s3_artifact(taskId, "public/log.txt", data)
    services.index_task("project.latest", taskId)

``storage`` (default: moto itself) is the endpoint presigned URLs point to:
a ``StorageProxy`` puts faults in the way.  What the helpers sent is kept:
``uploads[name]`` (the createUpload payload), ``finished[name]`` (the
finishUpload payload).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import re
from urllib.parse import quote, unquote

from loopback import Reply

OBJECT = "/api/object/v1/"
QUEUE = "/api/queue/v1/"
INDEX = "/api/index/v1/"


def hashes_of(data: bytes) -> dict:
    return {"sha256": hashlib.sha256(data).hexdigest(),
            "sha512": hashlib.sha512(data).hexdigest()}


def _iso(delta_seconds: float) -> str:
    when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=delta_seconds)
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _error(status: int, code: str, message: str) -> Reply:
    return Reply(status, {"code": code, "message": message, "requestInfo": {}})


class FakeServices:
    def __init__(self, server, s3, storage=None):
        self.server, self.s3 = server, s3
        self.storage = storage  # endpoint for presigned URLs; None: moto itself
        self.root_url = server.url
        self.objects = {}        # name -> {"hashes", "contentType", "key"}
        self.uploads = {}        # name -> createUpload payload
        self.finished = {}       # name -> finishUpload payload
        self.artifacts = {}      # (taskId, runId) -> {name: content answer}
        self.latest_run = {}     # taskId -> runId
        self.indexed = {}        # indexPath -> taskId
        self.accept = ("dataInline", "putUrl")   # upload methods this service agrees to
        self.download_method = "getUrl"          # or "simple"
        self.url_lifetime = 3600                 # seconds, for getUrl's expires
        server.respond(self._answer)

    # -- set-up ---------------------------------------------------------------
    def add_object(self, name: str, data: bytes, content_type="application/octet-stream",
                   hashes=None) -> None:
        key = "objects/" + name
        self.s3.put(key, data, content_type)
        self.objects[name] = {"key": key, "contentType": content_type,
                              "hashes": hashes_of(data) if hashes is None else hashes}

    def add_artifact(self, taskId: str, name: str, answer: dict, runId: int = 0) -> None:
        self.artifacts.setdefault((taskId, runId), {})[name] = answer
        self.latest_run[taskId] = max(runId, self.latest_run.get(taskId, runId))

    def add_s3_artifact(self, taskId, name, data, content_type="text/plain", runId=0):
        key = "artifacts/%s/%d/%s" % (taskId, runId, name)
        self.s3.put(key, data, content_type)
        self.add_artifact(taskId, name, {"storageType": "s3", "url": self._presign(
            "get_object", key)}, runId)

    def index_task(self, indexPath: str, taskId: str) -> None:
        self.indexed[indexPath] = taskId

    def _presign(self, operation, key, **kw):
        return self.s3.presign(operation, key, endpoint=self.storage, **kw)

    # -- the services ---------------------------------------------------------------
    def _answer(self, rec):
        path = rec.path
        body = json.loads(rec.body) if rec.body else None
        if path.endswith("/v1/ping"):
            return Reply(200, {"alive": True, "uptime": 1})
        if path.startswith(OBJECT):
            return self._object(rec.method, path[len(OBJECT):], body)
        if path.startswith(QUEUE):
            return self._queue(rec.method, path[len(QUEUE):])
        if path.startswith(INDEX):
            return self._index(rec.method, path[len(INDEX):])
        return _error(404, "ResourceNotFound", "no such endpoint")

    def _object(self, method, route, body):
        kind, _, name = route.partition("/")
        name = unquote(name)
        if (method, kind) == ("PUT", "upload"):
            return self._create_upload(name, body)
        if (method, kind) == ("POST", "finish-upload"):
            if body.get("uploadId") != self.uploads.get(name, {}).get("uploadId"):
                return _error(409, "RequestConflict", "no such upload")
            self.finished[name] = body
            self.objects[name]["hashes"] = dict(body.get("hashes") or {})
            return Reply(200, None)
        if (method, kind) == ("PUT", "start-download"):
            return self._start_download(name, body)
        if (method, kind) == ("GET", "metadata"):
            obj = self.objects.get(name)
            if obj is None:
                return _error(404, "ResourceNotFound", "no object %s" % name)
            return Reply(200, {"projectId": "proj", "expires": _iso(86400),
                               "hashes": obj["hashes"]})
        return _error(404, "ResourceNotFound", "no such object endpoint")

    def _create_upload(self, name, body):
        for required in ("projectId", "uploadId", "expires", "proposedUploadMethods"):
            if required not in body:
                return _error(400, "InputValidationError", "missing %s" % required)
        self.uploads[name] = body
        proposed = body["proposedUploadMethods"]
        key = "objects/" + name
        answer = {"projectId": body["projectId"], "uploadId": body["uploadId"],
                  "expires": body["expires"], "uploadMethod": {}}
        if "dataInline" in proposed and "dataInline" in self.accept:
            inline = proposed["dataInline"]
            data = base64.b64decode(inline["objectData"])
            self.s3.put(key, data, inline["contentType"])
            self.objects[name] = {"key": key, "contentType": inline["contentType"], "hashes": {}}
            answer["uploadMethod"] = {"dataInline": True}
        elif "putUrl" in proposed and "putUrl" in self.accept:
            put = proposed["putUrl"]
            self.objects[name] = {"key": key, "contentType": put["contentType"], "hashes": {}}
            answer["uploadMethod"] = {"putUrl": {
                "url": self._presign("put_object", key, content_type=put["contentType"]),
                "expires": _iso(3600),
                "headers": {"Content-Type": put["contentType"],
                            "Content-Length": str(put["contentLength"])}}}
        return Reply(200, answer)

    def _start_download(self, name, body):
        obj = self.objects.get(name)
        if obj is None:
            return _error(404, "ResourceNotFound", "no object %s" % name)
        accepted = body["acceptDownloadMethods"]
        if self.download_method == "getUrl" and accepted.get("getUrl"):
            return Reply(200, {"method": "getUrl", "url": self._presign("get_object", obj["key"]),
                               "expires": _iso(self.url_lifetime), "hashes": obj["hashes"]})
        if accepted.get("simple"):
            return Reply(200, {"method": "simple",
                               "url": self._presign("get_object", obj["key"])})
        return _error(406, "NoMatchingMethod", "no download method matches")

    def _queue(self, method, route):
        m = re.fullmatch(r"task/([^/]+)/(?:runs/(\d+)/)?artifact-content/(.+)", route)
        if method != "GET" or not m:
            return _error(404, "ResourceNotFound", "no such queue endpoint")
        taskId, runId, name = m.group(1), m.group(2), unquote(m.group(3))
        run = int(runId) if runId is not None else self.latest_run.get(taskId)
        answer = self.artifacts.get((taskId, run), {}).get(name)
        if answer is None:
            return _error(404, "ResourceNotFound", "no artifact %s" % name)
        return Reply(200, answer)

    def _index(self, method, route):
        m = re.fullmatch(r"task/([^/]+)/artifacts/(.+)", route)
        if method == "GET" and m:
            taskId = self.indexed.get(unquote(m.group(1)))
            if taskId is None:
                return _error(404, "ResourceNotFound", "no task at this index path")
            # As the index does: a 303 to the queue's getLatestArtifact.
            location = "%s%stask/%s/artifacts/%s" % (self.root_url, QUEUE, taskId,
                                                      quote(unquote(m.group(2)), safe=""))
            return Reply(303, "See Other. Redirecting to " + location,
                         {"Location": location})
        m = re.fullmatch(r"task/([^/]+)", route)
        if method == "GET" and m:
            taskId = self.indexed.get(unquote(m.group(1)))
            if taskId is None:
                return _error(404, "ResourceNotFound", "no task at this index path")
            return Reply(200, {"namespace": unquote(m.group(1)), "taskId": taskId,
                               "rank": 0, "data": {}, "expires": _iso(86400)})
        return _error(404, "ResourceNotFound", "no such index endpoint")
