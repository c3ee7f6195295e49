"""Utilities: slug ids, relative times, dates, scope matching, temporary
credentials, and the ``taskcluster`` package's helpers (JSON, base64, plain
HTTP requests with retries).  Time-taking functions accept the reference time,
so results can be pinned.  ``requests`` is imported by the functions that send,
when first called."""

from __future__ import annotations

import base64
import datetime as _dt
import json
import re
import time
from typing import Callable, Dict, Optional, Sequence

from . import _slugid
from ._dates import js_date, package_date
from ._plainhttp import (DELAY_FACTOR, MAX_DELAY, MAX_RETRIES, RANDOMIZATION_FACTOR,
                         calculateSleepTime, makeHttpRequest, makeSingleHttpRequest, putFile)
from ._tempcreds import create_temporary_credentials
from .exceptions import TaskclusterInputError

__all__ = ["slugId", "stableSlugId", "fromNow", "fromNowJSON", "stringDate",
           "parseTime", "scopeMatch", "scope_match", "createTemporaryCredentials",
           # the taskcluster package's helpers
           "optionsFromEnvironment", "isExpired", "dumpJson", "toStr", "makeB64UrlSafe",
           "makeB64UrlUnsafe", "encodeStringForB64Header", "calculateSleepTime",
           "makeHttpRequest", "makeSingleHttpRequest", "putFile",
           "MAX_RETRIES", "DELAY_FACTOR", "RANDOMIZATION_FACTOR", "MAX_DELAY"]

# Node's offset grammar: [sign] years months weeks days hours minutes seconds,
# each optional, in this order.
_TIME_EXP = re.compile(
    r"^(\s*(-|\+))?"
    r"(\s*(\d+)\s*y((ears?)|r)?)?"
    r"(\s*(\d+)\s*mo(nths?)?)?"
    r"(\s*(\d+)\s*w((eeks?)|k)?)?"
    r"(\s*(\d+)\s*d(ays?)?)?"
    r"(\s*(\d+)\s*h((ours?)|r)?)?"
    r"(\s*(\d+)\s*m(in(utes?)?)?)?"
    r"(\s*(\d+)\s*s(ec(onds?)?)?)?"
    r"\s*$", re.IGNORECASE | re.ASCII)


def slugId() -> str:
    """A new "nice" slug id (never starts with ``-``)."""
    return _slugid.nice()


def stableSlugId() -> Callable[[str], str]:
    """A function that returns the same new slug id for the same name:
    ``s = stableSlugId(); s('a') == s('a') != s('b')``."""
    made: Dict[str, str] = {}

    def get(name: str) -> str:
        if name not in made:
            made[name] = _slugid.nice()
        return made[name]
    return get


def parseTime(offset: str) -> Dict[str, int]:
    """Parse ``'1 day 2 hours'``, ``'-3h'``, ``'2 mo'``, ``'1y'`` into signed parts."""
    match = _TIME_EXP.match(offset or "")
    if not match:
        raise TaskclusterInputError("fromNow: %r isn't a time expression (e.g. '1 day 2 hours',"
                                    " '-3h', '2 mo')" % (offset,), method="fromNow",
                                    argument="offset")
    sign = -1 if match.group(2) == "-" else 1
    # Node reads seconds from group 25, the whole "<n> sec" group rather than
    # its number (26), and parseInt() takes the leading number of it.
    return {name: _parse_int(match.group(g)) * sign for name, g in (
        ("years", 4), ("months", 8), ("weeks", 11), ("days", 15), ("hours", 18),
        ("minutes", 22), ("seconds", 25))}


def _parse_int(text: Optional[str]) -> int:
    """JavaScript's ``parseInt(text || 0, 10)`` for the digits-led strings here."""
    digits = re.match(r"\s*(\d*)", text or "").group(1)
    return int(digits) if digits else 0


def fromNow(offset: str, dateObj: Optional[_dt.datetime] = None) -> _dt.datetime:
    """``dateObj`` (default: now, UTC) moved by ``offset``; a month is 30
    days and a year 365, as in Node's client."""
    if dateObj is None:
        dateObj = _dt.datetime.now(_dt.timezone.utc)
    p = parseTime(offset)
    days = p["days"] + 30 * p["months"] + 365 * p["years"]
    try:
        return dateObj + _dt.timedelta(weeks=p["weeks"], days=days, hours=p["hours"],
                                       minutes=p["minutes"], seconds=p["seconds"])
    except OverflowError:
        raise _OutOfRange("fromNow: the offset %r goes past the dates Python can hold "
                          "(years 1 to 9999)" % (offset,), method="fromNow",
                          argument="offset") from None


class _OutOfRange(TaskclusterInputError, OverflowError):
    """An offset past datetime's range: our clear error, and the
    OverflowError the ``taskcluster`` package let through."""


def stringDate(date: _dt.datetime) -> str:
    """A datetime as the ``taskcluster`` package writes it: ``isoformat()``
    with UTC written ``Z`` (``2026-11-24T10:11:15.123456Z``; naive means UTC;
    other offsets are kept, ``...+02:00``)."""
    return package_date(date)


