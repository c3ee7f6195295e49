"""Slug ids: 22-character URL-safe base64 encodings of v4 UUIDs."""

from __future__ import annotations

import base64
import uuid

__all__ = ["v4", "nice"]


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii")[:22]


def v4() -> str:
    """A random slug id (as the npm ``slugid`` package's ``v4``)."""
    return _encode(uuid.uuid4().bytes)


def nice() -> str:
    """A random slug id that does not start with ``-`` (its first bit is
    clear), so it is safe on a command line; as ``slugid.nice()``."""
    raw = bytearray(uuid.uuid4().bytes)
    raw[0] &= 0x7F
    return _encode(bytes(raw))
