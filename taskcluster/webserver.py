"""``taskcluster.webserver``, as the ``taskcluster`` package has it: the ``WebServer`` class and the client helpers it exports."""

from . import WebServer
from .client import config, createApiClient, createSession, createTemporaryCredentials

_defaultConfig = config

__all__ = ["WebServer", "_defaultConfig", "config", "createApiClient", "createSession",
           "createTemporaryCredentials"]
