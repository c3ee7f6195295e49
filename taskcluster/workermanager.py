"""``taskcluster.workermanager``, as the ``taskcluster`` package has it: the ``WorkerManager`` class and the client helpers it exports."""

from . import WorkerManager
from .client import config, createApiClient, createSession, createTemporaryCredentials

_defaultConfig = config

__all__ = ["WorkerManager", "_defaultConfig", "config", "createApiClient", "createSession",
           "createTemporaryCredentials"]
