"""``taskcluster.workermanagerevents``, as the ``taskcluster`` package has it: the ``WorkerManagerEvents`` class and the client helpers it exports."""

from . import WorkerManagerEvents
from .client import config, createApiClient, createSession, createTemporaryCredentials

_defaultConfig = config

__all__ = ["WorkerManagerEvents", "_defaultConfig", "config", "createApiClient", "createSession",
           "createTemporaryCredentials"]
