"""``taskcluster.index``, as the ``taskcluster`` package has it: the ``Index`` class and the client helpers it exports."""

from . import Index
from .client import config, createApiClient, createSession, createTemporaryCredentials

_defaultConfig = config

__all__ = ["Index", "_defaultConfig", "config", "createApiClient", "createSession",
           "createTemporaryCredentials"]
