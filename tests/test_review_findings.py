"""The findings of the review of the new surface (issue 17, section 2), one
section each: every test here failed before its fix.  Command-line runs are
child processes (``cli_run``); servers are real, on 127.0.0.1."""

from __future__ import annotations

import pytest
from cli_run import environment, run
from loopback import LoopbackServer

TASK = "fN1SbArXTPSVFNUvaOlinQ"


# -- 1. --root-url wins over TASKCLUSTER_ROOT_URL --------------------------------

@pytest.fixture
def decoy():
    """The deployment the environment names; nothing may reach it."""
    with LoopbackServer() as s:
        yield s


def test_root_url_option_wins_over_the_environment_for_api_calls(server, decoy):
    env = environment(decoy.url, credentials=True)
    r = run("--root-url", server.url, "api", "queue", "task", TASK, env=env)
    assert r.code == 0, r.err
    assert decoy.requests == []
    assert [q.path for q in server.requests] == ["/api/queue/v1/task/%s" % TASK]


def test_root_url_option_wins_over_the_environment_for_signed_urls(server, decoy):
    env = environment(decoy.url, credentials=True)
    r = run("--root-url", server.url, "signed-url", "queue", "task", TASK, env=env)
    assert r.code == 0, r.err
    assert r.out.startswith(server.url + "/api/queue/v1/task/%s?bewit=" % TASK)


def test_root_url_option_wins_over_the_environment_for_downloads(server, decoy, tmp_path):
    env = environment(decoy.url, credentials=True)
    run("--root-url", server.url, "download", "artifact", TASK, "public/x", "-o",
        str(tmp_path / "x"), env=env)
    assert decoy.requests == []
    assert server.requests and server.requests[0].path.startswith("/api/queue/v1/task/")


def test_options_from_environment_sets_the_environment_over_the_defaults(monkeypatch):
    import taskcluster
    monkeypatch.setenv("TASKCLUSTER_ROOT_URL", "https://env.example.com")
    assert taskcluster.optionsFromEnvironment({"rootUrl": "https://given.example.com"})[
        "rootUrl"] == "https://env.example.com"
    doc = taskcluster.optionsFromEnvironment.__doc__
    assert "win" in doc and "environment" in doc and "defaults" in doc
    assert "keys given in ``defaults`` win" not in doc
