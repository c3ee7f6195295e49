"""An HTTP trace at DEBUG on the ``taskcluster.http`` logger: one line per
answer, ``GET <url> -> 200 (12 ms)``, for the command line's ``--debug``
and for anyone who turns that logger on.

Only what is safe to show: the method, the URL with every signed query
value (a presigned storage URL's ``X-Amz-Signature``, a bewit, ...)
replaced by ``REDACTED``, the status and the time to the answer's head.
Never a header (the Authorization header is Hawk's).  A session gets the
hook only when the logger is on as the session is made: otherwise a call
pays nothing for it.
"""

from __future__ import annotations

import logging
import re

__all__ = ["log", "redact_url", "watch_session"]

log = logging.getLogger("taskcluster.http")

# Query keys that carry a signature, a credential or a token (S3 and GCS
# presigning, Azure SAS, Hawk bewits, CloudFront), compared in lower case.
_SIGNED = {"x-amz-signature", "x-amz-credential", "x-amz-security-token", "signature",
           "sig", "bewit", "token", "x-goog-signature", "x-goog-credential", "googleaccessid",
           "policy", "access_token"}
_PAIR = re.compile(r"([?&])([^=&#]*)=([^&#]*)")


def redact_url(url: str) -> str:
    """``url`` with the value of every signed query key replaced."""
    def replace(m):
        key = m.group(2)
        if key.lower() in _SIGNED:
            return "%s%s=REDACTED" % (m.group(1), key)
        return m.group(0)
    return _PAIR.sub(replace, url) if "?" in url else url


def _hook(response, *args, **kwargs):
    if log.isEnabledFor(logging.DEBUG):
        request = response.request
        log.debug("%s %s -> %d (%.0f ms)", request.method, redact_url(request.url),
                  response.status_code, response.elapsed.total_seconds() * 1000)
    return response


def watch_session(session) -> None:
    """Trace ``session``'s answers (a ``requests.Session``) while the logger is on."""
    if log.isEnabledFor(logging.DEBUG):
        session.hooks["response"].append(_hook)
