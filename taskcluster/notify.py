"""``taskcluster.notify``, as the ``taskcluster`` package has it: the ``Notify`` class and the client helpers it exports."""

from . import Notify
from .client import config, createApiClient, createSession, createTemporaryCredentials

_defaultConfig = config

__all__ = ["Notify", "_defaultConfig", "config", "createApiClient", "createSession",
           "createTemporaryCredentials"]
