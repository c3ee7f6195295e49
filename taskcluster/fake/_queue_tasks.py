"""The fake queue's tasks: what the queue stores of a task, and its runs'
state machine, as release 106's database functions move them.

A task's state is the state of its last run (``unscheduled`` without one).
The transitions, named as the queue's docs and database functions name them:

- ``schedule``: the first run is added ``pending`` (reasonCreated
  ``scheduled``), for a task without runs;
- ``claim``: the last run, ``pending``, becomes ``running`` for a worker,
  until ``takenUntil``;
- ``reclaim``: a ``running`` last run gets a later ``takenUntil``;
- ``resolve``: a ``running`` last run becomes ``completed``, ``failed`` or
  ``exception`` (with its reason); given a retry reason and retries left, a
  new ``pending`` run is added (reasonCreated ``retry`` or ``task-retry``);
- ``checkClaim``: a claim that expired resolves the run ``exception`` /
  ``claim-expired``, with a ``retry`` run while retries remain (not past the
  deadline: the deadline decides then);
- ``cancel``: a ``pending`` or ``running`` last run becomes ``exception``
  with the reason (``canceled``, ``deadline-exceeded``); a task without runs
  gets one run created ``exception`` to say so;
- ``rerun``: unless the last run is ``pending`` or ``running``, a new
  ``pending`` run (reasonCreated ``rerun``), retries reset.

Each returns whether it changed the task, as the database functions return
a row only when the status was as expected.
"""

from __future__ import annotations

import datetime
from typing import Any, Dict, List, Optional, Tuple

from ._service import jsonDate

__all__ = ["PRIORITY_LEVELS", "MAX_RUNS_ALLOWED", "Task", "parseDate", "splitTaskQueueId"]

# from high to low, as the queue orders them
PRIORITY_LEVELS = ("highest", "very-high", "high", "medium", "low", "very-low", "lowest")
MAX_RUNS_ALLOWED = 50

_DATE_FIELDS = ("takenUntil", "scheduled", "started", "resolved")


