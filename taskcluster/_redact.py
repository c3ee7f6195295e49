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

__all__ = ["scrub", "SIGNED_PARAMETERS"]

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
