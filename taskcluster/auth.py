"""``taskcluster.auth``, as the ``taskcluster`` package has it: the ``Auth`` class and the client helpers it exports."""

from . import Auth
from .client import config, createApiClient, createSession, createTemporaryCredentials

_defaultConfig = config

__all__ = ["Auth", "_defaultConfig", "config", "createApiClient", "createSession",
           "createTemporaryCredentials"]
