"""``taskcluster.object``, as the ``taskcluster`` package has it: the ``Object`` class and the client helpers it exports."""

from . import Object
from .client import config, createApiClient, createSession, createTemporaryCredentials

_defaultConfig = config

__all__ = ["Object", "_defaultConfig", "config", "createApiClient", "createSession",
           "createTemporaryCredentials"]
