"""``taskcluster.helper``, as the ``taskcluster`` package has it: a small
configuration object for scripts and tasks, and two shortcuts.

    tc = TaskclusterConfig("https://tc.example.com")
    tc.auth()                      # credentials from the arguments, the
                                   # environment, or the taskcluster-proxy
    queue = tc.get_service("queue")
    secrets = tc.load_secrets("project/my/secret", prefixes=["common", "app"])

Inside a task (``TASK_ID`` set) without credentials, calls go through the
taskcluster-proxy at ``TASKCLUSTER_PROXY_URL`` (default ``http://taskcluster``),
which signs them with the task's own scopes.
"""

from __future__ import annotations

import datetime as _dt
import importlib
import logging
import os
import urllib.parse
from typing import Iterable, Mapping, Optional

from ._services import SERVICES
from .exceptions import TaskclusterFailure, TaskclusterInputError
from .utils import stringDate

__all__ = ["TaskclusterConfig", "load_secrets", "upload_artifact"]

logger = logging.getLogger(__name__)

_PROXY_DEFAULT = "http://taskcluster"


class _HelperInputError(TaskclusterInputError, AssertionError):
    """Bad input to a helper: the package asserts here, so this is also an
    ``AssertionError`` for code that catches that."""


class _UnexpectedAnswer(TaskclusterFailure, AssertionError):
    """A service answered what a helper cannot use (the package asserts)."""


def _fail(method: str, argument: str, what: str) -> _HelperInputError:
    return _HelperInputError("%s: %s" % (method, what), method=method, argument=argument)


# "queue", "Queue", "purgecache", "purge-cache", "workerManager",
# "worker_manager" -> the class name.  The package only finds a class whose
# name is the argument capitalized ("queue" but not "workermanager"); every
# name it finds is found here too.
_CLASS_BY_KEY = {name.lower(): name for name in SERVICES}


def _class_name(service_name: str) -> Optional[str]:
    key = service_name.replace("-", "").replace("_", "").lower()
    return _CLASS_BY_KEY.get(key)


class TaskclusterConfig:
    """Where to reach Taskcluster (``url``, default ``TASKCLUSTER_ROOT_URL``)
    and, after :meth:`auth`, with which credentials."""

    def __init__(self, url: Optional[str] = None):
        self.options: Optional[dict] = None
        self.secrets: Optional[dict] = None
        self.default_url = url if url is not None else os.environ.get("TASKCLUSTER_ROOT_URL")
        if self.default_url is None:
            raise _fail("TaskclusterConfig", "url", "no Taskcluster deployment URL: pass "
                        "url= or set TASKCLUSTER_ROOT_URL")

    def auth(self, client_id: Optional[str] = None, access_token: Optional[str] = None,
             max_retries: int = 12) -> None:
        """Choose the credentials, in this order: ``client_id`` and
        ``access_token`` given here; else ``TASKCLUSTER_CLIENT_ID`` and
        ``TASKCLUSTER_ACCESS_TOKEN``; else, inside a task (``TASK_ID`` set), the
        taskcluster-proxy; else none."""
        self.options = {"maxRetries": max_retries}
        if client_id is None and access_token is None:
            client_id = os.environ.get("TASKCLUSTER_CLIENT_ID")
            access_token = os.environ.get("TASKCLUSTER_ACCESS_TOKEN")
            source = "the environment"
        else:
            source = "arguments"
        if client_id is not None and access_token is not None:
            logger.info("Taskcluster credentials from %s (clientId %s)", source, client_id)
            self.options["credentials"] = {"clientId": client_id,
                                           "accessToken": access_token}
            self.options["rootUrl"] = self.default_url
        elif "TASK_ID" in os.environ:
            self.options["rootUrl"] = os.environ.get("TASKCLUSTER_PROXY_URL", _PROXY_DEFAULT)
            logger.info("Taskcluster calls go through the proxy at %s",
                        self.options["rootUrl"])
        else:
            logger.info("No Taskcluster credentials")
            self.options["rootUrl"] = self.default_url

    def get_service(self, service_name: str, use_async: bool = False):
        """A client for ``service_name`` (``"queue"``, ``"secrets"``,
        ``"workerManager"``, ...) with these options; :meth:`auth` first if it
        has not been called.  ``use_async``: from ``taskcluster.aio``."""
        if self.options is None:
            self.auth()
        name = _class_name(service_name) if isinstance(service_name, str) else None
        if name is None:
            raise _fail("get_service", "service_name", "%r is not a Taskcluster service; "
                        "one of: %s" % (service_name, ", ".join(sorted(_CLASS_BY_KEY))))
        clients = importlib.import_module("taskcluster.aio" if use_async else "taskcluster")
        return getattr(clients, name)(self.options)

    def load_secrets(self, secret_name: Optional[str], prefixes: Iterable[str] = (),
                     required: Iterable[str] = (), existing: Optional[Mapping] = None,
                     local_secrets: Optional[Mapping] = None) -> dict:
        """:func:`load_secrets` with this configuration's secrets client; the
        result is also kept in ``self.secrets``."""
        self.secrets = load_secrets(self.get_service("secrets"), secret_name, prefixes,
                                    required, existing, local_secrets)
        return self.secrets

    def upload_artifact(self, artifact_path: str, content, content_type: str,
                        ttl: _dt.timedelta) -> str:
        """:func:`upload_artifact` with this configuration's queue client;
        returns the artifact's URL under ``default_url``."""
        path = upload_artifact(self.get_service("queue"), artifact_path, content,
                               content_type, ttl)
        return urllib.parse.urljoin(self.default_url, path)