def fromNowJSON(offset: str, dateObj: Optional[_dt.datetime] = None) -> str:
    """:func:`fromNow` as JavaScript's ``Date.toJSON()`` writes it
    (``2026-11-24T10:11:15.123Z``), as Node's client does; the ``taskcluster``
    package keeps microseconds here."""
    return js_date(fromNow(offset, dateObj))


def scopeMatch(assumedScopes: Sequence[str], requiredScopeSets: Sequence[Sequence[str]]) -> bool:
    """True if some set in ``requiredScopeSets`` is satisfied by
    ``assumedScopes``, where ``a*`` satisfies any scope starting with ``a``."""
    if isinstance(requiredScopeSets, str) or not isinstance(requiredScopeSets, (list, tuple)):
        raise TaskclusterInputError("scopeMatch: requiredScopeSets must be a list of lists of "
                                    "scopes", method="scopeMatch", argument="requiredScopeSets")

    def satisfied(required: str) -> bool:
        for scope in assumedScopes:
            if scope == required or (scope.endswith("*") and required.startswith(scope[:-1])):
                return True
        return False

    for scope_set in requiredScopeSets:
        if isinstance(scope_set, str):
            raise TaskclusterInputError("scopeMatch: each required scope set must be a list of "
                                        "scopes, not the string %r" % scope_set,
                                        method="scopeMatch", argument="requiredScopeSets")
        if all(satisfied(s) for s in scope_set):
            return True
    return False


def scope_match(assumed_scopes, required_scope_sets) -> bool:
    """Deprecated spelling of :func:`scopeMatch`; warns, as the package does."""
    import warnings
    # UserWarning, not DeprecationWarning: the package's warning is shown by
    # default, and code written for it may filter on the category.
    warnings.warn("scope_match is deprecated: use scopeMatch", UserWarning, stacklevel=2)
    return scopeMatch(assumed_scopes, required_scope_sets)


def createTemporaryCredentials(clientId, accessToken, start, expiry, scopes, name=None, **kw):
    """Temporary credentials issued by ``clientId``/``accessToken`` for
    ``scopes`` from ``start`` to ``expiry`` (datetimes, at most 31 days apart);
    named when ``name`` is given.  Returns ``{clientId, accessToken,
    certificate}``, byte-identical to Node's for the same seed (``seed=``)."""
    return create_temporary_credentials(clientId, accessToken, start, expiry, scopes, name, **kw)


def optionsFromEnvironment(defaults=None) -> dict:
    """``defaults`` with the ``TASKCLUSTER_*`` environment variables set over
    them: where both give a value, the environment wins, as in the
    ``taskcluster`` package.  ``defaults`` is not changed; returns a new dict."""
    from ._options import options_from_environment
    return options_from_environment(defaults)


# -- the taskcluster package's helpers: same names, same outputs --------------

def isExpired(certificate, *, now: Optional[int] = None) -> bool:
    """True if a temporary credentials' ``certificate`` (a dict or its JSON)
    has expired, or will within 1.2 s (``now``: milliseconds since the epoch,
    default the clock).  A certificate without ``expiry`` counts as expired."""
    if isinstance(certificate, (str, bytes)):
        try:
            certificate = json.loads(certificate)
        except ValueError:
            certificate = None
    if not isinstance(certificate, dict):
        # Never echo the certificate: it is a secret.
        raise TaskclusterInputError("isExpired: certificate must be a dict or its JSON text",
                                    method="isExpired", argument="certificate")
    if now is None:
        now = int(time.time() * 1000)
    # The package adds 20 * 60 to a time in milliseconds: a 1.2 s margin.
    return certificate.get("expiry", 0) < now + 20 * 60


def _json_default(value):
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, _dt.date):
        return package_date(value)
    # A ValueError, as the package's (it fails with "Circular reference").
    raise TaskclusterInputError("dumpJson: a %s is not JSON serializable (datetimes, dates "
                                "and UTF-8 bytes are converted)" % type(value).__name__,
                                method="dumpJson", argument="obj")


def dumpJson(obj, **kwargs) -> str:
    """Compact JSON (no spaces after ``,`` and ``:``), datetimes written by
    :func:`stringDate`, bytes decoded as UTF-8; ``kwargs`` go to ``json.dumps``."""
    return json.dumps(obj, separators=(",", ":"), default=_json_default, **kwargs)


def toStr(obj, encoding: str = "utf-8") -> str:
    """Bytes decoded with ``encoding``; anything else through ``str()``."""
    return obj.decode(encoding) if isinstance(obj, bytes) else str(obj)


def _as_bytes(text) -> bytes:
    return text.encode() if isinstance(text, str) else text


def makeB64UrlSafe(b64str) -> bytes:
    """Standard base64 (str or bytes) rewritten in the URL-safe alphabet
    (RFC 4648 section 5): ``+`` becomes ``-``, ``/`` becomes ``_``."""
    return _as_bytes(b64str).translate(_TO_URLSAFE)


def makeB64UrlUnsafe(b64str) -> bytes:
    """URL-safe base64 (str or bytes) back to the standard alphabet."""
    return _as_bytes(b64str).translate(_FROM_URLSAFE)


_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


def encodeStringForB64Header(s) -> bytes:
    """Base64 of ``s`` (str as UTF-8, or bytes) on one line, fit for a header."""
    return base64.b64encode(_as_bytes(s))
