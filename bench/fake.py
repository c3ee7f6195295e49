"""The fake deployment's benchmark: calls a second from one client, and how
long the fixture takes to start.

    python bench/fake.py [--duration 3] [--rounds 3]

(``nox -s bench`` runs it.)  Rows:

  start, cold       a new interpreter: import taskcluster.fake, start a
                    FakeDeployment (http.server imported on the way), in ms
  start, warm       another FakeDeployment started and stopped in the same
                    process (the pytest fixture starts one per session), ms
  reset             FakeDeployment.reset() (the fixture's cost per test), ms
  queue.task        one sync client (requests, keep-alive) calling
                    queue.task on one task, root credentials: Hawk checked,
                    scopes expanded and checked, calls/s (needs the fake
                    queue, taskcluster/fake/queue.py)
  secrets.get       the same for a secret (calls/s)
  auth.ping         an anonymous call without scopes (calls/s)

The client and the server share the machine (the server is a thread of the
benchmark's process, as in a user's tests).  Prints the median of the
rounds and [min..max].  Targets (issue 19): 1,000 queue.task calls/s,
fixture start under 100 ms.  Nothing here fails on a timing.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import statistics
import subprocess
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workloads import rate  # noqa: E402

COLD = ("import time; t0 = time.perf_counter(); "
        "from taskcluster.fake import FakeDeployment; d = FakeDeployment(); d.start(); "
        "t1 = time.perf_counter(); d.stop(); print((t1 - t0) * 1000)")


def cold_start_ms() -> float:
    out = subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip())


def warm_start_ms() -> float:
    from taskcluster.fake import FakeDeployment
    t0 = time.perf_counter()
    d = FakeDeployment()
    d.start()
    t1 = time.perf_counter()
    d.stop()
    return (t1 - t0) * 1000


def one_round(duration: float) -> dict:
    import taskcluster
    from taskcluster.fake import FakeDeployment

    row = {"start, cold (ms)": cold_start_ms()}
    warm_start_ms()
    row["start, warm (ms)"] = statistics.median(warm_start_ms() for _ in range(5))
    with FakeDeployment() as tc:
        options = {"rootUrl": tc.rootUrl, "credentials": tc.rootCredentials}
        secrets = taskcluster.Secrets(options)
        secrets.set("bench", {"secret": {"a": 1}, "expires": taskcluster.stringDate(
            taskcluster.fromNow("1 day"))})
        t0 = time.perf_counter()
        for _ in range(20):
            tc.reset()
        row["reset (ms)"] = (time.perf_counter() - t0) * 1000 / 20
        secrets.set("bench", {"secret": {"a": 1}, "expires": taskcluster.stringDate(
            taskcluster.fromNow("1 day"))})
        if importlib.util.find_spec("taskcluster.fake.queue") is not None:
            queue = taskcluster.Queue(options)
            taskId = taskcluster.slugId()
            now = datetime.datetime.now(datetime.timezone.utc)
            queue.createTask(taskId, {
                "taskQueueId": "bench/worker", "schedulerId": "-", "taskGroupId": taskId,
                "created": taskcluster.stringDate(now),
                "deadline": taskcluster.stringDate(now + datetime.timedelta(hours=1)),
                "payload": {}, "metadata": {"name": "bench", "description": "bench",
                                            "owner": "bench@example.com",
                                            "source": "https://example.com/bench"}})
            row["queue.task (calls/s)"] = rate(lambda: queue.task(taskId), 1, duration)[0]
        row["secrets.get (calls/s)"] = rate(lambda: secrets.get("bench"), 1, duration)[0]
        anonymous = taskcluster.Auth({"rootUrl": tc.rootUrl})
        row["auth.ping (calls/s)"] = rate(anonymous.ping, 1, duration)[0]
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    args, _ = parser.parse_known_args()
    rounds = [one_round(args.duration) for _ in range(args.rounds)]
    print("\n| taskcluster.fake | median | [min..max] |\n|---|---:|---:|")
    for key in rounds[0]:
        values = [r[key] for r in rounds]
        print("| %s | %.1f | [%.1f..%.1f] |" % (key, statistics.median(values), min(values),
                                                max(values)))
    if "queue.task (calls/s)" not in rounds[0]:
        print("\n(queue.task: no fake queue in this installation)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
