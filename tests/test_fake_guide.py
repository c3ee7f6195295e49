"""The examples of docs/guide/testing.md run as they are written."""

from __future__ import annotations

import os
import re

import pytest

GUIDE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                     "docs", "guide", "testing.md")


def blocks():
    with open(GUIDE, encoding="utf-8") as fh:
        return re.findall(r"```python\n(.*?)```", fh.read(), re.S)


def test_the_guide_has_its_examples():
    assert len(blocks()) == 5


def _namespace():
    namespace: dict = {}
    exec(compile(blocks()[0], GUIDE, "exec"), namespace)   # the code under test
    return namespace


def test_the_fixture_example_passes(taskcluster_fake):
    namespace = _namespace()
    exec(compile(blocks()[1], GUIDE, "exec"), namespace)
    namespace["test_publish_build_indexes_the_task"](taskcluster_fake)


def test_the_fixture_example_fails_when_the_code_lacks_a_scope(taskcluster_fake):
    import taskcluster
    namespace = _namespace()
    exec(compile(blocks()[1], GUIDE, "exec"), namespace)
    creds = taskcluster_fake.createClient("weak", ["secrets:*"])
    os.environ["TASKCLUSTER_CLIENT_ID"] = creds["clientId"]
    os.environ["TASKCLUSTER_ACCESS_TOKEN"] = creds["accessToken"]
    with pytest.raises(taskcluster.TaskclusterRestFailure) as e:
        namespace["test_publish_build_indexes_the_task"](taskcluster_fake)
    assert e.value.status_code == 403


def test_the_responses_example_passes(monkeypatch):
    namespace = _namespace()
    exec(compile(blocks()[2], GUIDE, "exec"), namespace)
    namespace["test_publish_build_indexes_the_task"](monkeypatch)


def test_the_denial_example_passes(taskcluster_fake):
    namespace: dict = {}
    exec(compile(blocks()[3], GUIDE, "exec"), namespace)
    namespace["test_a_reader_cannot_write"](taskcluster_fake)


def test_the_example_without_pytest_runs():
    ping = "    assert taskcluster.Auth({'rootUrl': tc.rootUrl}).ping()['alive']\n"
    source = blocks()[4].replace("    ...\n", ping)
    exec(compile(source, GUIDE, "exec"), {})
