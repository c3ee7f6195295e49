"""How the fake queue answers: errors as the queue's ``reportError`` words
them, and pages of listings."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ._service import Call, FakeError

__all__ = ["checkParams", "authorize", "fail", "notFound", "conflict", "inputError", "paginate", "withToken"]

_TEMPLATE = re.compile(r"{{(\w+)}}")

# The queue's URL parameter patterns (services/queue/src/api.js), checked
# before anything else as lib-api's parameter validator does.
_SLUGID = r"^[A-Za-z0-9_-]{8}[Q-T][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{10}[AQgw]$"
_GENERIC_ID = r"^[a-zA-Z0-9-_]{1,38}$"
PARAM_PATTERNS = {name: re.compile(pattern) for name, pattern in {
    "taskId": _SLUGID,
    "taskGroupId": _SLUGID,
    "taskQueueId": r"^[a-zA-Z0-9-_]{1,38}\/[a-z]([-a-z0-9]{0,36}[a-z0-9])?$",
    "provisionerId": _GENERIC_ID,
    "workerType": _GENERIC_ID,
    "workerGroup": _GENERIC_ID,
    "workerId": _GENERIC_ID,
    "runId": r"^[1-9]*[0-9]+$",
    "name": r"^[\x20-\x7e]+$",  # artifact names are printable ASCII
}.items()}


def fail(status: int, code: str, template: str, /, **details: Any) -> FakeError:
    """A FakeError whose message is ``template`` with ``{{name}}`` filled
    from ``details``, as the services' ``reportError`` fills it."""
    message = _TEMPLATE.sub(lambda m: str(details.get(m.group(1), m.group(0))), template)
    return FakeError(status, code, message)


def notFound(template: str, /, **details: Any) -> FakeError:
    return fail(404, "ResourceNotFound", template, **details)


def conflict(template: str, /, **details: Any) -> FakeError:
    return fail(409, "RequestConflict", template, **details)


def inputError(template: str, /, **details: Any) -> FakeError:
    return fail(400, "InputError", template, **details)


def paginate(call: Call, rows: Sequence[Any]) -> Tuple[List[Any], Optional[str]]:
    """One page of ``rows`` by the query's ``limit`` (at most 1000, as the
    queue's paginateResults) and ``continuationToken`` (the deployment's own
    tokens); the token for the next page, when there is one."""
    from ._paging import page
    chunk, more = page(call, rows)
    return chunk, more.get("continuationToken")


def withToken(result: Dict[str, Any], token: Optional[str]) -> Dict[str, Any]:
    if token:
        result["continuationToken"] = token
    return result


def authorize(call: Call, **params: Any) -> None:
    """``call.authorize`` with the parameters a scope template can use:
    numbers as strings (``runId``), values the queue does not know (a run's
    worker before a claim) left out."""
    call.authorize(**{k: str(v) if isinstance(v, int) and not isinstance(v, bool) else v
                      for k, v in params.items() if v is not None})


def checkParams(call: Call) -> None:
    """A 400 ``InvalidRequestArguments`` naming each URL parameter that does
    not match the queue's pattern for it (and the pattern)."""
    errors = []
    for name, value in call.params.items():
        pattern = PARAM_PATTERNS.get(name)
        if pattern is not None and not pattern.search(value):
            errors.append("URL parameter '%s' given as '%s' must match regular expression: "
                          "'/%s/'" % (name, value, pattern.pattern))
    if errors:
        raise FakeError(400, "InvalidRequestArguments",
                        "Invalid URL patterns:\n" + "\n".join(errors))
