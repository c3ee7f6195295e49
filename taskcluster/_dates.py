"""The two ways dates are written as text here.

``js_date`` is JavaScript's ``Date.toJSON()`` (UTC, milliseconds): what Node's
client writes, so what ``fromNowJSON`` must produce (the conformance suite
pins it).  ``package_date`` is the ``taskcluster`` package's ``stringDate``
(``isoformat()``, microseconds kept, UTC written ``Z``): what its
``stringDate`` and ``dumpJson`` produce, which only that package has.
"""

from __future__ import annotations

import datetime as _dt

__all__ = ["js_date", "package_date"]


def js_date(date: _dt.datetime) -> str:
    """``2026-11-24T10:11:15.123Z``; a naive datetime is taken as UTC."""
    if date.tzinfo is not None:
        date = date.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (
        date.year, date.month, date.day, date.hour, date.minute, date.second,
        date.microsecond // 1000)


def package_date(date) -> str:
    """``2026-11-24T10:11:15.123456Z``, ``2026-01-02T03:04:05Z`` (no fraction
    when there are no microseconds), ``...+02:00`` for other offsets; a naive
    datetime gets ``Z``.  A ``date`` is written ``2026-01-02``."""
    text = date.isoformat()
    if not isinstance(date, _dt.datetime):
        # The package fails on a date (a date has no utcoffset); write what
        # its dumpJson, which lets dates through, evidently meant.
        return text
    offset = date.utcoffset()
    if offset is None:
        return text + "Z"
    if not offset:
        # Any zero offset is UTC: isoformat() ends it "+00:00".
        return text[:-len("+00:00")] + "Z"
    return text
