"""One module per service, as the taskcluster package has them
(``from taskcluster.queue import Queue``): each re-exports its class and the
client helpers the package's generated modules export."""

import importlib

import pytest

import taskcluster
from taskcluster._services import SERVICES

# The package's per-service modules (taskcluster/*.py in 113.2.0) that import.
MODULES = {
    "auth": "Auth", "authevents": "AuthEvents", "github": "Github",
    "githubevents": "GithubEvents", "hooks": "Hooks", "hooksevents": "HooksEvents",
    "index": "Index", "notify": "Notify", "notifyevents": "NotifyEvents",
    "object": "Object", "purgecache": "PurgeCache", "queue": "Queue",
    "queueevents": "QueueEvents", "secrets": "Secrets", "webserver": "WebServer",
    "workermanager": "WorkerManager", "workermanagerevents": "WorkerManagerEvents",
}


def test_there_is_a_module_for_every_service():
    assert sorted(MODULES.values()) == sorted(SERVICES)


@pytest.mark.parametrize("module,cls", sorted(MODULES.items()))
def test_module_exports_the_class_itself(module, cls):
    mod = importlib.import_module("taskcluster." + module)
    # The package's generated modules export these names beside the class.
    assert mod.__all__ == [cls, "_defaultConfig", "config", "createApiClient", "createSession",
                           "createTemporaryCredentials"]
    assert getattr(mod, cls) is getattr(taskcluster, cls)
    namespace = {}
    exec("from taskcluster.%s import *" % module, namespace)
    assert namespace[cls] is getattr(taskcluster, cls)
    assert namespace["config"] is taskcluster.config is namespace["_defaultConfig"]
    from taskcluster import client
    assert namespace["createApiClient"] is client.createApiClient


def test_a_module_gives_a_working_client():
    from taskcluster.queue import Queue
    assert Queue({"rootUrl": "https://tc.example.com"}).buildUrl("task", "abc") == \
        "https://tc.example.com/api/queue/v1/task/abc"


@pytest.mark.parametrize("module", ["login", "awsprovisioner", "ec2manager"])
def test_the_packages_modules_for_retired_services_are_absent(module):
    # The package ships these files, but they import generated modules it no
    # longer has, so importing them fails there too (ModuleNotFoundError).
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("taskcluster." + module)
