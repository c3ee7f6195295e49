"""The fake deployment's queue: the 49 functions of the queue's reference
over in-memory state, as the queue of Taskcluster release 106 answers them
(read from ``services/queue/src`` of the monorepo: api.js, artifacts.js,
workclaimer.js, the claim and deadline resolvers, dependencytracker.js and
the database functions they call).

Where it differs on purpose:

- ``claimWork`` answers at once, with no task when none is pending, where
  the real queue holds the request up to 20 seconds waiting for one;
- claims expire and deadlines pass on the deployment's clock, in
  :meth:`QueueBackend.tick`, each at its own time and in time order (the
  real queue's resolvers poll for them);
- ``continuationToken`` is the deployment's own opaque token;
- the answers about provisioners, worker types and workers leave out the
  ``actions: []`` the real queue adds, which their output schemas do not
  allow (every answer here is valid against its schema);
- expired tasks and artifacts are not deleted (the real queue's nightly
  job does that); an expired artifact answers 410 ``ResourceExpired``;
- an artifact's 303 carries no ``x-taskcluster-artifact-storage-type``
  header (a :class:`Redirect` has none); its body names the storage type.

The task state machine is in :mod:`._queue_tasks`; artifacts in
:mod:`._queue_artifacts`; provisioners, task queues and workers in
:mod:`._queue_workers`.
"""

from __future__ import annotations

import copy
import datetime
import heapq
import itertools
from typing import Any, Dict, Iterable, List, Optional, Tuple

from ._queue_answers import authorize, checkParams, conflict, inputError, notFound, paginate, withToken
from ._queue_artifacts import ArtifactsMixin
from ._queue_tasks import MAX_RUNS_ALLOWED, PRIORITY_LEVELS, Task, parseDate, splitTaskQueueId
from ._queue_workers import WorkersMixin
from ._service import Backend, Call, jsonDate

__all__ = ["QueueBackend"]

EXCHANGE_PREFIX = "exchange/taskcluster-queue/v1/"
CLAIM_TIMEOUT = 20 * 60          # seconds a claim lasts (the queue's claimTimeout)
MAX_TASK_DEADLINE_DAYS = 5
MAX_DEPENDENCIES = 10000
DRIFT = datetime.timedelta(minutes=15)


def jsNumber(seconds: float) -> str:
    """A number as JavaScript prints it (``1764653106``, ``1764653106.123``)."""
    return str(int(seconds)) if seconds == int(seconds) else repr(seconds)


def _defaults() -> Dict[str, Any]:
    """The defaults the queue's input schema gives a task definition."""
    from .. import _schemas
    path = "queue/v1/create-task-request.json"
    schema = _schemas.load(path)
    found = {}
    for key, prop in schema["properties"].items():
        node = prop if "default" in prop else _schemas.deref(path, prop)[1]
        if isinstance(node, dict) and "default" in node:
            found[key] = node["default"]
    return found


def _checkingParams(cls):
    """Each function of the reference first checks its URL parameters."""
    import functools

    def wrap(handler):
        @functools.wraps(handler)
        def checked(self, call):
            checkParams(call)
            return handler(self, call)
        return checked

    for name in _referenceFunctions():
        setattr(cls, name, wrap(getattr(cls, name)))
    return cls


def _referenceFunctions() -> List[str]:
    from .._references import load
    return list(load("Queue").entries)


