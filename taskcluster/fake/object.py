"""The object service's backend: objects uploaded inline or to a URL of
the deployment's blob store, downloaded ``simple`` or by ``getUrl``.

An upload is ``createUpload`` (which chooses ``dataInline`` when offered,
else ``putUrl``), the bytes, then ``finishUpload``; until it is finished
the object cannot be downloaded.  Hashes given at creation and at the
finish must agree.
"""

from __future__ import annotations

import base64
import binascii
import datetime
from typing import Any, Dict

from ._service import Backend, Call, FakeError, Redirect, jsonDate

__all__ = ["ObjectBackend"]

_URL_LIFE = datetime.timedelta(hours=1)


def _parse_date(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


class ObjectBackend(Backend):
    name = "object"

    def reset(self) -> None:
        self.objects: Dict[str, Dict[str, Any]] = {}

    def tick(self, now: datetime.datetime) -> None:
        for name in [n for n, o in self.objects.items() if o["expires"] <= now]:
            self.deployment.storage.delete("object/" + name)
            del self.objects[name]

    def _object(self, name: str, finished: bool = True) -> Dict[str, Any]:
        found = self.objects.get(name)
        if found is None or (finished and found["uploadId"] is not None):
            raise FakeError(404, "ResourceNotFound", "Object %s not found" % name)
        return found

    def _merge_hashes(self, obj: Dict[str, Any], hashes: Dict[str, str]) -> None:
        for algorithm, value in hashes.items():
            if obj["hashes"].get(algorithm, value) != value:
                raise FakeError(409, "RequestConflict",
                                "object hash %s differs from the one given before" % algorithm)
        obj["hashes"].update(hashes)

    def createUpload(self, call: Call) -> Any:
        name, p = call.params["name"], call.payload
        expires = _parse_date(p["expires"])
        obj = self.objects.get(name)
        if obj is not None:
            if obj["uploadId"] != p["uploadId"] or obj["projectId"] != p["projectId"]:
                raise FakeError(409, "RequestConflict",
                                "Object %s already exists, from another upload" % name)
        else:
            obj = self.objects[name] = {"projectId": p["projectId"], "uploadId": p["uploadId"],
                                        "expires": expires, "hashes": {}}
        self._merge_hashes(obj, p.get("hashes", {}))
        proposed = p["proposedUploadMethods"]
        method: Dict[str, Any] = {}
        if "dataInline" in proposed:
            inline = proposed["dataInline"]
            try:
                data = base64.b64decode(inline["objectData"].encode("ascii"), validate=True)
            except (ValueError, binascii.Error):
                raise FakeError(400, "InputError", "dataInline.objectData is not base64") \
                    from None
            self.deployment.storage.put("object/" + name, data, inline["contentType"])
            method = {"dataInline": True}
        elif "putUrl" in proposed:
            put = proposed["putUrl"]
            until = self.deployment.now() + _URL_LIFE
            method = {"putUrl": {
                "url": self.deployment.storage.putUrl("object/" + name, put["contentType"], until),
                "expires": jsonDate(until),
                "headers": {"Content-Type": put["contentType"],
                            "Content-Length": str(put["contentLength"])}}}
        return {"projectId": p["projectId"], "uploadId": p["uploadId"],
                "expires": jsonDate(expires), "uploadMethod": method}

    def finishUpload(self, call: Call) -> Any:
        name, p = call.params["name"], call.payload
        obj = self.objects.get(name)
        if obj is None:
            raise FakeError(404, "ResourceNotFound", "Object %s not found" % name)
        if obj["uploadId"] is None:
            return None  # already finished: idempotent
        if obj["uploadId"] != p["uploadId"] or obj["projectId"] != p["projectId"]:
            raise FakeError(409, "RequestConflict", "uploadId or projectId does not match "
                            "the upload of object %s" % name)
        if self.deployment.storage.get("object/" + name) is None:
            raise FakeError(400, "InputError", "object %s has no data yet" % name)
        self._merge_hashes(obj, p.get("hashes", {}))
        obj["uploadId"] = None
        return None

    def startDownload(self, call: Call) -> Any:
        name = call.params["name"]
        obj = self._object(name)
        accepted = call.payload["acceptDownloadMethods"]
        until = self.deployment.now() + _URL_LIFE
        url = self.deployment.storage.getUrl("object/" + name, until)
        if accepted.get("getUrl"):
            return {"method": "getUrl", "url": url, "expires": jsonDate(until),
                    "hashes": dict(obj["hashes"])}
        if accepted.get("simple"):
            return {"method": "simple", "url": url}
        raise FakeError(406, "NoMatchingMethod",
                        "object %s: none of the accepted download methods is supported "
                        "(this deployment offers getUrl and simple)" % name)

    def object(self, call: Call) -> Any:
        obj = self._object(call.params["name"])
        return {"projectId": obj["projectId"], "expires": jsonDate(obj["expires"]),
                "hashes": dict(obj["hashes"])}

    def download(self, call: Call) -> Any:
        name = call.params["name"]
        self._object(name)
        url = self.deployment.storage.getUrl("object/" + name,
                                             self.deployment.now() + _URL_LIFE)
        return Redirect(url)
