"""Pagination as the services do it: at most ``limit`` items a page, and a
``continuationToken`` while more remain.

The token is opaque to callers (here: the position of the next item,
base64url); the items are in a stable order (sorted by their key), so a
token stays meaningful while items are added.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ._service import FakeError

__all__ = ["page", "limit_of"]


def limit_of(call, default: int = 1000, maximum: int = 1000) -> int:
    text = call.query.get("limit")
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise FakeError(400, "InvalidRequestArguments",
                        "%s.%s: query limit must be a positive integer"
                        % (call.service, call.method))
    return min(value, maximum)


def _decode(call, token: str) -> int:
    try:
        value = int(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii"))
    except (ValueError, UnicodeError, binascii.Error):
        value = -1
    if value < 0:
        raise FakeError(400, "InvalidRequestArguments",
                        "%s.%s: the continuationToken is not one this deployment gave"
                        % (call.service, call.method))
    return value


def page(call, items: Sequence[Any], default: int = 1000,
         maximum: int = 1000) -> Tuple[List[Any], Dict[str, str]]:
    """(this page's items, ``{"continuationToken": ...}`` or ``{}``), the
    second to merge into the answer under the key the schema names."""
    limit = limit_of(call, default, maximum)
    token: Optional[str] = call.query.get("continuationToken")
    start = _decode(call, token) if token else 0
    chunk = list(items[start:start + limit])
    more: Dict[str, str] = {}
    if start + limit < len(items):
        more = {"continuationToken": base64.urlsafe_b64encode(
            str(start + limit).encode("ascii")).decode("ascii").rstrip("=")}
    return chunk, more

