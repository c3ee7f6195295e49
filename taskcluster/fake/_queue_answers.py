"""How the fake queue answers: errors as the queue's ``reportError`` words
them, and pages of listings."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ._service import Call, FakeError

__all__ = ["fail", "notFound", "conflict", "inputError", "paginate", "withToken"]

_TEMPLATE = re.compile(r"{{(\w+)}}")


def fail(status: int, code: str, template: str, **details: Any) -> FakeError:
    """A FakeError whose message is ``template`` with ``{{name}}`` filled
    from ``details``, as the services' ``reportError`` fills it."""
    message = _TEMPLATE.sub(lambda m: str(details.get(m.group(1), m.group(0))), template)
    return FakeError(status, code, message)


def notFound(template: str, **details: Any) -> FakeError:
    return fail(404, "ResourceNotFound", template, **details)


def conflict(template: str, **details: Any) -> FakeError:
    return fail(409, "RequestConflict", template, **details)


def inputError(template: str, **details: Any) -> FakeError:
    return fail(400, "InputError", template, **details)


def paginate(call: Call, rows: Sequence[Any]) -> Tuple[List[Any], Optional[str]]:
    """One page of ``rows`` by the query's ``limit`` (at most 1000) and
    ``continuationToken``; the token for the next page, when there is one."""
    try:
        offset = int(call.query.get("continuationToken") or 0)
        if offset < 0:
            raise ValueError
    except ValueError:
        raise inputError("Invalid continuationToken: it must be one returned by {{method}}",
                         method=call.method) from None
    try:
        limit = min(1000, int(call.query.get("limit") or 1000))
        if limit < 1:
            raise ValueError
    except ValueError:
        raise inputError("Invalid limit: it must be a positive integer") from None
    page = list(rows[offset:offset + limit])
    token = str(offset + limit) if offset + limit < len(rows) else None
    return page, token


def withToken(result: Dict[str, Any], token: Optional[str]) -> Dict[str, Any]:
    if token:
        result["continuationToken"] = token
    return result
