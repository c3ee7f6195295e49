"""Module-level clients: one shared ``config`` dict, nothing to instantiate.

::

    from taskcluster import client, config
    config['rootUrl'] = 'https://tc.example.com'
    config['credentials']['clientId'] = 'Bob'
    config['credentials']['accessToken'] = '...'
    client.queue.task(taskId)
    client.queueEvents.taskDefined(taskId='abc')

``config`` is read when a method is called, so changing it later takes
effect.  Keys left at ``None`` fall back to the ``TASKCLUSTER_*`` environment
variables.  Per-API options override the shared ones for one service only::

    client.queue.options['rootUrl'] = 'https://other.example.com'
    client.queue.options['credentials'] = {'clientId': ..., 'accessToken': ...}

Credentials are taken whole from the first of ``client.<api>.options``,
``config`` and the environment that has a clientId or accessToken.

This module also answers what the ``taskcluster`` package's
``taskcluster.client`` answers: ``BaseClient``, ``createApiClient``,
``config`` (defaults for every client made afterwards), ``createSession``
and ``createTemporaryCredentials``.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, Optional

from ._options import DEFAULTS, Options, options_from_environment
from ._services import SERVICES

from .utils import createTemporaryCredentials

__all__ = ["config", "ModuleApi", "BaseClient", "createApiClient", "createSession",  # noqa: F822
           "createTemporaryCredentials"] + [n[0].lower() + n[1:] for n in SERVICES]

# Options hides the accessToken and certificate from repr() and str().
config: Dict[str, Any] = Options({k: v for k, v in DEFAULTS.items()})
config["credentials"] = Options({"clientId": None, "accessToken": None, "certificate": None})


def __getattr__(name: str):
    # BaseClient and friends import the HTTP-free core only when asked for.
    if name == "BaseClient":
        from ._client import BaseClient
        return BaseClient
    raise AttributeError("module 'taskcluster.client' has no attribute %r" % name)


def createSession(*args, **kwargs):
    """A new ``requests.Session`` (arguments passed on), as the package's."""
    import requests
    return requests.Session(*args, **kwargs)


def createApiClient(name: str, api: Dict[str, Any]) -> type:
    """A client class named ``name`` from one reference document ``api`` (or
    the package's ``{"reference": document}`` form), e.g. a service or a
    method the bundled references do not have yet.  Its ``function`` and
    ``topic-exchange`` entries may be mixed: each becomes a method of its kind."""
    from ._classes import build_class, reference_from_document
    from ._client import BaseClient
    return build_class(str(name), reference_from_document(name, api), BaseClient)


def _has_credentials(creds: Any) -> bool:
    return isinstance(creds, dict) and bool(creds.get("clientId") or creds.get("accessToken"))


class ModuleApi:
    """A module-level API (``client.queue``): its methods build (and cache)
    a client from ``config`` and ``self.options`` at call time."""

    def __init__(self, class_name: str):
        self._class_name = class_name
        self.options: Dict[str, Any] = Options()
        self._lock = threading.Lock()
        self._cached: Optional[tuple] = None   # (effective options, client)

    def __repr__(self) -> str:
        return "<taskcluster.client.%s>" % (self._class_name[0].lower() + self._class_name[1:])

    def effective_options(self) -> Dict[str, Any]:
        """The options a call would use now (a new dict)."""
        env = options_from_environment()
        merged: Dict[str, Any] = {}
        for key in DEFAULTS:
            if key == "credentials":
                continue
            for layer in (self.options, config, env):
                value = layer.get(key)
                if value is not None:
                    merged[key] = value
                    break
        for layer in (self.options, config, env):
            creds = layer.get("credentials")
            if _has_credentials(creds):
                merged["credentials"] = {k: v for k, v in creds.items() if v is not None}
                break
        return merged

    def current(self):
        """The client a call would use now.  (Not named ``client``: Auth has
        an API method of that name, ``client.auth.client(clientId)``.)"""
        options = self.effective_options()
        cached = self._cached
        if cached is not None and cached[0] == options:
            return cached[1]
        from ._client import client_class
        with self._lock:
            instance = client_class(self._class_name)(options)
            # The previous client is not closed here: another thread may be
            # mid-call on it.  Its connections go when its last user drops it.
            self._cached = (options, instance)
        return instance

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        from ._client import client_class
        cls = client_class(self._class_name)
        if not hasattr(cls, name):
            raise AttributeError("%s has no method %r" % (self._class_name, name))
        api = self

        def call(*args, **kwargs):
            return getattr(api.current(), name)(*args, **kwargs)
        target = getattr(cls, name)
        call.__name__ = name
        call.__doc__ = getattr(target, "__doc__", None)
        sig = getattr(target, "__signature__", None)
        if sig is not None:
            params = list(sig.parameters.values())[1:]  # drop self
            call.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
        return call

    def __dir__(self):
        from ._client import client_class
        return sorted(set(dir(client_class(self._class_name))) | {"options"})


_apis = {n[0].lower() + n[1:]: ModuleApi(n) for n in SERVICES}
globals().update(_apis)
