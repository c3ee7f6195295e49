"""What docs/guide/testing-fake.md claims of its first example beyond that it
passes: "The first test fails ... [when the code] lacks the scope, as
production would".  (That each of the page's examples passes, as a user's
test suite with the ``taskcluster_fake`` fixture, is tests/test_guides.py's
part: it runs the page's blocks in a child pytest.)"""

from __future__ import annotations

import os
import re

import pytest

GUIDE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                     "docs", "guide", "testing-fake.md")


def block_defining(name: str) -> str:
    """The page's one ```python block that defines ``name``."""
    with open(GUIDE, encoding="utf-8") as fh:
        blocks = re.findall(r"^```python\n(.*?)^```", fh.read(), re.M | re.S)
    found = [b for b in blocks if re.search(r"^def %s\(" % name, b, re.M)]
    assert len(found) == 1, "%s defines %s in %d blocks" % (GUIDE, name, len(found))
    return found[0]


def test_the_fixture_example_fails_when_the_code_lacks_a_scope(taskcluster_fake, monkeypatch):
    import taskcluster

    namespace: dict = {}
    exec(compile(block_defining("publish_build"), GUIDE, "exec"), namespace)  # noqa: S102
    exec(compile(block_defining("test_publish_build_indexes_the_task"), GUIDE, "exec"),  # noqa: S102
         namespace)
    # the code under test runs with credentials that may read secrets, not
    # write to the index (the test's own setup needs secrets:set as well)
    creds = taskcluster_fake.createClient("weak", ["secrets:*"])
    monkeypatch.setenv("TASKCLUSTER_CLIENT_ID", creds["clientId"])
    monkeypatch.setenv("TASKCLUSTER_ACCESS_TOKEN", creds["accessToken"])
    with pytest.raises(taskcluster.TaskclusterRestFailure) as e:
        namespace["test_publish_build_indexes_the_task"](taskcluster_fake)
    assert e.value.status_code == 403
    assert "index:insert-task:project.app.v1.2" in str(e.value.missingScopes)
