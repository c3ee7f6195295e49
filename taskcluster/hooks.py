"""``taskcluster.hooks``, as the ``taskcluster`` package has it: the ``Hooks`` class and the client helpers it exports."""

from . import Hooks
from .client import config, createApiClient, createSession, createTemporaryCredentials

_defaultConfig = config

__all__ = ["Hooks", "_defaultConfig", "config", "createApiClient", "createSession",
           "createTemporaryCredentials"]
