"""Utilities: slug ids, relative times, dates, scope matching, temporary
credentials.  Time-taking functions accept the reference time, so results
can be pinned."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Callable, Dict, Optional, Sequence

from . import _slugid
from ._tempcreds import create_temporary_credentials
from .exceptions import TaskclusterInputError

__all__ = ["slugId", "stableSlugId", "fromNow", "fromNowJSON", "stringDate",
           "parseTime", "scopeMatch", "createTemporaryCredentials"]

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
    return dateObj + _dt.timedelta(weeks=p["weeks"], days=days, hours=p["hours"],
                                   minutes=p["minutes"], seconds=p["seconds"])


def stringDate(date: _dt.datetime) -> str:
    """A datetime as JavaScript's ``Date.toJSON()`` writes it:
    ``2026-11-24T10:11:15.123Z`` (UTC, milliseconds; naive means UTC)."""
    if date.tzinfo is not None:
        date = date.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (
        date.year, date.month, date.day, date.hour, date.minute, date.second,
        date.microsecond // 1000)


def fromNowJSON(offset: str, dateObj: Optional[_dt.datetime] = None) -> str:
    """:func:`fromNow` as a ``Date.toJSON()`` string."""
    return stringDate(fromNow(offset, dateObj))


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


def createTemporaryCredentials(clientId, accessToken, start, expiry, scopes, name=None, **kw):
    """Temporary credentials issued by ``clientId``/``accessToken`` for
    ``scopes`` from ``start`` to ``expiry`` (datetimes, at most 31 days apart);
    named when ``name`` is given.  Returns ``{clientId, accessToken,
    certificate}``, byte-identical to Node's for the same seed (``seed=``)."""
    return create_temporary_credentials(clientId, accessToken, start, expiry, scopes, name, **kw)
