"""The public surface, pinned: ``taskcluster.__all__``, what each name is,
and a cheap import."""

import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

import taskcluster

PACKAGE_PARENT = str(Path(taskcluster.__file__).resolve().parents[1])

CLASSES = [
    "Auth", "AuthEvents", "Github", "GithubEvents", "Hooks", "HooksEvents", "Index",
    "Notify", "NotifyEvents", "Object", "PurgeCache", "Queue", "QueueEvents", "Secrets",
    "WebServer", "WorkerManager", "WorkerManagerEvents",
]
# The taskcluster package's helpers (its taskcluster.utils and taskcluster.client).
HELPERS = ["optionsFromEnvironment", "createTemporaryCredentials", "slugId", "stableSlugId",
           "fromNow", "fromNowJSON", "stringDate", "scopeMatch", "scope_match", "isExpired",
           "dumpJson", "toStr", "makeB64UrlSafe", "makeB64UrlUnsafe",
           "encodeStringForB64Header", "calculateSleepTime", "makeHttpRequest",
           "makeSingleHttpRequest", "putFile", "createSession"]
CONSTANTS = ["MAX_RETRIES", "DELAY_FACTOR", "RANDOMIZATION_FACTOR", "MAX_DELAY"]
EXCEPTIONS = ["TaskclusterFailure", "TaskclusterInputError", "TaskclusterRestFailure",
              "TaskclusterAuthFailure", "TaskclusterConnectionError",
              "TaskclusterTopicExchangeFailure", "TaskclusterArtifactError",
              "ObjectHashVerificationError", "TaskclusterResponseTooLarge",
              "TaskclusterResponseValidationError"]


def test_all_is_pinned():
    assert sorted(taskcluster.__all__) == sorted(
        CLASSES + ["client", "config"] + HELPERS + CONSTANTS + EXCEPTIONS + ["exceptions"])
    assert len(taskcluster.__all__) == len(set(taskcluster.__all__))


@pytest.mark.parametrize("name", CLASSES)
def test_every_client_class_exists(name):
    cls = getattr(taskcluster, name)
    assert inspect.isclass(cls) and cls.__name__ == name
    assert getattr(taskcluster, name) is cls          # built once
    from taskcluster._client import BaseClient
    assert issubclass(cls, BaseClient)
    assert cls.__doc__


@pytest.mark.parametrize("name", HELPERS)
def test_every_helper_is_callable(name):
    assert callable(getattr(taskcluster, name))


@pytest.mark.parametrize("name", [n for n in HELPERS + CONSTANTS if n != "createSession"])
def test_every_helper_is_the_one_in_utils(name):
    from taskcluster import utils
    assert getattr(taskcluster, name) is getattr(utils, name)


def test_utils_is_an_attribute_right_after_import():
    out = run_fresh("import taskcluster\nprint(taskcluster.utils.__name__)\n")
    assert out.strip() == "taskcluster.utils"


def test_exceptions_hierarchy():
    from taskcluster import exceptions
    assert taskcluster.exceptions is exceptions
    for name in EXCEPTIONS:
        assert getattr(taskcluster, name) is getattr(exceptions, name)
        assert issubclass(getattr(taskcluster, name), taskcluster.TaskclusterFailure)
    # As in the package: a 401 is not caught by ``except TaskclusterRestFailure``.
    assert not issubclass(taskcluster.TaskclusterAuthFailure, taskcluster.TaskclusterRestFailure)
    assert not issubclass(taskcluster.TaskclusterRestFailure, taskcluster.TaskclusterAuthFailure)
    assert issubclass(taskcluster.TaskclusterInputError, ValueError)
    # Where the package raises a more specific class for a bad input, so do we.
    assert issubclass(exceptions.TaskclusterCredentialsError, taskcluster.TaskclusterAuthFailure)
    assert issubclass(exceptions.TaskclusterRoutingKeyError,
                      taskcluster.TaskclusterTopicExchangeFailure)


def test_dir_lists_no_stray_names():
    assert "annotations" not in dir(taskcluster)
    assert not [n for n in dir(taskcluster) if n.startswith("_") and not n.startswith("__")]


def test_every_name_in_all_resolves_and_is_listed_by_dir():
    for name in taskcluster.__all__:
        assert getattr(taskcluster, name) is not None, name
    assert set(taskcluster.__all__) <= set(dir(taskcluster))


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="Queues"):
        taskcluster.Queues  # noqa: B018


def run_fresh(code):
    env = dict(os.environ, PYTHONPATH=PACKAGE_PARENT)
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd="/",
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_importing_the_package_imports_neither_requests_nor_mohawk():
    out = run_fresh(
        "import sys, taskcluster\n"
        "print(sorted(m for m in ('requests', 'mohawk', 'urllib3') if m in sys.modules))\n"
        "print(taskcluster.__file__)\n")
    loaded, path = out.splitlines()
    assert loaded == "[]"
    assert path.startswith(PACKAGE_PARENT)


def test_building_urls_and_routing_keys_needs_neither_requests_nor_mohawk():
    out = run_fresh(
        "import sys, taskcluster\n"
        "q = taskcluster.Queue({'rootUrl': 'https://tc.example.com'})\n"
        "print(q.buildUrl('task', 'abc'))\n"
        "print(taskcluster.QueueEvents().taskDefined(taskId='abc')['routingKeyPattern'])\n"
        "print('requests' in sys.modules, 'mohawk' in sys.modules)\n")
    assert out.splitlines() == ["https://tc.example.com/api/queue/v1/task/abc",
                                "primary.abc.*.*.*.*.*.*.*.#", "False False"]
