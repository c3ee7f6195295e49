"""Exceptions raised by the Taskcluster client.

The hierarchy is the ``taskcluster`` package's, so handlers written for it
catch the same things::

    TaskclusterFailure                      root of everything this library raises
    +-- TaskclusterRestFailure              the service answered 4xx/5xx (not 401)
    |   +-- TaskclusterStorageError         a storage server did, during an upload or
    |                                       download (also aiohttp.ClientResponseError,
    |                                       as the package raises; in _storageerror)
    +-- TaskclusterAuthFailure              the service answered 401, or bad credentials
    +-- TaskclusterConnectionError          no answer after the retries ran out
    +-- TaskclusterResponseTooLarge         an answer over the maxResponseBytes option
    +-- TaskclusterResponseValidationError  an answer that fails its schema (validateResponses)
    +-- TaskclusterTopicExchangeFailure     a routing-key pattern could not be built
    +-- TaskclusterArtifactError            an "error" artifact was downloaded
    +-- ObjectHashVerificationError         downloaded data did not match its hashes
    +-- TaskclusterInputError               bad input, refused before anything is sent
        (also a ValueError; where the package raises a more specific class
        for the same mistake, the error is an instance of that class too:
        TaskclusterCredentialsError, TaskclusterRoutingKeyError,
        MissingScopeParameter)

As in the package, ``TaskclusterAuthFailure`` and ``TaskclusterRestFailure``
are siblings: ``except TaskclusterRestFailure`` does not catch a 401.

Every exception carries a message a person can act on (never ``None``), names
the method and URL where there is one (URLs never carry a bewit), answers
``status_code``, ``code``, ``body``, ``method``, ``url`` and ``superExc``
(None where they do not apply), and survives ``pickle``.  Constructors take
the package's positional forms as well, e.g.
``TaskclusterRestFailure(msg, superExc, status_code, body)``.
"""

from __future__ import annotations

from . import _mixcheck

_mixcheck.check()

