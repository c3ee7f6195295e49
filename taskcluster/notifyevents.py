"""``taskcluster.notifyevents``, as the ``taskcluster`` package has it: the ``NotifyEvents`` class and the client helpers it exports."""

from . import NotifyEvents
from .client import config, createApiClient, createSession, createTemporaryCredentials

_defaultConfig = config

__all__ = ["NotifyEvents", "_defaultConfig", "config", "createApiClient", "createSession",
           "createTemporaryCredentials"]
