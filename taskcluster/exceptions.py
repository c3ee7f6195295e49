"""Exceptions raised by the Taskcluster client.

Hierarchy::

    TaskclusterFailure                  root of everything this library raises
    +-- TaskclusterInputError           bad input, refused before anything is sent
    +-- TaskclusterRestFailure          the service answered with an error status
    |   +-- TaskclusterAuthFailure      ... a 401
    +-- TaskclusterConnectionError      no answer after the retries ran out

Every exception carries a message a person can act on (never ``None``), names
the method and URL where there is one (URLs never carry a bewit), answers
``status_code``, ``code``, ``body``, ``method`` and ``url`` (None where they do
not apply), and survives ``pickle``: attributes are rebuilt from the
constructor's keyword arguments.
"""

from __future__ import annotations

__all__ = [
    "TaskclusterFailure",
    "TaskclusterInputError",
    "TaskclusterRestFailure",
    "TaskclusterAuthFailure",
    "TaskclusterConnectionError",
]


class TaskclusterFailure(Exception):
    """Base exception for all Taskcluster client errors."""

    # Every exception answers these, None where they do not apply, so a
    # handler of TaskclusterFailure reads them without hasattr().
    status_code = None
    code = None
    body = None
    method = None
    url = None

    def __init__(self, message, **fields):
        message = str(message) if message is not None else type(self).__name__
        super().__init__(message)
        self.message = message
        self._fields = fields
        for key, value in fields.items():
            setattr(self, key, value)

    def __reduce__(self):
        # Exception's default pickling replays only ``args``; keep the fields.
        # The underlying exception (a transport's) may not pickle: keep its text.
        fields = dict(self._fields)
        if fields.get("superExc") is not None:
            fields["superExc"] = repr(fields["superExc"])
        return (_rebuild, (type(self), self.message, fields))

    def __str__(self):
        return self.message


def _rebuild(cls, message, fields):
    return cls(message, **fields)


class TaskclusterInputError(TaskclusterFailure, ValueError):
    """A call was refused before sending: it names the method, the argument and
    what was expected."""

    def __init__(self, message, *, method=None, argument=None):
        super().__init__(message, method=method, argument=argument)


class TaskclusterRestFailure(TaskclusterFailure):
    """The service answered with a 4xx or 5xx status (after retries for 5xx).

    ``status_code``, ``code`` (the Taskcluster error code, e.g.
    ``ResourceNotFound``), ``body`` (the parsed JSON body, or the text when it
    is not JSON), ``method`` (``Service.method``) and ``url`` are kept.
    ``superExc`` is kept for compatibility with the ``taskcluster`` package.
    """

    def __init__(self, message, *, status_code=None, code=None, body=None,
                 method=None, url=None, superExc=None):
        super().__init__(message, status_code=status_code, code=code, body=body,
                         method=method, url=url, superExc=superExc)


class TaskclusterAuthFailure(TaskclusterRestFailure):
    """The service answered 401: the credentials were refused."""


class TaskclusterConnectionError(TaskclusterFailure):
    """No response was had (connection refused or reset, timeout) after the
    retries ran out."""

    def __init__(self, message, *, method=None, url=None, superExc=None):
        super().__init__(message, method=method, url=url, superExc=superExc)
