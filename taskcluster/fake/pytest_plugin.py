"""The ``taskcluster_fake`` pytest fixture: a fake Taskcluster deployment
for each test, its state fresh, the environment pointing at it.

Registered under the ``pytest11`` entry point, so it is there in every test
run once the package is installed; it costs nothing until a test asks for
the fixture (this module imports only pytest; the deployment starts on
first use, once per session, and is reset before each test).

    def test_reads_a_secret(taskcluster_fake):
        secrets = taskcluster.Secrets(taskcluster.optionsFromEnvironment())
        ...
"""

from __future__ import annotations

import os

import pytest

__all__ = ["taskcluster_fake"]

_VARIABLES = ("TASKCLUSTER_ROOT_URL", "TASKCLUSTER_CLIENT_ID", "TASKCLUSTER_ACCESS_TOKEN")


@pytest.fixture(scope="session")
def _taskcluster_fake_server():
    from taskcluster.fake import FakeDeployment
    deployment = FakeDeployment()
    deployment.start()
    try:
        yield deployment
    finally:
        deployment.stop()


@pytest.fixture
def taskcluster_fake(_taskcluster_fake_server):
    """A :class:`taskcluster.fake.FakeDeployment` with fresh state; for the
    test's duration ``TASKCLUSTER_ROOT_URL``, ``TASKCLUSTER_CLIENT_ID`` and
    ``TASKCLUSTER_ACCESS_TOKEN`` name it and its root credentials (with
    ``TASKCLUSTER_CERTIFICATE`` unset), restored afterwards."""
    deployment = _taskcluster_fake_server
    deployment.reset()
    saved = {name: os.environ.get(name) for name in _VARIABLES + ("TASKCLUSTER_CERTIFICATE",)}
    os.environ.pop("TASKCLUSTER_CERTIFICATE", None)
    os.environ["TASKCLUSTER_ROOT_URL"] = deployment.rootUrl
    os.environ["TASKCLUSTER_CLIENT_ID"] = deployment.rootCredentials["clientId"]
    os.environ["TASKCLUSTER_ACCESS_TOKEN"] = deployment.rootCredentials["accessToken"]
    try:
        yield deployment
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
