"""Where each service finds its scope parameters: the route, the payload, the
query, or its own stored state.

A service fills its method's scope template (``_scopetemplates``) with the
route parameters, and, where the template needs more, with values its
handler computes before ``req.authorize(...)``.  This module says, per
method, what those handlers compute from the request (read from the
services' ``src/api.js`` in the Taskcluster monorepo at release v106.0.0,
the release of the bundled references), and which parameters only the
service's state can give (a stored task's ``schedulerId``, say).

``DERIVED[(service, method)]`` is a function ``(route, payload, query) ->
params``; ``route`` holds the route arguments (strings), ``payload`` the
request body with its schema's top-level defaults filled in (the services
validate with defaults applied), ``query`` the query keys.  It may raise
:class:`ValueError` for a payload the service refuses (the caller turns it
into a :class:`TaskclusterInputError`).  ``HINTS`` says where each
non-route parameter comes from, for the missing-parameter error.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, Mapping, Tuple

__all__ = ["DERIVED", "HINTS", "STATE", "PRIORITY_LEVELS", "js_parse_int"]

Derive = Callable[[Mapping[str, str], Mapping[str, Any], Mapping[str, Any]], Dict[str, Any]]

# services/queue/src/api.js: PRIORITY_LEVELS, highest first.
PRIORITY_LEVELS = ("highest", "very-high", "high", "medium", "low", "very-low", "lowest")

_INT_PREFIX = re.compile(r"\s*([+-]?\d+)")


def js_parse_int(text: str) -> Any:
    """JavaScript's ``parseInt(text, 10)``: the leading integer, or NaN."""
    m = _INT_PREFIX.match(text)
    return int(m.group(1)) if m else float("nan")


def _present(payload: Mapping[str, Any], *keys: str) -> Dict[str, Any]:
    """The payload's values for ``keys``, those it has."""
    return {k: payload[k] for k in keys if payload.get(k) is not None}


# -- queue ----------------------------------------------------------------------

def _create_task(route, payload, query):
    # createTask's handler, then authorizeTaskCreation (services/queue/src/api.js)
    taskId = route["taskId"]
    out: Dict[str, Any] = {"taskId": taskId}
    prov, wt, tq = (payload.get("provisionerId"), payload.get("workerType"),
                    payload.get("taskQueueId"))
    if prov and wt:
        if tq and tq != "%s/%s" % (prov, wt):
            raise ValueError("taskQueueId must match \"provisionerId/workerType\" (%r is not "
                             "%r)" % (tq, "%s/%s" % (prov, wt)))
        out.update(provisionerId=prov, workerType=wt, taskQueueId="%s/%s" % (prov, wt))
    elif tq:
        parts = tq.split("/") if isinstance(tq, str) else ()
        if len(parts) != 2:
            raise ValueError("taskQueueId must be \"<provisionerId>/<workerType>\", not %r" % (tq,))
        out.update(provisionerId=parts[0], workerType=parts[1], taskQueueId=tq)
    priority = payload.get("priority")
    if priority is not None:
        if priority not in PRIORITY_LEVELS:
            raise ValueError("priority must be one of %s, not %r"
                             % (", ".join(PRIORITY_LEVELS), priority))
        # the task's priority and every lower one (a scope for "high" allows "highest")
        out["priorities"] = list(PRIORITY_LEVELS[:PRIORITY_LEVELS.index(priority) + 1])
    out.update(_present(payload, "routes", "scopes", "schedulerId"))
    out["projectId"] = payload.get("projectId") or "none"
    out["taskGroupId"] = payload.get("taskGroupId") or taskId
    return out


def _artifact_names(route, payload, query):
    # artifacts.js: req.authorize({names: [name]}) (links followed add names)
    return {"names": [route["name"]]}


def _parsed_run_id(route, payload, query):
    # these handlers authorize with parseInt(req.params.runId, 10)
    return {"runId": js_parse_int(route["runId"])}


def _declare_worker(route, payload, query):
    return {"properties": list(payload)}


def _worker_from_payload(route, payload, query):
    return _present(payload, "workerGroup", "workerId")


# -- auth -----------------------------------------------------------------------

def _payload_scopes(route, payload, query):
    scopes = payload.get("scopes")
    return {"scopes": [] if scopes is None else scopes}


def _level(route, payload, query):
    return {"levelIsReadOnly": route["level"] == "read-only"}


def _github_repo_token(route, payload, query):
    # services/auth/src/github.js: owner and repositories in lower case,
    # "<repo>:<permission>:<level>" for each permission, then each repository
    repos = payload.get("repositories")
    perms = payload.get("permissions")
    out: Dict[str, Any] = {"owner": route["owner"].lower()}
    if isinstance(repos, (list, tuple)) and isinstance(perms, Mapping) and \
            all(isinstance(r, str) for r in repos):
        out["repoPerms"] = ["%s:%s:%s" % (repo.lower(), permission, level)
                            for permission, level in perms.items() for repo in repos]
    return out


