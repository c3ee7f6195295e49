"""The fake deployment's queue driven by another client: start a
``FakeDeployment`` (this library), run compat/fake_lifecycle_child.py under
``--theirs-python`` (``nox -s compat``: the official taskcluster 113.2.0) in
a directory where ``import taskcluster`` finds that package, and check what
it observed and what the queue published.

    python compat/fake_lifecycle.py --theirs-python PATH/TO/python

Exits 1 (printing what differed) when the life cycle did not go as the
real queue would have it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

EXPECTED = {
    "created": "pending", "claimed": [True, 0], "reclaimed": True,
    "object artifact": [True, "application/x-test"], "s3 put": 200,
    "s3 artifact": [True, "text/plain"], "completed": "completed",
    "blocked": "unscheduled", "retried": [True, 1, "retry"], "unblocked": "pending",
}
FIRST_TASK_EXCHANGES = ["task-defined", "task-pending", "task-running", "artifact-created",
                        "task-completed", "task-group-resolved"]


def run(python: str) -> list:
    from taskcluster.fake import FakeDeployment

    problems = []
    with FakeDeployment() as tc, tempfile.TemporaryDirectory() as cwd:
        worker = tc.createClient("worker/w1", ["queue:claim-work:prov/wt",
                                               "queue:worker-id:wg/w1"])
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("TASKCLUSTER_", "FAKE_", "PYTHON"))}
        env.update(NO_PROXY="*", TASKCLUSTER_ROOT_URL=tc.rootUrl,
                   TASKCLUSTER_CLIENT_ID=tc.rootCredentials["clientId"],
                   TASKCLUSTER_ACCESS_TOKEN=tc.rootCredentials["accessToken"],
                   FAKE_WORKER_CLIENT_ID=worker["clientId"],
                   FAKE_WORKER_ACCESS_TOKEN=worker["accessToken"])
        proc = subprocess.run([python, os.path.join(HERE, "fake_lifecycle_child.py")], env=env,
                              cwd=cwd, capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            return ["the child failed (exit %d):\n%s" % (proc.returncode, proc.stderr[-4000:])]
        seen = json.loads(proc.stdout)
        print("client: %s" % seen.pop("package"))
        for key, want in EXPECTED.items():
            if seen.get(key) != want:
                problems.append("%s: observed %r, expected %r" % (key, seen.get(key), want))
        messages = tc.pulseMessages
        first = [m["exchange"].rsplit("/", 1)[1] for m in messages[:len(FIRST_TASK_EXCHANGES)]]
        if first != FIRST_TASK_EXCHANGES:
            problems.append("pulse messages of the first task: %r, expected %r"
                            % (first, FIRST_TASK_EXCHANGES))
        for m in messages:
            routes = [] if "task-group" in m["exchange"] else ["route.index.compat"]
            if m["CC"] != routes:
                problems.append("%s CC %r" % (m["exchange"], m["CC"]))
        print("%d pulse messages" % len(messages))
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--theirs-python", required=True)
    args = parser.parse_args(argv)
    problems = run(args.theirs_python)
    for p in problems:
        print("DIFFERS: " + p)
    print("fake queue life cycle under %s: %s" % (args.theirs_python,
                                                  "FAILED" if problems else "ok"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