def load_secrets(secrets_service, secret_name: Optional[str], prefixes: Iterable[str] = (),
                 required: Iterable[str] = (), existing: Optional[Mapping] = None,
                 local_secrets: Optional[Mapping] = None) -> dict:
    """The secret ``secret_name``'s value (its ``secret`` field), read with
    ``secrets_service`` (a ``Secrets`` client), or ``local_secrets`` when that
    is a dict (no call is made).  With ``prefixes``, only the keys of those
    top-level entries, merged in order; ``existing`` is the starting point.
    Every key in ``required`` must be present."""
    secrets = dict(existing or {})
    if isinstance(local_secrets, dict):
        logger.info("Using the local secrets given")
        all_secrets = local_secrets
    else:
        if secret_name is None:
            raise _fail("load_secrets", "secret_name", "the secret's name is required "
                        "(or pass local_secrets=)")
        all_secrets = secrets_service.get(secret_name).get("secret", {})
        logger.info("Loaded the Taskcluster secret %s", secret_name)
    if prefixes:
        for prefix in prefixes:
            secrets.update(all_secrets.get(prefix, {}))
    else:
        secrets.update(all_secrets)
    missing = [key for key in required if key not in secrets]
    if missing:
        # Name the keys, never a value.
        raise TaskclusterInputError("load_secrets: %s missing in the secret %r" % (
            ", ".join(repr(k) for k in missing), secret_name), method="load_secrets",
            argument="required")
    return secrets


def _redact_url(url: str) -> str:
    from ._transfer import redact
    return redact(url)


def upload_artifact(queue_service, artifact_path: str, content, content_type: str,
                    ttl: _dt.timedelta) -> str:
    """Deprecated in the package, kept for code that uses it: create an
    ``s3`` artifact ``artifact_path`` on the current task's run (``TASK_ID``,
    ``RUN_ID``; only inside a task with the taskcluster-proxy), expiring after
    ``ttl``, and PUT ``content`` (str or bytes) to it.  Returns the artifact's
    path, ``/api/queue/v1/task/<taskId>/runs/<runId>/artifacts/<name>``."""
    task_id = os.environ.get("TASK_ID")
    run_id = os.environ.get("RUN_ID")
    if not (task_id and run_id and os.environ.get("TASKCLUSTER_PROXY_URL")):
        raise _fail("upload_artifact", "queue_service", "can only run inside a task with "
                    "the taskcluster-proxy (TASK_ID, RUN_ID and TASKCLUSTER_PROXY_URL set)")
    if not isinstance(content, (str, bytes)):
        raise _fail("upload_artifact", "content", "content must be str or bytes, not %s"
                    % type(content).__name__)
    if not isinstance(ttl, _dt.timedelta):
        raise _fail("upload_artifact", "ttl", "ttl must be a datetime.timedelta, not %s"
                    % type(ttl).__name__)
    answer = queue_service.createArtifact(task_id, run_id, artifact_path, {
        "storageType": "s3",
        "expires": stringDate(_dt.datetime.now(_dt.timezone.utc) + ttl),
        "contentType": content_type,
    })
    if not (isinstance(answer, dict) and answer.get("storageType") == "s3"
            and "putUrl" in answer and "contentType" in answer):
        # The queue's answer holds a signed URL: name its fields, not their values.
        raise _UnexpectedAnswer(
            "upload_artifact: the queue did not answer with an s3 artifact (storageType "
            "'s3', putUrl, contentType); its answer had: %s" % (
                sorted(answer) if isinstance(answer, dict) else type(answer).__name__),
            method="Queue.createArtifact")
    import requests

    from ._plainhttp import no_answer
    timeout = queue_service.options["timeout"]
    where = "upload_artifact: PUT of %r to %s" % (artifact_path, _redact_url(answer["putUrl"]))
    failure = None
    from ._redact import urls_hidden
    try:
        # requests itself: mocks of requests (responses, requests-mock) see the PUT.
        with urls_hidden():
            response = requests.put(url=answer["putUrl"], data=content, timeout=timeout,
                                    headers={"Content-Type": answer["contentType"]})
    except requests.RequestException as e:
        failure = no_answer(where, e, timeout)
    if failure is not None:
        # Outside the handler: requests' exception quotes the signed URL.
        raise failure
    if response.status_code >= 400:
        # requests' own HTTPError names the URL, whose query is a signature.
        raise requests.HTTPError("upload_artifact: the PUT of %r answered %d %s" % (
            artifact_path, response.status_code, response.reason), response=response)
    return "/api/queue/v1/task/%s/runs/%s/artifacts/%s" % (task_id, run_id, artifact_path)
