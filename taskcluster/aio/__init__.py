"""Async clients, as the ``taskcluster`` package's ``taskcluster.aio``::

    import taskcluster.aio
    async with taskcluster.aio.Queue({'rootUrl': ...}) as queue:
        task = await queue.task(taskId)
        async for page in queue.pages('listTaskGroup', taskGroupId):
            ...

Every API method is a coroutine, with the binding, docstring and signature
of its sync twin; ``buildUrl``, ``buildSignedUrl`` and the routing-key
methods are plain functions.  aiohttp carries the calls; it is imported
when a client first sends, so importing this package stays cheap.
"""

# (no ``from __future__ import annotations`` here: it would show in dir())
from .._services import SERVICES as _SERVICES
from ..exceptions import (ObjectHashVerificationError, TaskclusterArtifactError,
                          TaskclusterAuthFailure, TaskclusterConnectionError,
                          TaskclusterFailure, TaskclusterInputError,
                          TaskclusterResponseTooLarge, TaskclusterResponseValidationError,
                          TaskclusterRestFailure, TaskclusterTopicExchangeFailure)
from .. import _UTILS

_MODULES = tuple(name.lower() for name in _SERVICES)  # taskcluster.aio.queue, ...

__all__ = [
    *_SERVICES,
    "createSession", *_UTILS,
    "TaskclusterFailure", "TaskclusterInputError", "TaskclusterRestFailure",
    "TaskclusterAuthFailure", "TaskclusterConnectionError", "TaskclusterTopicExchangeFailure",
    "TaskclusterArtifactError", "ObjectHashVerificationError", "TaskclusterResponseTooLarge",
    "TaskclusterResponseValidationError",
]


def createSession(*args, **kwargs):
    """A new ``aiohttp.ClientSession`` (arguments passed on), as the package's."""
    from .._aio import createSession as create
    return create(*args, **kwargs)


def __getattr__(name: str):
    import importlib

    if name in _SERVICES:
        from .._aio import async_client_class
        cls = async_client_class(name)
        globals()[name] = cls
        return cls
    if name in _UTILS:
        value = getattr(importlib.import_module("taskcluster.utils"), name)
        globals()[name] = value
        return value
    if name in ("asyncclient", "upload", "download", "reader_writer", "pulse") or name in _MODULES:
        return importlib.import_module(__name__ + "." + name)
    raise AttributeError("module 'taskcluster.aio' has no attribute %r" % name)


def __dir__():
    return sorted({n for n in globals() if n.startswith("__")} | set(__all__))
