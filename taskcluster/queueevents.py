"""``taskcluster.queueevents``, as the ``taskcluster`` package has it: the ``QueueEvents`` class and the client helpers it exports."""

from . import QueueEvents
from .client import config, createApiClient, createSession, createTemporaryCredentials

_defaultConfig = config

__all__ = ["QueueEvents", "_defaultConfig", "config", "createApiClient", "createSession",
           "createTemporaryCredentials"]
