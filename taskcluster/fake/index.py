"""The index service's backend: tasks under dotted namespaces, by rank,
until they expire.

An index path ``a.b.c`` is the task ``c`` in namespace ``a.b``; inserting
it makes the namespaces ``a`` and ``a.b`` too, each expiring no sooner than
what it holds.  A new insert replaces an entry only with a rank at least as
high (a lower one is answered 200 with the entry that stays).
"""

from __future__ import annotations

import datetime
from typing import Any, Dict, List, Tuple

from ._paging import page
from ._service import Backend, Call, FakeError, Redirect, jsonDate

__all__ = ["IndexBackend"]

# The client the index signs artifact redirects with, as the real index
# uses its own credentials.
SIGNER = "static/taskcluster/queue"


def _parse_date(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _split(path: str) -> Tuple[str, str]:
    namespace, _, name = path.rpartition(".")
    return namespace, name


class IndexBackend(Backend):
    name = "index"

    def reset(self) -> None:
        self.tasks: Dict[str, Dict[str, Any]] = {}          # index path -> entry
        self.namespaces: Dict[str, datetime.datetime] = {}  # namespace -> expires

    def tick(self, now: datetime.datetime) -> None:
        for path in [p for p, t in self.tasks.items() if t["expires"] <= now]:
            del self.tasks[path]
        for ns in [n for n, expires in self.namespaces.items() if expires <= now]:
            del self.namespaces[ns]

    def _view(self, path: str) -> Dict[str, Any]:
        t = self.tasks[path]
        return {"namespace": path, "taskId": t["taskId"], "rank": t["rank"],
                "data": t["data"], "expires": jsonDate(t["expires"])}

    def _find(self, path: str) -> Dict[str, Any]:
        t = self.tasks.get(path)
        if t is None or t["expires"] <= self.deployment.now():
            raise FakeError(404, "ResourceNotFound", "Indexed task not found")
        return t

    def insertTask(self, call: Call) -> Any:
        path, p = call.params["namespace"], call.payload
        expires = _parse_date(p["expires"])
        existing = self.tasks.get(path)
        if existing is None or existing["rank"] <= p["rank"]:
            self.tasks[path] = {"taskId": p["taskId"], "rank": p["rank"], "data": p["data"],
                                "expires": expires}
            parts = path.split(".")
            for i in range(1, len(parts)):
                ns = ".".join(parts[:i])
                if self.namespaces.get(ns, expires) <= expires:
                    self.namespaces[ns] = expires
        return self._view(path)

    def findTask(self, call: Call) -> Any:
        path = call.params["indexPath"]
        self._find(path)
        return self._view(path)

    def deleteTask(self, call: Call) -> Any:
        self.tasks.pop(call.params["namespace"], None)
        return None

    def findTasksAtIndex(self, call: Call) -> Any:
        paths: List[str] = list(call.payload.get("indexes", []))
        call.authorize(indexPaths=paths)
        now = self.deployment.now()
        found = [p for p in paths if p in self.tasks and self.tasks[p]["expires"] > now]
        chunk, more = page(call, found)
        return dict({"tasks": [self._view(p) for p in chunk]}, **more)

    def listNamespaces(self, call: Call) -> Any:
        parent = call.params.get("namespace", "")
        children = sorted(ns for ns in self.namespaces if _split(ns)[0] == parent)
        chunk, more = page(call, children)
        return dict({"namespaces": [{"namespace": ns, "name": _split(ns)[1],
                                     "expires": jsonDate(self.namespaces[ns])}
                                    for ns in chunk]}, **more)

    def listTasks(self, call: Call) -> Any:
        parent = call.params.get("namespace", "")
        paths = sorted(p for p in self.tasks if _split(p)[0] == parent)
        chunk, more = page(call, paths)
        return dict({"tasks": [self._view(p) for p in chunk]}, **more)

    def findArtifactFromTask(self, call: Call) -> Any:
        """303 to the queue's latest artifact: plain for a ``public/`` name,
        signed for 15 minutes otherwise, as the real index redirects."""
        from urllib.parse import quote
        task = self._find(call.params["indexPath"])
        name = call.params["name"]
        url = self.deployment.url("/api/queue/v1/task/%s/artifacts/%s" % (
            quote(task["taskId"], safe=""), quote(name, safe="")))
        if not name.startswith("public/"):
            from .._hawk import signed_url
            record = self.deployment.staticClient(SIGNER)
            url = signed_url(url, SIGNER, record.accessToken, 15 * 60)
        return Redirect(url)