def parseDate(value: str) -> datetime.datetime:
    """A JSON date (``2026-12-02T05:24:06.123Z``) as an aware UTC datetime;
    ValueError when it is not one."""
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    when = datetime.datetime.fromisoformat(text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    when = when.astimezone(datetime.timezone.utc)
    # JavaScript dates hold milliseconds
    return when.replace(microsecond=when.microsecond // 1000 * 1000)


def splitTaskQueueId(taskQueueId: str) -> Tuple[str, str]:
    provisionerId, _, workerType = taskQueueId.partition("/")
    return provisionerId, workerType


class Task:
    """One task: its definition as the queue stores it (``definition``, with
    defaults filled and dates normalized) and its status fields."""

    def __init__(self, taskId: str, definition: Dict[str, Any]) -> None:
        self.taskId = taskId
        self.definition = definition
        self.created = parseDate(definition["created"])
        self.deadline = parseDate(definition["deadline"])
        self.expires = parseDate(definition["expires"])
        self.retriesLeft: int = definition["retries"]
        self.runs: List[Dict[str, Any]] = []
        self.takenUntil: Optional[datetime.datetime] = None
        self.everResolved = False

    # what the definition says
    @property
    def taskQueueId(self) -> str:
        return self.definition["taskQueueId"]

    @property
    def taskGroupId(self) -> str:
        return self.definition["taskGroupId"]

    @property
    def schedulerId(self) -> str:
        return self.definition["schedulerId"]

    @property
    def projectId(self) -> str:
        return self.definition["projectId"]

    @property
    def routes(self) -> List[str]:
        return self.definition["routes"]

    @property
    def priority(self) -> str:
        return self.definition["priority"]

    def state(self) -> str:
        return self.runs[-1]["state"] if self.runs else "unscheduled"

    def lastRunId(self) -> int:
        return len(self.runs) - 1

    def status(self) -> Dict[str, Any]:
        """The task's status, as ``task-status.json`` shows it (a run's keys
        the run does not have are left out, as JSON leaves out undefined)."""
        d = self.definition
        runs = []
        for runId, run in enumerate(self.runs):
            shown: Dict[str, Any] = {"runId": runId}
            for key in ("state", "reasonCreated", "reasonResolved", "workerGroup", "workerId",
                        "takenUntil", "scheduled", "started", "resolved"):
                value = run.get(key)
                if value is not None:
                    shown[key] = jsonDate(value) if key in _DATE_FIELDS else value
            runs.append(shown)
        return {
            "taskId": self.taskId,
            "provisionerId": d["provisionerId"],
            "workerType": d["workerType"],
            "taskQueueId": d["taskQueueId"],
            "schedulerId": d["schedulerId"],
            "projectId": d["projectId"],
            "taskGroupId": d["taskGroupId"],
            "priority": d["priority"],
            "deadline": d["deadline"],
            "expires": d["expires"],
            "retriesLeft": self.retriesLeft,
            "state": self.state(),
            "runs": runs,
        }

    def pulseTask(self) -> Dict[str, Any]:
        """The ``task`` of a pulse message: the task's tags."""
        return {"tags": dict(self.definition.get("tags") or {})}

    # the transitions
    def schedule(self, now: datetime.datetime, reasonCreated: str = "scheduled") -> bool:
        if self.runs:
            return False
        self.runs.append({"state": "pending", "reasonCreated": reasonCreated, "scheduled": now})
        self.takenUntil = None
        return True

    def claim(self, runId: int, workerGroup: str, workerId: str,
              takenUntil: datetime.datetime, now: datetime.datetime) -> bool:
        if runId != self.lastRunId() or self.runs[runId]["state"] != "pending":
            return False
        self.runs[runId].update(state="running", workerGroup=workerGroup, workerId=workerId,
                                takenUntil=takenUntil, started=now)
        self.takenUntil = takenUntil
        return True

    def reclaim(self, runId: int, takenUntil: datetime.datetime) -> bool:
        if runId != self.lastRunId() or self.runs[runId]["state"] != "running":
            return False
        # takenUntil only ever moves forward
        run = self.runs[runId]
        run["takenUntil"] = max(takenUntil, run["takenUntil"])
        self.takenUntil = run["takenUntil"]
        return True

    def _addRetry(self, reasonCreated: str, now: datetime.datetime) -> None:
        self.runs.append({"state": "pending", "reasonCreated": reasonCreated, "scheduled": now})
        self.retriesLeft -= 1

    def resolve(self, runId: int, state: str, reason: str, retryReason: Optional[str],
                now: datetime.datetime) -> bool:
        if runId != self.lastRunId() or self.runs[runId]["state"] != "running":
            return False
        self.runs[runId].update(state=state, reasonResolved=reason, resolved=now)
        if retryReason is not None and self.retriesLeft > 0:
            self._addRetry(retryReason, now)
        self.takenUntil = None
        return True

    def checkClaim(self, runId: int, takenUntil: datetime.datetime,
                   now: datetime.datetime) -> bool:
        if self.takenUntil != takenUntil or runId != self.lastRunId():
            return False
        run = self.runs[runId]
        if run["state"] != "running" or run.get("takenUntil") != takenUntil:
            return False
        if self.deadline < now:
            return False
        run.update(state="exception", reasonResolved="claim-expired", resolved=now)
        if self.retriesLeft > 0:
            self._addRetry("retry", now)
        self.takenUntil = None
        return True

    def cancel(self, reason: str, now: datetime.datetime) -> bool:
        if self.runs:
            run = self.runs[-1]
            if run["state"] not in ("pending", "running"):
                return False
            run.update(state="exception", reasonResolved=reason, resolved=now)
        else:
            self.runs.append({"state": "exception", "reasonCreated": "exception",
                              "reasonResolved": reason, "scheduled": now, "resolved": now})
        self.takenUntil = None
        return True

    def rerun(self, now: datetime.datetime) -> bool:
        lastRunId = self.lastRunId()
        if lastRunId >= 0 and self.runs[-1]["state"] in ("pending", "running"):
            return False
        if lastRunId + 1 >= MAX_RUNS_ALLOWED:
            return False
        self.retriesLeft = min(self.definition["retries"], MAX_RUNS_ALLOWED - lastRunId - 2)
        self.runs.append({"state": "pending", "reasonCreated": "rerun", "scheduled": now})
        self.takenUntil = None
        return True
