"""``taskcluster.github``, as the ``taskcluster`` package has it: the ``Github`` class and the client helpers it exports."""

from . import Github
from .client import config, createApiClient, createSession, createTemporaryCredentials

_defaultConfig = config

__all__ = ["Github", "_defaultConfig", "config", "createApiClient", "createSession",
           "createTemporaryCredentials"]