# -- others ---------------------------------------------------------------------

def _from_payload(*keys: str) -> Derive:
    def derive(route, payload, query):
        return _present(payload, *keys)
    return derive


def _index_paths(route, payload, query):
    return {"indexPaths": payload["indexes"]} if "indexes" in payload else {}


def _error_stats(route, payload, query):
    # services/worker-manager/src/api.js: workerPoolId from the query, else "*"
    return {"workerPoolId": query.get("workerPoolId") or "*"}


DERIVED: Mapping[Tuple[str, str], Derive] = {
    ("queue", "tasks"): _from_payload("taskIds"),
    ("queue", "statuses"): _from_payload("taskIds"),
    ("queue", "createTask"): _create_task,
    ("queue", "claimWork"): _worker_from_payload,
    ("queue", "claimTask"): _worker_from_payload,
    ("queue", "reclaimTask"): _parsed_run_id,
    ("queue", "reportCompleted"): _parsed_run_id,
    ("queue", "reportFailed"): _parsed_run_id,
    ("queue", "reportException"): _parsed_run_id,
    ("queue", "createArtifact"): _parsed_run_id,
    ("queue", "getArtifact"): _artifact_names,
    ("queue", "getLatestArtifact"): _artifact_names,
    ("queue", "artifact"): _artifact_names,
    ("queue", "latestArtifact"): _artifact_names,
    ("queue", "declareWorker"): _declare_worker,
    ("auth", "createClient"): _payload_scopes,
    ("auth", "createRole"): _payload_scopes,
    ("auth", "awsS3Credentials"): _level,
    ("auth", "azureTableSAS"): _level,
    ("auth", "azureContainerSAS"): _level,
    ("auth", "githubRepoToken"): _github_repo_token,
    ("index", "findTasksAtIndex"): _index_paths,
    ("notify", "email"): _from_payload("address"),
    ("notify", "pulse"): _from_payload("routingKey"),
    ("notify", "matrix"): _from_payload("roomId"),
    ("notify", "slack"): _from_payload("channelId"),
    ("object", "createUpload"): _from_payload("projectId"),
    ("object", "finishUpload"): _from_payload("projectId"),
    ("purge-cache", "purgeCache"): _from_payload("cacheName"),
    ("worker-manager", "createWorkerPool"): _from_payload("providerId"),
    ("worker-manager", "updateWorkerPool"): _from_payload("providerId"),
    ("worker-manager", "reportWorkerError"): _worker_from_payload,
    ("worker-manager", "workerPoolErrorStats"): _error_stats,
    ("worker-manager", "reregisterWorker"): _from_payload("workerPoolId", "workerGroup",
                                                          "workerId"),
}

_TASK = "the stored task's %s"
_GROUP = "the stored task group's schedulerId"
_RUN_WORKER = "the worker that claimed the run"

# Parameters only the service's state gives: (service, method) -> {param: where}.
STATE: Mapping[Tuple[str, str], Mapping[str, str]] = {
    ("queue", "cancelTaskGroup"): {"schedulerId": _GROUP},
    ("queue", "sealTaskGroup"): {"schedulerId": _GROUP},
    ("queue", "changeTaskGroupPriority"): {"schedulerId": _GROUP},
    ("queue", "scheduleTask"): {p: _TASK % p for p in ("schedulerId", "taskGroupId", "projectId")},
    ("queue", "rerunTask"): {p: _TASK % p for p in ("schedulerId", "taskGroupId", "projectId")},
    ("queue", "cancelTask"): {p: _TASK % p for p in ("schedulerId", "taskGroupId", "projectId")},
    ("queue", "changeTaskPriority"): {"taskQueueId": _TASK % "taskQueueId"},
    ("queue", "claimTask"): {"provisionerId": _TASK % "taskQueueId (its first half)",
                             "workerType": _TASK % "taskQueueId (its second half)"},
    ("auth", "updateClient"): {"scopesAdded": "the payload's scopes that the stored client "
                                              "does not have yet"},
    ("auth", "updateRole"): {"scopesAdded": "the payload's scopes that the stored role's "
                                            "expanded scopes do not satisfy yet"},
}

# Where a parameter derived from the request comes from, when it is missing.
HINTS: Mapping[Tuple[str, str], Mapping[str, str]] = {
    ("queue", "createTask"): {
        "provisionerId": "the payload's provisionerId and workerType, or its taskQueueId",
        "workerType": "the payload's provisionerId and workerType, or its taskQueueId",
        "priorities": "the payload's priority"},
    ("queue", "tasks"): {"taskIds": "the payload's taskIds"},
    ("queue", "statuses"): {"taskIds": "the payload's taskIds"},
    ("index", "findTasksAtIndex"): {"indexPaths": "the payload's indexes"},
    ("auth", "githubRepoToken"): {"repoPerms": "the payload's repositories and permissions"},
}
