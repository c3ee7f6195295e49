"""``taskcluster.purgecache``, as the ``taskcluster`` package has it: the ``PurgeCache`` class and the client helpers it exports."""

from . import PurgeCache
from .client import config, createApiClient, createSession, createTemporaryCredentials

_defaultConfig = config

__all__ = ["PurgeCache", "_defaultConfig", "config", "createApiClient", "createSession",
           "createTemporaryCredentials"]
