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

from __future__ import annotations

from ._services import SERVICES as _SERVICES
from .exceptions import (TaskclusterAuthFailure, TaskclusterConnectionError,
                         TaskclusterFailure, TaskclusterInputError,
                         TaskclusterRestFailure)

__version__ = "0.1.0"

__all__ = [
    # client classes, one per service
    *_SERVICES,
    # module-level interface
    "client", "config",
    # helpers
    "optionsFromEnvironment", "createTemporaryCredentials", "slugId", "stableSlugId",
    "fromNow", "fromNowJSON", "stringDate", "scopeMatch",
    # exceptions
    "TaskclusterFailure", "TaskclusterInputError", "TaskclusterRestFailure",
    "TaskclusterAuthFailure", "TaskclusterConnectionError", "exceptions",
]

_UTILS = ("createTemporaryCredentials", "slugId", "stableSlugId", "fromNow",
          "fromNowJSON", "stringDate", "scopeMatch")


def optionsFromEnvironment(defaults=None) -> dict:
    """Options from the ``TASKCLUSTER_*`` environment variables; keys given in
    ``defaults`` win.  Returns a new dict."""
    from ._options import options_from_environment
    return options_from_environment(defaults)


def __getattr__(name: str):
    if name in _SERVICES:
        from ._client import client_class
        cls = client_class(name)
        globals()[name] = cls
        return cls
    if name in _UTILS:
        import importlib
        value = getattr(importlib.import_module(__name__ + ".utils"), name)
        globals()[name] = value
        return value
    if name in ("client", "config"):
        import importlib
        module = importlib.import_module(__name__ + ".client")
        return module if name == "client" else module.config
    raise AttributeError("module 'taskcluster' has no attribute %r" % name)


def __dir__():
    return sorted(set(globals()) | set(__all__))
