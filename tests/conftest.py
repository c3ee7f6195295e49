import os
import sys

import pytest

from loopback import LoopbackServer


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No test sees the machine's Taskcluster settings (a task's TASK_ID
    included), proxies or CA bundle settings."""
    for name in list(os.environ):
        if name.startswith("TASKCLUSTER_") or name in ("TASK_ID", "RUN_ID") or name.lower() in (
                "http_proxy", "https_proxy", "all_proxy", "no_proxy", "requests_ca_bundle",
                "curl_ca_bundle"):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server():
    with LoopbackServer() as s:
        yield s


_LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1", "")


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """A guard, not a stand-in: any name lookup for a host other than the
    loopback fails the test at once, so no test can reach the network."""
    import socket

    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else (host or "")
        if name not in _LOOPBACK_NAMES and not name.startswith("127."):
            raise AssertionError("a test tried to resolve %r: only 127.0.0.1 is allowed" % name)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture(scope="session")
def s3():
    """A real S3-compatible server (moto) on 127.0.0.1, for the whole run."""
    if sys.version_info < (3, 10):
        pytest.skip("moto's S3 is not installed on Python 3.9: botocore, under it, needs "
                    "urllib3 < 1.27 there, and this library urllib3 >= 2.6; these storage "
                    "tests run on Python 3.10 and up")
    pytest.importorskip("moto.server", reason="moto[server] is in the test extra: "
                        "pip install -e '.[test]'")
    from s3server import S3Server

    with S3Server() as server:
        yield server


@pytest.fixture
def services(server, s3):
    """The object, queue and index services on the loopback server, with
    storage on moto."""
    from fake_services import FakeServices

    return FakeServices(server, s3)


@pytest.fixture(scope="session")
def pulse_broker():
    """A RabbitMQ broker of the session's own (tests/pulse_broker.py), or a skip
    saying why there is none."""
    from pulse_broker import session_broker
    yield from session_broker()


def pytest_configure(config):
    """The taskcluster_fake fixture: registered by the package's pytest11
    entry point once installed (nox); from a checkout, here."""
    from taskcluster.fake import pytest_plugin
    if not config.pluginmanager.is_registered(pytest_plugin):
        config.pluginmanager.register(pytest_plugin, "taskcluster_fake")
