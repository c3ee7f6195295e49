"""``taskcluster.aio.asyncclient``, as the ``taskcluster`` package has it:
``AsyncBaseClient``, ``createApiClient`` (async classes), ``createSession``
(an ``aiohttp.ClientSession``), and ``config``, ``BaseClient`` (the sync
base) and ``createTemporaryCredentials`` as the package's module re-exports
them."""

from .._aio import AsyncBaseClient, createApiClient, createSession
from .._client import BaseClient
from ..client import config, createTemporaryCredentials

__all__ = ["AsyncBaseClient", "BaseClient", "config", "createApiClient", "createSession",
           "createTemporaryCredentials"]