__all__ = [
    "TaskclusterFailure",
    "TaskclusterRestFailure",
    "TaskclusterAuthFailure",
    "TaskclusterConnectionError",
    "TaskclusterTopicExchangeFailure",
    "TaskclusterArtifactError",
    "ObjectHashVerificationError",
    "TaskclusterInputError",
    "TaskclusterCredentialsError",
    "TaskclusterRoutingKeyError",
    "TaskclusterResponseTooLarge",
    "TaskclusterResponseValidationError",
    "MissingScopeParameter",
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
    superExc = None
    # For a 403 InsufficientScopes answer: the scope expression the caller
    # still lacks (see TaskclusterRestFailure).
    missingScopes = None

    def __init__(self, message=None, **fields):
        message = str(message) if message is not None else type(self).__name__
        # Exception's, by name: a subclass that is also another library's
        # exception (the storage error is aiohttp's too) takes other arguments.
        Exception.__init__(self, message)
        self.message = message
        self._fields = fields
        for key, value in fields.items():
            setattr(self, key, value)

    def __reduce__(self):
        # Exception's default pickling replays only ``args``; keep the fields.
        # The underlying exception (a transport's) may not pickle: keep its text.
        fields = dict(self._fields)
        if fields.get("superExc") is not None and not _pickles(fields["superExc"]):
            fields["superExc"] = repr(fields["superExc"])
        return (_rebuild, (type(self), self.message, fields))

    def __str__(self):
        return self.message


def _pickles(value) -> bool:
    import pickle
    try:
        pickle.dumps(value)
    except Exception:
        return False
    return True


def _rebuild(cls, message, fields):
    obj = cls.__new__(cls)
    TaskclusterFailure.__init__(obj, message, **fields)
    return obj


class TaskclusterRestFailure(TaskclusterFailure):
    """The service answered with a 4xx or 5xx status (after retries for 5xx).

    ``status_code``, ``code`` (the Taskcluster error code, e.g.
    ``ResourceNotFound``), ``body`` (the parsed JSON body, or the text when it
    is not JSON), ``method`` (``Service.method``), ``url`` and ``superExc``.
    The package's defaults apply when built by hand: ``status_code`` 500 and
    ``body`` ``{}``.

    For a 403 ``InsufficientScopes`` (a RestFailure, as in the package),
    ``missingScopes`` is the scope expression the caller still lacks, as
    ``taskcluster.scopes.removeGivenScopes`` gives it, when the answer says
    enough to know it; None otherwise.
    """

    def __init__(self, msg=None, superExc=None, status_code=500, body=None, *,
                 code=None, method=None, url=None, attempts=None, missingScopes=None):
        super().__init__(msg, superExc=superExc, status_code=status_code,
                         body={} if body is None else body, code=code, method=method,
                         url=url, attempts=attempts, missingScopes=missingScopes)


class TaskclusterResponseTooLarge(TaskclusterFailure):
    """The answer was larger than the ``maxResponseBytes`` option allows
    (counted after decompression); it was not read further.  Not retried."""

    def __init__(self, msg=None, *, status_code=None, limit=None, method=None, url=None,
                 attempts=None):
        super().__init__(msg, status_code=status_code, limit=limit, method=method, url=url,
                         attempts=attempts)


class TaskclusterResponseValidationError(TaskclusterFailure):
    """With ``validateResponses`` on, the service answered (2xx) with a value
    its method's output schema refuses: the server's output, not the
    caller's input, so not a ``TaskclusterInputError``.  Not retried.
    ``path`` is the JSON path of the offending value (``response.status``),
    ``rule`` the schema keyword, ``schema`` the output schema's id; also
    ``method``, ``url`` and ``status_code``.  Not the answer itself, which
    may hold a secret (a new client's accessToken)."""

    def __init__(self, msg=None, *, method=None, url=None, status_code=None, path=None,
                 rule=None, schema=None):
        super().__init__(msg, method=method, url=url, status_code=status_code, path=path,
                         rule=rule, schema=schema)


class TaskclusterAuthFailure(TaskclusterFailure):
    """The service answered 401 (the credentials were refused), or the
    credentials given cannot be used."""

    def __init__(self, msg=None, superExc=None, status_code=500, body=None, *,
                 code=None, method=None, url=None, attempts=None):
        super().__init__(msg, superExc=superExc, status_code=status_code,
                         body={} if body is None else body, code=code, method=method,
                         url=url, attempts=attempts)


class TaskclusterConnectionError(TaskclusterFailure):
    """No response was had (connection refused or reset, timeout) after the
    retries ran out."""

    def __init__(self, msg=None, superExc=None, *, method=None, url=None, attempts=None):
        super().__init__(msg, superExc=superExc, method=method, url=url, attempts=attempts)


class TaskclusterTopicExchangeFailure(TaskclusterFailure):
    """A routing-key pattern could not be built from the arguments given."""


class TaskclusterArtifactError(TaskclusterFailure):
    """The artifact is an ``error`` artifact; ``reason`` is its reason."""

    def __init__(self, message=None, reason=None, **fields):
        super().__init__(message, reason=reason, **fields)


class ObjectHashVerificationError(TaskclusterFailure):
    """Downloaded data did not match the hashes the object service holds."""


class TaskclusterInputError(TaskclusterFailure, ValueError):
    """A call was refused before sending: it names the method, the argument and
    what was expected.  A payload refused by its schema also carries ``path``
    (the JSON path of the offending value) and ``rule`` (the schema keyword)."""

    def __init__(self, message=None, *, method=None, argument=None, **detail):
        TaskclusterFailure.__init__(self, message, method=method, argument=argument, **detail)


class MissingScopeParameter(TaskclusterInputError):
    """A method's scope expression needs a parameter that was not given and
    cannot be derived from the call (``taskcluster.scopes.requiredScopes``):
    ``parameter`` names it, ``service`` and ``method`` say whose expression."""

    def __init__(self, message=None, *, method=None, argument=None, parameter=None,
                 service=None):
        TaskclusterFailure.__init__(self, message, method=method, argument=argument,
                                    parameter=parameter, service=service)


class TaskclusterCredentialsError(TaskclusterInputError, TaskclusterAuthFailure):
    """Credentials that cannot be used (the package raises
    ``TaskclusterAuthFailure`` for these)."""

    def __init__(self, message=None, *, method=None, argument=None):
        TaskclusterFailure.__init__(self, message, method=method, argument=argument)


class TaskclusterRoutingKeyError(TaskclusterInputError, TaskclusterTopicExchangeFailure):
    """A routing-key argument that cannot be used (the package raises
    ``TaskclusterTopicExchangeFailure`` for these)."""

    def __init__(self, message=None, *, method=None, argument=None):
        TaskclusterFailure.__init__(self, message, method=method, argument=argument)
