"""``taskcluster.queue``, as the ``taskcluster`` package has it: the ``Queue`` class and the client helpers it exports."""

from . import Queue
from .client import config, createApiClient, createSession, createTemporaryCredentials

_defaultConfig = config

__all__ = ["Queue", "_defaultConfig", "config", "createApiClient", "createSession",
           "createTemporaryCredentials"]
