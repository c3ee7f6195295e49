"""``taskcluster.hooksevents``, as the ``taskcluster`` package has it: the ``HooksEvents`` class and the client helpers it exports."""

from . import HooksEvents
from .client import config, createApiClient, createSession, createTemporaryCredentials

_defaultConfig = config

__all__ = ["HooksEvents", "_defaultConfig", "config", "createApiClient", "createSession",
           "createTemporaryCredentials"]
