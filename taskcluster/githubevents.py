"""``taskcluster.githubevents``, as the ``taskcluster`` package has it: the ``GithubEvents`` class and the client helpers it exports."""

from . import GithubEvents
from .client import config, createApiClient, createSession, createTemporaryCredentials

_defaultConfig = config

__all__ = ["GithubEvents", "_defaultConfig", "config", "createApiClient", "createSession",
           "createTemporaryCredentials"]
