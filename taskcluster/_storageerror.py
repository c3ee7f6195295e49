"""The error for a storage server's HTTP answer during an upload or download.

The ``taskcluster`` package's transfer helpers run on aiohttp, sync ones
included, so code written for it catches a storage server's 4xx or 5xx as
``aiohttp.ClientResponseError`` and reads ``.status``.  This error is that
and a :class:`~taskcluster.exceptions.TaskclusterRestFailure` at once.  Its
module imports aiohttp, so it is imported only when such an answer comes.
"""

from __future__ import annotations

import aiohttp

from .exceptions import TaskclusterRestFailure

__all__ = ["TaskclusterStorageError"]


class TaskclusterStorageError(TaskclusterRestFailure, aiohttp.ClientResponseError):
    """A storage server (a presigned URL's) answered 4xx or 5xx.

    ``status`` (aiohttp's name) is ``status_code``; ``url`` is the URL
    without its query (the signature); ``request_info`` is None, since the
    request it would describe was signed; ``history`` is empty."""

    # aiohttp's attributes, as plain values: the request that would fill
    # request_info carried the signature.
    request_info = None
    history = ()
    headers = None

    @property
    def status(self):
        return self.status_code

    def __repr__(self) -> str:
        return "%s(%r, status=%r)" % (type(self).__name__, self.message, self.status_code)
