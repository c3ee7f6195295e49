"""``taskcluster.secrets``, as the ``taskcluster`` package has it: the ``Secrets`` class and the client helpers it exports."""

from . import Secrets
from .client import config, createApiClient, createSession, createTemporaryCredentials

_defaultConfig = config

__all__ = ["Secrets", "_defaultConfig", "config", "createApiClient", "createSession",
           "createTemporaryCredentials"]
