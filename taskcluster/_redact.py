"""Secrets out of text that is shown: messages, log lines, command-line output.

Presigned storage URLs carry their credential and signature in the query
(``X-Amz-Credential``, ``X-Amz-Signature``, Azure's ``sig``, GCS's
``Signature``, ``token``), queue URLs a ``bewit``.  A URL's query is never
needed to say what failed, so text that may quote one (an HTTP library's
exception, a log record) loses every query, and any signed parameter left
on its own loses its value.
"""

from __future__ import annotations

import re

__all__ = ["scrub", "urls_hidden", "SIGNED_PARAMETERS"]

SIGNED_PARAMETERS = ("X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token",
                     "Signature", "sig", "bewit", "token")

# A query: "?" then anything up to a space, a quote or a closing bracket.
_QUERY = re.compile(r"\?[^\s'\"<>()\[\]{}]+")
_PARAMETER = re.compile(r"(?i)(?<![\w-])(%s)=[^&\s'\"<>()\[\]{}]*"
                        % "|".join(re.escape(p) for p in SIGNED_PARAMETERS))


def scrub(text: str) -> str:
    """``text`` with every URL query replaced by ``?...`` and the value of
    any signed parameter outside one hidden."""
    text = _QUERY.sub("?...", text)
    return _PARAMETER.sub(lambda m: "%s=<hidden>" % m.group(1), text)


# -- the HTTP library's own log records of our requests --------------------------------

_hiding = None          # a threading.local, made on first use
_URLLIB3_LOGGERS = ("urllib3.connectionpool", "urllib3.connection", "urllib3.util.retry",
                    "urllib3.poolmanager")


class _HideQueries:
    """A filter on urllib3's loggers: while this thread sends one of our
    presigned requests, a record's text loses its URL queries.  Records of
    anyone else's requests are left as they are."""

    def filter(self, record) -> bool:
        if getattr(_hiding, "depth", 0):
            text = record.getMessage()
            record.msg, record.args = scrub(text), None
        return True


class urls_hidden:
    """``with urls_hidden(): session.get(presigned_url)``: urllib3's DEBUG
    records of the requests made in the block, in this thread, show no URL
    query.  (urllib3 logs each request line: a presigned URL's signature.)"""

    def __enter__(self):
        global _hiding
        if _hiding is None:
            import logging
            import threading
            _hiding = threading.local()
            hide = _HideQueries()
            for name in _URLLIB3_LOGGERS:
                logging.getLogger(name).addFilter(hide)
        _hiding.depth = getattr(_hiding, "depth", 0) + 1
        return self

    def __exit__(self, *exc) -> None:
        _hiding.depth -= 1
