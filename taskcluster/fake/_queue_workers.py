"""The fake queue's worker metadata: task queues, provisioners and workers,
as claims make them (a worker seen claiming, reclaiming or declared is kept
a day; its task queue five days, or a day after a worker's visit), and the
pending and claimed runs of a task queue.  Each answer is as
``services/queue/src/api.js`` and ``workerinfo.js`` of release 106 give it,
less the ``actions`` list their schemas do not allow."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from ._queue_answers import authorize, inputError, notFound, paginate, withToken
from ._queue_tasks import parseDate, splitTaskQueueId
from ._service import Call, FakeError, jsonDate

if TYPE_CHECKING:  # pragma: no cover
    from ._queue_tasks import Task

__all__ = ["WorkersMixin"]


class WorkersMixin:
    """For :class:`~taskcluster.fake.queue.QueueBackend` (which provides
    ``taskById``, ``taskQueues``, ``workers``, ``now``, ``_pendingOrder``
    and ``_definition``)."""

    # -- workers and task queues, as claims imply them ---------------------
    def _seen(self, taskQueueId: str, workerGroup: Optional[str] = None,
              workerId: Optional[str] = None) -> None:
        now = self.now()
        expires = now + datetime.timedelta(days=1 if workerId else 5)
        tq = self.taskQueues.setdefault(taskQueueId, {
            "taskQueueId": taskQueueId, "expires": expires, "lastDateActive": now,
            "description": "", "stability": "experimental"})
        tq["expires"] = max(tq["expires"], expires)
        tq["lastDateActive"] = now
        if workerGroup and workerId:
            worker = self.workers.setdefault((taskQueueId, workerGroup, workerId), {
                "taskQueueId": taskQueueId, "workerGroup": workerGroup, "workerId": workerId,
                "quarantineUntil": now, "expires": expires, "firstClaim": now,
                "recentTasks": [], "lastDateActive": now})
            worker["expires"] = max(worker["expires"], expires)
            worker["lastDateActive"] = now

    def _taskSeen(self, taskQueueId: str, workerGroup: str, workerId: str,
                  taskId: str, runId: int) -> None:
        worker = self.workers.get((taskQueueId, workerGroup, workerId))
        if worker is not None:
            worker["recentTasks"] = (worker["recentTasks"] + [{"taskId": taskId, "runId": runId}])[-20:]

    def _liveTaskQueues(self) -> List[Dict[str, Any]]:
        now = self.now()
        return [tq for _, tq in sorted(self.taskQueues.items()) if tq["expires"] > now]

    @staticmethod
    def _taskQueueInfo(tq: Dict[str, Any]) -> Dict[str, Any]:
        return {"taskQueueId": tq["taskQueueId"], "expires": jsonDate(tq["expires"]),
                "lastDateActive": jsonDate(tq["lastDateActive"]),
                "description": tq["description"], "stability": tq["stability"]}

    def _workerInfo(self, worker: Dict[str, Any]) -> Dict[str, Any]:
        provisionerId, workerType = splitTaskQueueId(worker["taskQueueId"])
        info = {"provisionerId": provisionerId, "workerType": workerType,
                "taskQueueId": worker["taskQueueId"], "workerGroup": worker["workerGroup"],
                "workerId": worker["workerId"],
                "quarantineUntil": jsonDate(worker["quarantineUntil"]),
                "expires": jsonDate(worker["expires"]),
                "firstClaim": jsonDate(worker["firstClaim"]),
                "recentTasks": [dict(t) for t in worker["recentTasks"]],
                "lastDateActive": jsonDate(worker["lastDateActive"])}
        if worker.get("quarantineDetails"):
            info["quarantineDetails"] = [dict(d) for d in worker["quarantineDetails"]]
        return info

    # ======================================================================
    # Worker metadata: provisioners, task queues and workers, as claims make them
    def _provisioners(self) -> List[Dict[str, Any]]:
        found: Dict[str, Dict[str, Any]] = {}
        for tq in self._liveTaskQueues():
            provisionerId, _ = splitTaskQueueId(tq["taskQueueId"])
            prov = found.get(provisionerId)
            if prov is None:
                found[provisionerId] = {"provisionerId": provisionerId, "expires": tq["expires"],
                                        "lastDateActive": tq["lastDateActive"]}
            else:
                prov["expires"] = max(prov["expires"], tq["expires"])
                prov["lastDateActive"] = max(prov["lastDateActive"], tq["lastDateActive"])
        return list(found.values())

    @staticmethod
    def _provisionerInfo(prov: Dict[str, Any]) -> Dict[str, Any]:
        return {"provisionerId": prov["provisionerId"], "expires": jsonDate(prov["expires"]),
                "lastDateActive": jsonDate(prov["lastDateActive"]), "description": "",
                "stability": "experimental"}

    def listProvisioners(self, call: Call) -> Dict[str, Any]:
        page, token = paginate(call, self._provisioners())
        return withToken({"provisioners": [self._provisionerInfo(p) for p in page]}, token)

    def getProvisioner(self, call: Call) -> Dict[str, Any]:
        provisionerId = call.params["provisionerId"]
        for prov in self._provisioners():
            if prov["provisionerId"] == provisionerId:
                return self._provisionerInfo(prov)
        raise notFound("Provisioner `{{provisionerId}}` not found. Are you sure it was created?",
                       provisionerId=provisionerId)

    def pendingTasks(self, call: Call) -> Dict[str, Any]:
        taskQueueId = call.params["taskQueueId"]
        provisionerId, workerType = splitTaskQueueId(taskQueueId)
        return {"provisionerId": provisionerId, "workerType": workerType,
                "taskQueueId": taskQueueId, "pendingTasks": len(self._pendingOrder(taskQueueId))}

    def _claimed(self, taskQueueId: str) -> List[Task]:
        running = [t for t in self.taskById.values()
                   if t.taskQueueId == taskQueueId and t.state() == "running"]
        running.sort(key=lambda t: (t.runs[-1]["started"], t.taskId))
        return running

    def taskQueueCounts(self, call: Call) -> Dict[str, Any]:
        taskQueueId = call.params["taskQueueId"]
        provisionerId, workerType = splitTaskQueueId(taskQueueId)
        return {"provisionerId": provisionerId, "workerType": workerType,
                "taskQueueId": taskQueueId, "pendingTasks": len(self._pendingOrder(taskQueueId)),
                "claimedTasks": len(self._claimed(taskQueueId))}

    def listPendingTasks(self, call: Call) -> Dict[str, Any]:
        # in the order they were queued, as the queue lists them (claims go by priority)
        pending = sorted(self._pendingOrder(call.params["taskQueueId"]),
                         key=lambda entry: (entry[2], entry[0]))
        page, token = paginate(call, pending)
        return withToken({"tasks": [
            {"taskId": taskId, "runId": runId, "inserted": jsonDate(inserted),
             "task": self._definition(self.taskById[taskId])}
            for taskId, runId, inserted in page]}, token)

    def listClaimedTasks(self, call: Call) -> Dict[str, Any]:
        page, token = paginate(call, self._claimed(call.params["taskQueueId"]))
        tasks = []
        for task in page:
            run = task.runs[-1]
            tasks.append({"taskId": task.taskId, "runId": task.lastRunId(),
                          "workerGroup": run["workerGroup"], "workerId": run["workerId"],
                          "claimed": jsonDate(run["started"]), "task": self._definition(task)})
        return withToken({"tasks": tasks}, token)

    def listWorkerTypes(self, call: Call) -> Dict[str, Any]:
        provisionerId = call.params["provisionerId"]
        queues = [tq for tq in self._liveTaskQueues()
                  if splitTaskQueueId(tq["taskQueueId"])[0] == provisionerId]
        page, token = paginate(call, queues)
        workerTypes = []
        for tq in page:
            info = self._taskQueueInfo(tq)
            info["provisionerId"], info["workerType"] = splitTaskQueueId(tq["taskQueueId"])
            workerTypes.append(info)
        return withToken({"workerTypes": workerTypes}, token)

    def getWorkerType(self, call: Call) -> Dict[str, Any]:
        provisionerId, workerType = call.params["provisionerId"], call.params["workerType"]
        tq = self.taskQueues.get("%s/%s" % (provisionerId, workerType))
        if tq is None or tq["expires"] <= self.now():
            raise notFound("Worker-type `{{workerType}}` with Provisioner `{{provisionerId}}` "
                           "not found. Are you sure it was created?",
                           workerType=workerType, provisionerId=provisionerId)
        info = self._taskQueueInfo(tq)
        info.update(provisionerId=provisionerId, workerType=workerType)
        return info

    def listTaskQueues(self, call: Call) -> Dict[str, Any]:
        page, token = paginate(call, self._liveTaskQueues())
        return withToken({"taskQueues": [self._taskQueueInfo(tq) for tq in page]}, token)

    def getTaskQueue(self, call: Call) -> Dict[str, Any]:
        taskQueueId = call.params["taskQueueId"]
        tq = self.taskQueues.get(taskQueueId)
        if tq is None or tq["expires"] <= self.now():
            raise notFound("Task queue `{{taskQueueId}}` not found. Are you sure it was created?",
                           taskQueueId=taskQueueId)
        return self._taskQueueInfo(tq)

    def listWorkers(self, call: Call) -> Dict[str, Any]:
        taskQueueId = "%s/%s" % (call.params["provisionerId"], call.params["workerType"])
        quarantined = call.query.get("quarantined")
        if quarantined not in (None, "true", "false"):
            raise inputError("quarantined must be `true` or `false`")
        now = self.now()
        workers = [w for key, w in sorted(self.workers.items()) if key[0] == taskQueueId]
        page, token = paginate(call, workers)
        listed = []
        for w in page:
            if not (w["expires"] >= now or w["quarantineUntil"] >= now):
                continue
            if quarantined == "true" and not w["quarantineUntil"] >= now:
                continue
            if quarantined == "false" and not w["quarantineUntil"] < now:
                continue
            entry = {"workerGroup": w["workerGroup"], "workerId": w["workerId"],
                     "firstClaim": jsonDate(w["firstClaim"]),
                     "lastDateActive": jsonDate(w["lastDateActive"])}
            if w["recentTasks"]:
                entry["latestTask"] = dict(w["recentTasks"][-1])
            if w["quarantineUntil"] > now:
                entry["quarantineUntil"] = jsonDate(w["quarantineUntil"])
            listed.append(entry)
        return withToken({"workers": listed}, token)

    def _workerParams(self, call: Call) -> Tuple[str, str, str, str, str]:
        p = call.params
        return ("%s/%s" % (p["provisionerId"], p["workerType"]), p["provisionerId"],
                p["workerType"], p["workerGroup"], p["workerId"])

    def _workerNotFound(self, call: Call) -> FakeError:
        p = call.params
        return notFound("Worker with workerId `{{workerId}}`, workerGroup `{{workerGroup}}`,"
                        "worker-type `{{workerType}}` and provisionerId `{{provisionerId}}` "
                        "not found. Are you sure it was created?", **p)

    def getWorker(self, call: Call) -> Dict[str, Any]:
        taskQueueId, _, _, workerGroup, workerId = self._workerParams(call)
        now = self.now()
        worker = self.workers.get((taskQueueId, workerGroup, workerId))
        tq = self.taskQueues.get(taskQueueId)
        if (worker is None or tq is None or tq["expires"] <= now
                or (worker["expires"] < now and worker["quarantineUntil"] < now)):
            raise self._workerNotFound(call)
        return self._workerInfo(worker)

    def quarantineWorker(self, call: Call) -> Dict[str, Any]:
        taskQueueId, _, _, workerGroup, workerId = self._workerParams(call)
        worker = self.workers.get((taskQueueId, workerGroup, workerId))
        if worker is None:
            raise self._workerNotFound(call)
        try:
            until = parseDate(call.payload["quarantineUntil"])
        except ValueError:
            raise inputError("quarantineUntil must be a date") from None
        worker["quarantineUntil"] = until
        worker.setdefault("quarantineDetails", []).append({
            "clientId": call.clientId or "anonymous", "updatedAt": jsonDate(self.now()),
            "quarantineUntil": jsonDate(until),
            "quarantineInfo": call.payload.get("quarantineInfo") or "[unspecified]"})
        return self._workerInfo(worker)

    def declareWorker(self, call: Call) -> Dict[str, Any]:
        taskQueueId, provisionerId, workerType, workerGroup, workerId = self._workerParams(call)
        authorize(call, provisionerId=provisionerId, workerType=workerType,
                  workerGroup=workerGroup, workerId=workerId,
                  properties=list(call.payload))
        self._seen(taskQueueId, workerGroup, workerId)
        worker = self.workers[(taskQueueId, workerGroup, workerId)]
        if call.payload.get("expires"):
            try:
                expires = parseDate(call.payload["expires"])
            except ValueError:
                raise inputError("expires must be a date") from None
            worker["expires"] = expires
            tq = self.taskQueues[taskQueueId]
            tq["expires"] = max(tq["expires"], expires)
        return self._workerInfo(worker)