@_checkingParams
class QueueBackend(ArtifactsMixin, WorkersMixin, Backend):
    """The queue's state and its 49 functions (see the module's docstring)."""

    name = "queue"

    def reset(self) -> None:
        self.taskById: Dict[str, Task] = {}
        self.taskGroups: Dict[str, Dict[str, Any]] = {}
        self.dependencies: Dict[str, Dict[str, bool]] = {}   # taskId -> {dep: satisfied}
        self.dependents: Dict[str, List[str]] = {}            # dep -> [taskId]
        # per task queue: taskId -> (seq, runId, inserted) of its pending run, and
        # a heap of (priority level, seq, taskId) to claim from (entries whose
        # run or priority changed since are skipped when met)
        self.pending: Dict[str, Dict[str, Tuple[int, int, datetime.datetime]]] = {}
        self._claimable: Dict[str, List[Tuple[int, int, str]]] = {}
        self.taskQueues: Dict[str, Dict[str, Any]] = {}
        self.workers: Dict[Tuple[str, str, str], Dict[str, Any]] = {}
        self.artifacts: Dict[Tuple[str, int, str], Dict[str, Any]] = {}
        self._timers: List[Tuple[datetime.datetime, int, str, str, int, Any]] = []
        self._seq = itertools.count()
        self._defaultsCache: Optional[Dict[str, Any]] = None

    # -- the deployment's services ---------------------------------------
    def now(self) -> datetime.datetime:
        return self.deployment.now()

    def publish(self, exchange: str, message: Dict[str, Any], routes: Iterable[str]) -> None:
        """Publish ``message`` on ``exchange`` as the queue's publisher does:
        ``version`` 1, the primary routing key, CC ``route.<r>``."""
        payload = dict(message, version=1)
        if exchange.startswith("task-group"):
            words = [payload["taskGroupId"], payload["schedulerId"]]
        else:
            status = payload["status"]
            words = [status["taskId"], payload.get("runId"), payload.get("workerGroup"),
                     payload.get("workerId"), status["provisionerId"], status["workerType"],
                     status["schedulerId"], status["taskGroupId"]]
        # a value not given is `_`, as lib-pulse builds it; reserved is `_`
        key = ".".join(["primary"] + ["_" if w is None else str(w) for w in words] + ["_"])
        self.deployment.publish(EXCHANGE_PREFIX + exchange, key, payload,
                                ["route." + r for r in routes])

    def _taskMessage(self, task: Task, runId: Optional[int] = None,
                     run: Optional[Dict[str, Any]] = None, **extra: Any) -> Dict[str, Any]:
        message: Dict[str, Any] = {"status": task.status()}
        if "artifact" not in extra:  # artifact-created carries no task
            message["task"] = task.pulseTask()
        if runId is not None:
            message["runId"] = runId
        if run is not None:
            for key in ("workerGroup", "workerId"):
                if run.get(key) is not None:
                    message[key] = run[key]
        message.update(extra)
        return message

    def _timer(self, when: datetime.datetime, kind: str, taskId: str, runId: int = -1,
               stamp: Any = None) -> None:
        heapq.heappush(self._timers, (when, next(self._seq), kind, taskId, runId, stamp))

    # -- the deployment's clock: claims expiring, deadlines passing -------
    def tick(self, now: datetime.datetime) -> None:
        """Expire claims and resolve deadlines up to ``now``, each at its own
        time, in time order (as the queue's claim and deadline resolvers)."""
        while self._timers and self._timers[0][0] <= now:
            when, _, kind, taskId, runId, stamp = heapq.heappop(self._timers)
            task = self.taskById.get(taskId)
            if task is None:
                continue
            if kind == "claim":
                self._claimExpired(task, runId, stamp, when)
            elif task.deadline == stamp:
                self._deadlinePassed(task, when)

    def _claimExpired(self, task: Task, runId: int, takenUntil: datetime.datetime,
                      when: datetime.datetime) -> None:
        if not task.checkClaim(runId, takenUntil, when):
            return
        run = task.runs[runId]
        self.publish("task-exception", self._taskMessage(task, runId, run), task.routes)
        if task.lastRunId() == runId + 1:
            self._enqueue(task, when)
            self.publish("task-pending", self._taskMessage(task, runId + 1), task.routes)
        else:
            self._resolved(task, "exception", when)

    def _deadlinePassed(self, task: Task, when: datetime.datetime) -> None:
        if not task.cancel("deadline-exceeded", when):
            return
        self._dequeue(task)
        self._resolved(task, "exception", when)
        # no worker in the message, as the deadline resolver sends it
        self.publish("task-exception", self._taskMessage(task, task.lastRunId()), task.routes)

    # -- pending queue ------------------------------------------------------
    def _enqueue(self, task: Task, when: datetime.datetime) -> None:
        seq = next(self._seq)
        self.pending.setdefault(task.taskQueueId, {})[task.taskId] = (seq, task.lastRunId(), when)
        self._heapPush(task, seq)

    def _heapPush(self, task: Task, seq: int) -> None:
        heapq.heappush(self._claimable.setdefault(task.taskQueueId, []),
                       (PRIORITY_LEVELS.index(task.priority), seq, task.taskId))

    def _reprioritized(self, task: Task) -> None:
        entry = self.pending.get(task.taskQueueId, {}).get(task.taskId)
        if entry is not None:
            self._heapPush(task, entry[0])

    def _dequeue(self, task: Task) -> None:
        self.pending.get(task.taskQueueId, {}).pop(task.taskId, None)

    def _nextPending(self, taskQueueId: str) -> Optional[Tuple[str, int]]:
        """Take the queue's most urgent pending run (taskId, runId) off it:
        highest priority first, then oldest."""
        heap = self._claimable.get(taskQueueId, [])
        pending = self.pending.get(taskQueueId, {})
        while heap:
            level, seq, taskId = heapq.heappop(heap)
            entry = pending.get(taskId)
            task = self.taskById.get(taskId)
            if (entry is None or entry[0] != seq or task is None
                    or PRIORITY_LEVELS.index(task.priority) != level
                    or task.lastRunId() != entry[1] or task.state() != "pending"):
                continue
            del pending[taskId]
            return taskId, entry[1]
        return None

    def _pendingOrder(self, taskQueueId: str) -> List[Tuple[str, int, datetime.datetime]]:
        """(taskId, runId, inserted) of the queue's pending runs, by priority
        then age."""
        entries = []
        for taskId, (seq, runId, inserted) in self.pending.get(taskQueueId, {}).items():
            task = self.taskById[taskId]
            if task.lastRunId() != runId or task.state() != "pending":
                continue
            entries.append((PRIORITY_LEVELS.index(task.priority), seq, taskId, runId, inserted))
        entries.sort()
        return [(taskId, runId, inserted) for _, _, taskId, runId, inserted in entries]

    # -- dependencies and task groups --------------------------------------
    def _resolved(self, task: Task, resolution: str, now: datetime.datetime) -> None:
        """The dependency tracker's resolveTask: schedule the dependents this
        resolution unblocks, then check whether the task group resolved."""
        for depId in sorted(self.dependents.get(task.taskId, ())):
            dependent = self.taskById.get(depId)
            if dependent is None:
                continue
            if resolution != "completed" and dependent.definition["requires"] != "all-resolved":
                continue
            self.dependencies[depId][task.taskId] = True
            if not self._isBlocked(depId):
                self._scheduleTask(dependent, now)
        self._updateTaskGroupActiveSet(task)

    def _isBlocked(self, taskId: str) -> bool:
        return not all(self.dependencies.get(taskId, {}).values())

    def _updateTaskGroupActiveSet(self, task: Task) -> None:
        task.everResolved = True
        groupId = task.taskGroupId
        group = self.taskGroups[groupId]
        if any(not self.taskById[t].everResolved for t in group["members"]):
            return
        message = {"taskGroupId": groupId, "schedulerId": group["schedulerId"],
                   "expires": jsonDate(group["expires"])}
        if group.get("sealed"):
            message["sealed"] = jsonDate(group["sealed"])
        self.publish("task-group-resolved", message, [])

    def _scheduleTask(self, task: Task, now: datetime.datetime) -> Optional[Dict[str, Any]]:
        """The dependency tracker's scheduleTask: None past the deadline."""
        if task.deadline < now:
            return None
        if not task.schedule(now):
            return task.status()
        self._enqueue(task, now)
        self.publish("task-pending", self._taskMessage(task, 0), task.routes)
        return task.status()

    def _members(self, groupId: str) -> List[Task]:
        """The group's tasks, by taskId (as the queue lists them)."""
        return [self.taskById[t] for t in sorted(self.taskGroups[groupId]["members"])]

    def _groupInfo(self, groupId: str) -> Dict[str, Any]:
        group = self.taskGroups[groupId]
        info = {"taskGroupId": groupId, "schedulerId": group["schedulerId"],
                "expires": jsonDate(group["expires"])}
        if group.get("sealed"):
            info["sealed"] = jsonDate(group["sealed"])
        return info

    def _getTask(self, taskId: str, template: str) -> Task:
        task = self.taskById.get(taskId)
        if task is None:
            raise notFound(template, taskId=taskId)
        return task

    def _runOf(self, task: Task, call: Call) -> Tuple[int, Dict[str, Any]]:
        runId = int(call.params["runId"])
        if not 0 <= runId < len(task.runs):
            raise notFound("Run {{runId}} not found on task `{{taskId}}`.",
                           taskId=task.taskId, runId=runId)
        return runId, task.runs[runId]

    # ======================================================================
    # Tasks

    def task(self, call: Call) -> Dict[str, Any]:
        task = self._getTask(call.params["taskId"],
                             "`{{taskId}}` does not correspond to a task that exists.\n"
                             "Are you sure this task has already been submitted?")
        return self._definition(task)

    @staticmethod
    def _definition(task: Task) -> Dict[str, Any]:
        return copy.deepcopy(task.definition)

    def _many(self, call: Call) -> Tuple[List[Task], Optional[str]]:
        taskIds = list(call.payload["taskIds"])
        authorize(call, taskIds=taskIds)
        found = [self.taskById[t] for t in dict.fromkeys(taskIds) if t in self.taskById]
        return paginate(call, found)

    def tasks(self, call: Call) -> Dict[str, Any]:
        page, token = self._many(call)
        return withToken({"tasks": [{"taskId": t.taskId, "task": self._definition(t)}
                                    for t in page]}, token)

    def statuses(self, call: Call) -> Dict[str, Any]:
        page, token = self._many(call)
        return withToken({"statuses": [{"taskId": t.taskId, "status": t.status()}
                                       for t in page]}, token)

    def status(self, call: Call) -> Dict[str, Any]:
        task = self._getTask(call.params["taskId"],
                             "`{{taskId}}` does not correspond to a task that exists.\n"
                             "Are you sure this task exists?")
        return {"status": task.status()}

    def listTaskGroup(self, call: Call) -> Dict[str, Any]:
        groupId = call.params["taskGroupId"]
        if groupId not in self.taskGroups:
            raise notFound("No task-group with taskGroupId: `{{taskGroupId}}`", taskGroupId=groupId)
        members = self._members(groupId)
        page, token = paginate(call, members)
        result = self._groupInfo(groupId)
        result["tasks"] = [{"status": t.status(), "task": self._definition(t)} for t in page]
        return withToken(result, token)

    def getTaskGroup(self, call: Call) -> Dict[str, Any]:
        groupId = call.params["taskGroupId"]
        if groupId not in self.taskGroups:
            raise notFound("No task-group with taskGroupId: `{{taskGroupId}}`", taskGroupId=groupId)
        return self._groupInfo(groupId)

    def sealTaskGroup(self, call: Call) -> Dict[str, Any]:
        groupId = call.params["taskGroupId"]
        group = self.taskGroups.get(groupId)
        if group is None:
            raise notFound("No task-group with taskGroupId: `{{taskGroupId}}`", taskGroupId=groupId)
        authorize(call, taskGroupId=groupId, schedulerId=group["schedulerId"])
        if not group.get("sealed"):
            group["sealed"] = self.now()
        out = self._groupInfo(groupId)
        # sent on every call, as the queue does
        self.publish("task-group-sealed", dict(out), [])
        return out

    def cancelTaskGroup(self, call: Call) -> Dict[str, Any]:
        groupId = call.params["taskGroupId"]
        group = self.taskGroups.get(groupId)
        if group is None:
            raise notFound("No task-group with taskGroupId: `{{taskGroupId}}`", taskGroupId=groupId)
        if not group.get("sealed"):
            raise conflict("Cannot cancel unsealed task group: `{{taskGroupId}}`", taskGroupId=groupId)
        authorize(call, taskGroupId=groupId, schedulerId=group["schedulerId"])
        now = self.now()
        members = self._members(groupId)
        canceled = []
        for task in members:
            if task.cancel("canceled", now):
                canceled.append(task.taskId)
                self._canceled(task, now)
        return {"taskGroupId": groupId, "taskGroupSize": len(members),
                "cancelledCount": len(canceled), "taskIds": canceled}

    def _canceled(self, task: Task, now: datetime.datetime) -> None:
        """cancelSingleTask, after a task's run was resolved as canceled."""
        self._dequeue(task)
        runId = task.lastRunId()
        self.publish("task-exception", self._taskMessage(task, runId, task.runs[runId]),
                     task.routes)
        self._resolved(task, "exception", now)

    def listDependentTasks(self, call: Call) -> Dict[str, Any]:
        taskId = call.params["taskId"]
        if taskId not in self.taskById:
            raise notFound("Task with taskId: `{{taskId}}` was not found", taskId=taskId)
        dependents = [self.taskById[t] for t in sorted(self.dependents.get(taskId, ()))
                      if t in self.taskById]
        page, token = paginate(call, dependents)
        return withToken({"taskId": taskId, "tasks": [
            {"status": t.status(), "task": self._definition(t)} for t in page]}, token)

    # -- createTask -----------------------------------------------------------
    def _patched(self, taskId: str, payload: Dict[str, Any]) -> Dict[str, Any]:
        """The definition as the queue stores it: schema defaults, the task
        queue both ways, taskGroupId, expires, dates as JavaScript writes them."""
        if self._defaultsCache is None:
            self._defaultsCache = _defaults()
        d = copy.deepcopy(self._defaultsCache)
        d.update(copy.deepcopy(payload))
        provisionerId, workerType, taskQueueId = (d.get("provisionerId"), d.get("workerType"),
                                                  d.get("taskQueueId"))
        if provisionerId and workerType and taskQueueId:
            if "%s/%s" % (provisionerId, workerType) != taskQueueId:
                raise inputError('taskQueueId must match "provisionerId/workerType"')
        elif provisionerId and workerType:
            d["taskQueueId"] = "%s/%s" % (provisionerId, workerType)
        elif taskQueueId:
            d["provisionerId"], d["workerType"] = splitTaskQueueId(taskQueueId)
        else:
            raise inputError("at least a provisionerId and a workerType or a taskQueueId "
                             "must be provided")
        if len(d["dependencies"]) > MAX_DEPENDENCIES:
            raise inputError("task.dependencies exceeds the maximum allowed number of dependencies")
        if not d.get("projectId"):
            d["projectId"] = "none"
        if not d.get("taskGroupId"):
            d["taskGroupId"] = taskId
        return d

    def _checkDates(self, d: Dict[str, Any]) -> None:
        now = self.now()
        try:
            created, deadline = parseDate(d["created"]), parseDate(d["deadline"])
            expires = parseDate(d["expires"]) if d.get("expires") else None
        except ValueError:
            raise inputError("`created`, `deadline` and `expires` must be dates") from None
        if created < now - DRIFT:
            raise inputError("`created` cannot be in the past (max 15min drift)")
        if created > now + DRIFT:
            raise inputError("`created` cannot be in the future (max 15min drift)")
        if created > deadline:
            raise inputError("`deadline` cannot be later than `created`")
        if deadline < now:
            raise inputError("`deadline` cannot be in the past")
        if deadline - now > datetime.timedelta(days=MAX_TASK_DEADLINE_DAYS) + DRIFT:
            raise inputError("`deadline` cannot be more than {{days}} days into the future",
                             days=MAX_TASK_DEADLINE_DAYS)
        if expires is None:
            try:
                expires = deadline.replace(year=deadline.year + 1)
            except ValueError:  # 29 February, as JavaScript's setFullYear rolls it
                expires = deadline.replace(year=deadline.year + 1, month=3, day=1)
        if deadline > expires:
            raise inputError("`expires` cannot be before `deadline`")
        d["created"], d["deadline"], d["expires"] = (jsonDate(created), jsonDate(deadline),
                                                     jsonDate(expires))

    def createTask(self, call: Call) -> Dict[str, Any]:
        taskId = call.params["taskId"]
        d = self._patched(taskId, call.payload)
        level = PRIORITY_LEVELS.index(d["priority"])
        authorize(call, taskId=taskId, priorities=list(PRIORITY_LEVELS[:level + 1]),
                  routes=d["routes"], scopes=d["scopes"], schedulerId=d["schedulerId"],
                  projectId=d["projectId"], taskGroupId=d["taskGroupId"],
                  provisionerId=d["provisionerId"], workerType=d["workerType"],
                  taskQueueId=d["taskQueueId"])
        self._checkDates(d)
        if any(s.endswith("**") for s in d["scopes"]):
            raise inputError("scopes must not end with `**`")
        now = self.now()
        groupId, expires = d["taskGroupId"], parseDate(d["expires"])
        group = self.taskGroups.get(groupId)
        if group is not None and group["schedulerId"] != d["schedulerId"]:
            raise conflict("Task group `{{taskGroupId}}` contains tasks with a schedulerId other\n"
                           "than `{{schedulerId}}`. All tasks in the same task-group must have\n"
                           "the same schedulerId.", taskGroupId=groupId, schedulerId=d["schedulerId"])
        if group is not None and group.get("sealed"):
            raise conflict("Task group `{{taskGroupId}}` is sealed and does not accept new tasks.",
                           taskGroupId=groupId)
        existing = self.taskById.get(taskId)
        if existing is not None and existing.definition != d:
            raise conflict("taskId `{{taskId}}` already used by another task.\n"
                           "This could be the result of faulty idempotency!", taskId=taskId)
        # the dependencies must exist (and outlive the deadline) before anything is stored
        deadline = parseDate(d["deadline"])
        missing = [t for t in d["dependencies"] if t not in self.taskById and t != taskId]
        expiring = [t for t in d["dependencies"]
                    if t in self.taskById and t != taskId and deadline > self.taskById[t].expires]
        if missing or expiring:
            raise inputError(self._dependencyProblem(missing, expiring))
        if group is None:
            group = self.taskGroups[groupId] = {"schedulerId": d["schedulerId"], "expires": expires,
                                                "members": set()}
        group["expires"] = max(group["expires"], expires)

        task = existing or Task(taskId, d)
        # task-defined carries the status before scheduling (no runs), and is
        # sent again when a creation is repeated, as the queue does
        initial = {"status": dict(task.status(), state="unscheduled", runs=[],
                                  retriesLeft=d["retries"]),
                   "task": task.pulseTask()}
        if existing is None:
            self.taskById[taskId] = task
            group["members"].add(taskId)
            self._timer(task.deadline, "deadline", taskId, stamp=task.deadline)
            deps = self.dependencies[taskId] = {}
            for depId in d["dependencies"]:
                if depId not in deps:
                    deps[depId] = False
                    self.dependents.setdefault(depId, []).append(taskId)
        self._trackDependencies(task, now)
        self.publish("task-defined", initial, task.routes)
        if task.runs and task.runs[0]["state"] == "pending":
            self.publish("task-pending", self._taskMessage(task, 0), task.routes)
        return {"status": task.status()}

    @staticmethod
    def _dependencyProblem(missing: List[str], expiring: List[str]) -> str:
        msg = ""
        if missing:
            msg += "`task.dependencies` references non-existing tasks: \n"
            msg += "".join(" * %s\n" % t for t in missing)
            msg += "All taskIds in `task.dependencies` **must** exist\nbefore the task is created.\n"
        if expiring:
            msg += ("`task.dependencies` references tasks that expires\n"
                    "before `task.deadline` this is not allowed, see tasks: \n")
            msg += "".join(" * %s,\n" % t for t in expiring)
            msg += ("All taskIds in `task.dependencies` **must** have\n"
                    "`task.expires` greater than the `deadline` for this task.\n")
        return msg

    def _trackDependencies(self, task: Task, now: datetime.datetime) -> None:
        deps = self.dependencies[task.taskId]
        for depId in deps:
            state = self.taskById[depId].state()
            if state == "completed" or (task.definition["requires"] == "all-resolved"
                                        and state in ("exception", "failed")):
                deps[depId] = True
        if not self._isBlocked(task.taskId) and task.schedule(now):
            self._enqueue(task, now)

    # -- scheduleTask, rerunTask, cancelTask, priorities ---------------------
    def _authorizeTask(self, call: Call, task: Task) -> None:
        authorize(call, taskId=task.taskId, schedulerId=task.schedulerId,
                  taskGroupId=task.taskGroupId, projectId=task.projectId)

    def scheduleTask(self, call: Call) -> Dict[str, Any]:
        task = self._getTask(call.params["taskId"],
                             "taskId `{{taskId}}` not found. Are you sure it exists?")
        self._authorizeTask(call, task)
        status = self._scheduleTask(task, self.now())
        if status is None:
            raise conflict("Task `{{taskId}}` can't be scheduled past its deadline at {{deadline}}.",
                           taskId=task.taskId, deadline=task.definition["deadline"])
        return {"status": status}

    def rerunTask(self, call: Call) -> Dict[str, Any]:
        task = self._getTask(call.params["taskId"],
                             "`{{taskId}}` does not correspond to a task that exists.\n"
                             "Are you sure this task has been submitted before?")
        self._authorizeTask(call, task)
        now = self.now()
        if task.deadline < now:
            raise conflict("Task `{{taskId}}` can't be rescheduled past its deadline of "
                           "{{deadline}}.", taskId=task.taskId, deadline=task.definition["deadline"])
        changed = task.rerun(now)
        state = task.state()
        if state not in ("pending", "running") and len(task.runs) >= MAX_RUNS_ALLOWED:
            raise conflict("Maximum number of runs reached ({{max_runs_allowed}}).",
                           max_runs_allowed=MAX_RUNS_ALLOWED)
        if changed:
            self._enqueue(task, now)
        if state == "pending":
            self.publish("task-pending", self._taskMessage(task, task.lastRunId()), task.routes)
        return {"status": task.status()}

    def cancelTask(self, call: Call) -> Dict[str, Any]:
        task = self._getTask(call.params["taskId"],
                             "Task `{{taskId}}` not found. Are you sure it was created?")
        self._authorizeTask(call, task)
        now = self.now()
        if task.deadline < now:
            raise conflict("Task `{{taskId}}` can't be canceled past its deadline of {{deadline}}.",
                           taskId=task.taskId, deadline=task.definition["deadline"])
        task.cancel("canceled", now)
        run = task.runs[-1] if task.runs else None
        if run and run["state"] == "exception" and run.get("reasonResolved") == "canceled":
            # as cancelSingleTask: sent again when the task was canceled before
            self._canceled(task, now)
        return {"status": task.status()}

    def changeTaskPriority(self, call: Call) -> Dict[str, Any]:
        task = self._getTask(call.params["taskId"],
                             "Task `{{taskId}}` not found. Are you sure it was created?")
        authorize(call, taskId=task.taskId, taskQueueId=task.taskQueueId)
        if task.deadline <= self.now():
            raise conflict("Task `{{taskId}}` can't be reprioritized past its deadline of "
                           "{{deadline}}.", taskId=task.taskId, deadline=task.definition["deadline"])
        if task.state() in ("completed", "failed", "exception"):
            raise conflict("Task `{{taskId}}` is already resolved and cannot be reprioritized.",
                           taskId=task.taskId)
        newPriority = call.payload["newPriority"]
        oldPriority = task.priority
        task.definition["priority"] = newPriority
        self._reprioritized(task)
        self.publish("task-priority-changed", {"status": task.status(), "oldPriority": oldPriority,
                                               "newPriority": newPriority}, task.routes)
        return {"status": task.status()}

    def changeTaskGroupPriority(self, call: Call) -> Dict[str, Any]:
        groupId = call.params["taskGroupId"]
        group = self.taskGroups.get(groupId)
        if group is None:
            raise notFound("Task group `{{taskGroupId}}` not found.", taskGroupId=groupId)
        authorize(call, schedulerId=group["schedulerId"], taskGroupId=groupId)
        newPriority = call.payload["newPriority"]
        if newPriority not in PRIORITY_LEVELS:
            raise inputError("Unknown priority `{{priority}}`.", priority=newPriority)
        taskIds = []
        for task in self._members(groupId):
            if (task.state() not in ("completed", "failed", "exception")
                    and task.priority != newPriority):
                task.definition["priority"] = newPriority
                self._reprioritized(task)
                taskIds.append(task.taskId)
        event = {"taskGroupId": groupId, "schedulerId": group["schedulerId"],
                 "newPriority": newPriority, "tasksAffected": len(taskIds)}
        self.publish("task-group-priority-changed", dict(event), [])
        return dict(event, taskIds=taskIds)

    # ======================================================================
    # The worker interface
    def _claim(self, task: Task, runId: int, workerGroup: str, workerId: str) -> Any:
        """The work claimer's claimTask: a claim, or 'run-not-found' or
        'conflict'."""
        if not 0 <= runId < len(task.runs):
            return "run-not-found"
        now = self.now()
        takenUntil = now + datetime.timedelta(seconds=CLAIM_TIMEOUT)
        changed = task.claim(runId, workerGroup, workerId, takenUntil, now)
        run = task.runs[runId]
        if not (runId == task.lastRunId() and run["state"] == "running"
                and run.get("workerGroup") == workerGroup and run.get("workerId") == workerId):
            return "conflict"
        if changed:
            self._dequeue(task)
            self._timer(takenUntil, "claim", task.taskId, runId, takenUntil)
        # sent again when the same worker claims the same run again, as the queue does
        self.publish("task-running", self._taskMessage(
            task, runId, None, workerGroup=workerGroup, workerId=workerId,
            takenUntil=jsonDate(run["takenUntil"])), task.routes)
        return {"status": task.status(), "runId": runId, "workerGroup": workerGroup,
                "workerId": workerId, "takenUntil": jsonDate(run["takenUntil"]),
                "task": self._definition(task),
                "credentials": self._taskCredentials(task, runId, workerGroup, workerId,
                                                     run["takenUntil"])}

    def _taskCredentials(self, task: Task, runId: int, workerGroup: str, workerId: str,
                         takenUntil: datetime.datetime) -> Dict[str, Any]:
        """The temporary credentials the queue gives a worker for a run: the
        run's own reclaim, resolve and create-artifact scopes, and the task's."""
        taskId = task.taskId
        clientId = "/".join(["task-client", taskId, str(runId), "on", workerGroup, workerId,
                             "until", jsNumber(round(takenUntil.timestamp() * 1000) / 1000)])
        scopes = ["queue:reclaim-task:%s/%s" % (taskId, runId),
                  "queue:resolve-task:%s/%s" % (taskId, runId),
                  "queue:create-artifact:%s/%s" % (taskId, runId)] + list(task.definition["scopes"])
        return self.deployment.temporaryCredentials(clientId, scopes, takenUntil)

    def _quarantined(self, taskQueueId: str, workerGroup: str, workerId: str) -> bool:
        worker = self.workers.get((taskQueueId, workerGroup, workerId))
        return worker is not None and worker["quarantineUntil"] > self.now()

    def claimWork(self, call: Call) -> Dict[str, Any]:
        taskQueueId = call.params["taskQueueId"]
        workerGroup, workerId = call.payload["workerGroup"], call.payload["workerId"]
        authorize(call, workerGroup=workerGroup, workerId=workerId, taskQueueId=taskQueueId)
        quarantined = self._quarantined(taskQueueId, workerGroup, workerId)
        self._seen(taskQueueId, workerGroup, workerId)
        if quarantined:
            return {"tasks": []}
        claims = []
        for _ in range(call.payload["tasks"]):
            found = self._nextPending(taskQueueId)
            if found is None:
                break
            taskId, runId = found
            claim = self._claim(self.taskById[taskId], runId, workerGroup, workerId)
            if isinstance(claim, dict):
                claims.append(claim)
                self._taskSeen(taskQueueId, workerGroup, workerId, taskId, runId)
        return {"tasks": claims}

    def claimTask(self, call: Call) -> Dict[str, Any]:
        task = self._getTask(call.params["taskId"],
                             "Task `{{taskId}}` not found. Are you sure it was created?")
        runId = int(call.params["runId"])
        workerGroup, workerId = call.payload["workerGroup"], call.payload["workerId"]
        provisionerId, workerType = splitTaskQueueId(task.taskQueueId)
        authorize(call, workerGroup=workerGroup, workerId=workerId,
                  provisionerId=provisionerId, workerType=workerType)
        if task.deadline <= self.now():
            raise conflict("Task `{{taskId}}` can't be claimed past its deadline of {{deadline}}.",
                           taskId=task.taskId, deadline=task.definition["deadline"])
        if self._quarantined(task.taskQueueId, workerGroup, workerId):
            return {}
        self._seen(task.taskQueueId)
        claim = self._claim(task, runId, workerGroup, workerId)
        if claim == "run-not-found":
            raise notFound("Run {{runId}} not found on task `{{taskId}}`.",
                           taskId=task.taskId, runId=runId)
        if claim == "conflict":
            raise conflict("Run {{runId}} was already claimed by another worker.", runId=runId)
        self._taskSeen(task.taskQueueId, workerGroup, workerId, task.taskId, runId)
        return claim

    def reclaimTask(self, call: Call) -> Dict[str, Any]:
        task = self._getTask(call.params["taskId"],
                             "Task `{{taskId}}` not found. Are you sure it was created?")
        runId, run = self._runOf(task, call)
        authorize(call, taskId=task.taskId, runId=runId, workerId=run.get("workerId"),
                  workerGroup=run.get("workerGroup"))
        now = self.now()
        if task.deadline <= now:
            raise conflict("Task `{{taskId}}` can't be reclaimed past its deadline of "
                           "{{deadline}}.", taskId=task.taskId, deadline=task.definition["deadline"])
        takenUntil = now + datetime.timedelta(seconds=CLAIM_TIMEOUT)
        changed = task.reclaim(runId, takenUntil)
        if run.get("workerGroup") and run.get("workerId"):
            self._seen(task.taskQueueId, run["workerGroup"], run["workerId"])
        if not changed:
            raise conflict("Run {{runId}} on task `{{taskId}}` is resolved or not running.",
                           taskId=task.taskId, runId=runId)
        self._timer(run["takenUntil"], "claim", task.taskId, runId, run["takenUntil"])
        return {"status": task.status(), "runId": runId, "workerGroup": run["workerGroup"],
                "workerId": run["workerId"], "takenUntil": jsonDate(takenUntil),
                "credentials": self._taskCredentials(task, runId, run["workerGroup"],
                                                     run["workerId"], takenUntil)}

    def _resolveTask(self, call: Call, target: str) -> Dict[str, Any]:
        task = self._getTask(call.params["taskId"],
                             "Task `{{taskId}}` not found. Are you sure it was created?")
        runId, run = self._runOf(task, call)
        if run["state"] not in ("running", target):
            raise conflict("Run {{runId}} of task `{{taskId}}` is not running or {{targetState}}.",
                           taskId=task.taskId, runId=runId, targetState=target)
        authorize(call, taskId=task.taskId, runId=runId, workerGroup=run.get("workerGroup"),
                  workerId=run.get("workerId"))
        now = self.now()
        changed = task.resolve(runId, target, target, None, now)
        if task.lastRunId() != runId or run["state"] != target or run.get("reasonResolved") != target:
            raise conflict("Run {{runId}} on task `{{taskId}}` is resolved or not running.",
                           taskId=task.taskId, runId=runId)
        # sent again when a resolution is repeated, as the queue does
        self.publish("task-" + target, self._taskMessage(task, runId, run), task.routes)
        if changed:
            # after the message: the queue's dependency resolver acts on it later
            self._resolved(task, target, now)
        return {"status": task.status()}

    def reportCompleted(self, call: Call) -> Dict[str, Any]:
        return self._resolveTask(call, "completed")

    def reportFailed(self, call: Call) -> Dict[str, Any]:
        return self._resolveTask(call, "failed")

    def reportException(self, call: Call) -> Dict[str, Any]:
        task = self._getTask(call.params["taskId"],
                             "Task `{{taskId}}` not found. Are you sure it exists?")
        runId, run = self._runOf(task, call)
        authorize(call, taskId=task.taskId, runId=runId, workerGroup=run.get("workerGroup"),
                  workerId=run.get("workerId"))
        reason = call.payload["reason"]
        retryReason = {"worker-shutdown": "retry", "intermittent-task": "task-retry"}.get(reason)
        now = self.now()
        changed = task.resolve(runId, "exception", reason, retryReason, now)
        if (task.lastRunId() > runId + 1 or run["state"] != "exception"
                or run.get("reasonResolved") != reason):
            raise conflict("Run {{runId}} on task `{{taskId}}` is resolved or not running.",
                           taskId=task.taskId, runId=runId)
        self.publish("task-exception", self._taskMessage(task, runId, run), task.routes)
        retried = task.lastRunId() == runId + 1 and task.runs[-1]["state"] == "pending" and \
            task.runs[-1]["reasonCreated"] in ("retry", "task-retry")
        if retried:
            if changed:
                self._enqueue(task, now)
            self.publish("task-pending", self._taskMessage(task, runId + 1), task.routes)
        elif changed:
            self._resolved(task, "exception", now)
        return {"status": task.status()}
