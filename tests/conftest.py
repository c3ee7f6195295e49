import os

import pytest

from loopback import LoopbackServer


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No test sees the machine's Taskcluster settings or proxies."""
    for name in list(os.environ):
        if name.startswith("TASKCLUSTER_") or name.lower() in (
                "http_proxy", "https_proxy", "all_proxy", "no_proxy"):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server():
    with LoopbackServer() as s:
        yield s
