"""Taskcluster client for Python, built at run time from the API references.

Two interfaces::

    # module-level clients sharing one options dict, nothing to instantiate
    from taskcluster import client, config
    config['rootUrl'] = 'https://tc.example.com'
    config['credentials']['clientId'] = 'Bob'
    client.index.findTask('my-namespace')

    # per-client options, as the ``taskcluster`` package
    import taskcluster
    taskcluster.Queue({'rootUrl': ..., 'credentials': {...}}).task(taskId)

Importing this package is cheap: the references and the HTTP layer are
loaded when first needed.
"""

# (no ``from __future__ import annotations`` here: it would show in dir())
from ._services import SERVICES as _SERVICES
from .exceptions import (ObjectHashVerificationError, TaskclusterArtifactError,
                         TaskclusterAuthFailure, TaskclusterConnectionError,
                         TaskclusterFailure, TaskclusterInputError,
                         TaskclusterResponseTooLarge, TaskclusterResponseValidationError,
                         TaskclusterRestFailure, TaskclusterTopicExchangeFailure)

__version__ = "0.1.0"

# Names the ``taskcluster`` package exports from ``taskcluster.utils``, and
# where each lives here; all are loaded on first use.
_UTILS = ("optionsFromEnvironment", "createTemporaryCredentials", "slugId", "stableSlugId", "fromNow", "fromNowJSON",
          "stringDate", "scopeMatch", "scope_match", "isExpired", "dumpJson", "toStr",
          "makeB64UrlSafe", "makeB64UrlUnsafe", "encodeStringForB64Header",
          "calculateSleepTime", "makeHttpRequest", "makeSingleHttpRequest", "putFile",
          "MAX_RETRIES", "DELAY_FACTOR", "RANDOMIZATION_FACTOR", "MAX_DELAY")
_SUBMODULES = ("utils", "client", "exceptions", "helper", "retry", "upload", "download", "aio",
               "scopes", "pulse")

__all__ = [
    # client classes, one per service
    *_SERVICES,
    # module-level interface
    "client", "config",
    # helpers
    "createSession", *_UTILS,
    # exceptions
    "TaskclusterFailure", "TaskclusterInputError", "TaskclusterRestFailure",
    "TaskclusterAuthFailure", "TaskclusterConnectionError", "TaskclusterTopicExchangeFailure",
    "TaskclusterArtifactError", "ObjectHashVerificationError", "TaskclusterResponseTooLarge",
    "TaskclusterResponseValidationError", "exceptions",
]


def createSession(*args, **kwargs):
    """A new ``requests.Session`` (arguments passed on), as the package's."""
    from ._client import createSession as create
    return create(*args, **kwargs)


def __getattr__(name: str):
    import importlib

    if name in _SERVICES:
        from ._client import client_class
        cls = client_class(name)
        globals()[name] = cls
        return cls
    if name in _UTILS:
        value = getattr(importlib.import_module(__name__ + ".utils"), name)
        globals()[name] = value
        return value
    if name == "config":
        return importlib.import_module(__name__ + ".client").config
    if name in _SUBMODULES:
        return importlib.import_module(__name__ + "." + name)
    raise AttributeError("module 'taskcluster' has no attribute %r" % name)


def __dir__():
    return sorted({n for n in globals() if n.startswith("__")} | set(__all__) | set(_SUBMODULES))
