"""``taskcluster.authevents``, as the ``taskcluster`` package has it: the ``AuthEvents`` class and the client helpers it exports."""

from . import AuthEvents
from .client import config, createApiClient, createSession, createTemporaryCredentials

_defaultConfig = config

__all__ = ["AuthEvents", "_defaultConfig", "config", "createApiClient", "createSession",
           "createTemporaryCredentials"]
