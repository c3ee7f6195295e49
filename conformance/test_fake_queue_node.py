"""The fake deployment's queue driven by the real Node client
(node_oracle/fake_lifecycle.mjs): the life cycle, a dependency chain and a
retry, against a FakeDeployment this side starts on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

ORACLE_DIR = Path(__file__).resolve().parent.parent / "node_oracle"

EXPECTED = {
    "created": "pending", "claimed": [True, 0], "reclaimed": True,
    "object artifact": [True, "application/x-test"], "s3 put": 200,
    "s3 303": [303, "s3", True], "s3 artifact": ["log!", "text/plain"],
    "completed": "completed", "blocked": "unscheduled", "retried": [True, 1, "retry"],
    "unblocked": "pending",
}


@pytest.fixture(scope="module")
def node(request):
    if not request.config.getoption("--live-oracle"):
        pytest.skip("needs the Node client: run `nox -s conformance` "
                    "(or pytest conformance --live-oracle)")
    import nodeenv_setup
    return nodeenv_setup.ensure_env()


def test_life_cycle_driven_by_the_node_client(node):
    from taskcluster.fake import FakeDeployment

    with FakeDeployment() as tc:
        worker = tc.createClient("worker/w1", ["queue:claim-work:prov/wt",
                                               "queue:worker-id:wg/w1"])
        env = {k: v for k, v in node["env"].items() if not k.startswith("TASKCLUSTER_")}
        env.update(NO_PROXY="*", TASKCLUSTER_ROOT_URL=tc.rootUrl,
                   TASKCLUSTER_CLIENT_ID=tc.rootCredentials["clientId"],
                   TASKCLUSTER_ACCESS_TOKEN=tc.rootCredentials["accessToken"],
                   FAKE_WORKER_CLIENT_ID=worker["clientId"],
                   FAKE_WORKER_ACCESS_TOKEN=worker["accessToken"])
        proc = subprocess.run([node["node"], str(ORACLE_DIR / "fake_lifecycle.mjs")], env=env,
                              cwd=ORACLE_DIR, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-4000:]
        assert json.loads(proc.stdout) == EXPECTED
        exchanges = [m["exchange"].rsplit("/", 1)[1] for m in tc.pulseMessages]
        assert exchanges[:6] == ["task-defined", "task-pending", "task-running",
                                 "artifact-created", "task-completed", "task-group-resolved"]
        assert all(m["CC"] == ([] if "task-group" in m["exchange"] else ["route.index.node"])
                   for m in tc.pulseMessages)
