"""Temporary credentials, byte-identical to Node's ``createTemporaryCredentials``.

The certificate is compact JSON with Node's key order (version, scopes,
start, expiry, seed, signature, then issuer for named credentials); start and
expiry are milliseconds since the epoch.  The seed is a parameter (two v4 slug
ids by default) so results can be pinned.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import hmac
from typing import Callable, Optional, Sequence

from . import _slugid
from ._hawk import compact_json
from .exceptions import TaskclusterInputError

__all__ = ["create_temporary_credentials", "to_millis", "MAX_SPAN_MS"]

MAX_SPAN_MS = 31 * 24 * 60 * 60 * 1000
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
_LABEL = "createTemporaryCredentials"


def _fail(argument: str, what: str) -> TaskclusterInputError:
    return TaskclusterInputError("%s: %s" % (_LABEL, what), method=_LABEL, argument=argument)


def to_millis(value, argument: str = "time") -> int:
    """Milliseconds since the epoch of a datetime (naive means UTC), as
    JavaScript's ``Date.getTime()``; an int is taken as milliseconds."""
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        return (value - _EPOCH) // _dt.timedelta(milliseconds=1)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _fail(argument, "%s must be a datetime, not %s" % (argument, type(value).__name__))


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def create_temporary_credentials(clientId: str, accessToken: str, start, expiry,
                                 scopes: Sequence[str], name: Optional[str] = None, *,
                                 certificate=None,
                                 seed: Optional[str] = None,
                                 new_slug: Callable[[], str] = _slugid.v4) -> dict:
    if certificate:
        raise _fail("certificate", "a certificate was given, but temporary credentials "
                    "cannot be used to make new temporary credentials; issue them with "
                    "permanent credentials")
    if not clientId or not isinstance(clientId, str):
        raise _fail("clientId", "clientId (the issuer) is required, as a str")
    if not accessToken or not isinstance(accessToken, str):
        raise _fail("accessToken", "the issuer's accessToken is required, as a str")
    if isinstance(scopes, str) or not isinstance(scopes, (list, tuple)) or \
            not all(isinstance(s, str) for s in scopes):
        raise _fail("scopes", "scopes must be a list of strings, not %r" % (scopes,))
    start_ms, expiry_ms = to_millis(start, "start"), to_millis(expiry, "expiry")
    if expiry_ms - start_ms > MAX_SPAN_MS:
        raise _fail("expiry", "credentials cannot span more than 31 days (start %d ms, "
                    "expiry %d ms)" % (start_ms, expiry_ms))
    if name is not None and not isinstance(name, str):
        raise _fail("name", "name must be a str, not %s" % type(name).__name__)
    named = bool(name)
    if named and name == clientId:
        raise _fail("name", "the name of named credentials must differ from the issuer %r"
                    % clientId)
    if seed is None:
        seed = new_slug() + new_slug()

    cert = {"version": 1, "scopes": list(scopes), "start": start_ms, "expiry": expiry_ms,
            "seed": seed, "signature": None}
    if named:
        cert["issuer"] = clientId
    lines = ["version:1"]
    if named:
        lines += ["clientId:" + name, "issuer:" + clientId]
    lines += ["seed:" + seed, "start:%d" % start_ms, "expiry:%d" % expiry_ms, "scopes:"]
    text = "\n".join(lines) + "\n" + "\n".join(scopes)
    key = accessToken.encode("utf-8")
    cert["signature"] = base64.b64encode(
        hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()).decode("ascii")
    token = _b64url(hmac.new(key, seed.encode("utf-8"), hashlib.sha256).digest())
    return {"clientId": name if named else clientId, "accessToken": token,
            "certificate": compact_json(cert)}
