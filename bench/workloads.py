"""The benchmark's workloads, run inside one client's interpreter.

    python bench/workloads.py --client ours|taskcluster
        --url http(s)://127.0.0.1:PORT --counter FILE [--reps 5] [--duration 0.3]

Over https, the client trusts the server's certificate through
``REQUESTS_CA_BUNDLE`` (set by ``run.py``), as both clients read it.

Both packages are imported as ``taskcluster``, so each runs in its own
environment and process; the same code drives both through the API they share
(``Queue(options)``, ``buildUrl``, ``buildSignedUrl``, ``task``, ``createTask``,
``QueueEvents(options).taskDefined(taskId=...)``).  Prints one JSON object:
``{workload: {"values": [one per repetition], "unit": ..., ...}}``.

"Answers at once" (the client-side cost per call):
  ours         ``transport=`` an object whose ``send`` returns a ready Response;
  taskcluster  ``requests.request``, which ``taskcluster.utils.makeSingleHttpRequest``
               calls for every attempt (the package never passes its session),
               replaced by a function returning a ready ``requests.Response``.
Everything above those (argument handling, URL, JSON, Hawk signing, logging
calls, the retry loop, parsing the answer) is counted for both.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import struct
import sys
import threading
import time
import timeit

TASK_ID = "fN1SbArXTPSVFNUvaOlinQ"
ACCESS_TOKEN = "bench-access-token-" + "x" * 25
THREADS = 8
ANSWER = (b'{"status":{"taskId":"fN1SbArXTPSVFNUvaOlinQ","state":"pending",'
          b'"runs":[{"runId":0,"state":"pending"}]}}')


def task_definition(size: int = 2048) -> dict:
    """A realistic task definition whose compact JSON is ``size`` bytes."""
    task = {
        "provisionerId": "proj-bench", "workerType": "ci", "schedulerId": "-",
        "taskGroupId": TASK_ID, "dependencies": [], "requires": "all-completed",
        "routes": ["index.project.bench.latest"], "priority": "lowest", "retries": 5,
        "created": "2030-01-01T00:00:00.000Z", "deadline": "2030-01-02T00:00:00.000Z",
        "expires": "2031-01-01T00:00:00.000Z", "scopes": ["queue:route:index.project.*"],
        "payload": {"image": "ubuntu:24.04", "maxRunTime": 3600,
                    "command": ["/bin/bash", "-c", ""],
                    "env": {"MOZ_BUILD": "1", "TASKCLUSTER_CACHES": "/builds/cache"},
                    "artifacts": {"public/build": {"type": "directory",
                                                   "path": "/builds/artifacts"}}},
        "metadata": {"name": "bench task", "description": "a 2 KB createTask payload",
                     "owner": "bench@example.com", "source": "https://example.com/bench"},
        "tags": {"kind": "bench"}, "extra": {},
    }
    pad = size - len(json.dumps(task, separators=(",", ":")))
    task["payload"]["command"][2] = "echo " + "b" * (pad - 5)
    assert len(json.dumps(task, separators=(",", ":"))) == size
    return task


def read_counter(path: str) -> int:
    with open(path, "rb") as f:
        return struct.unpack("<Q", f.read(8))[0]


def per_call_us(fn, number: int, rounds: int) -> list:
    """Microseconds per call of ``fn``, once per round (after one warm-up call)."""
    fn()
    return [timeit.timeit(fn, number=number) / number * 1e6 for _ in range(rounds)]


def median_cell(values: list) -> str:
    """``median [min..max]`` of microsecond figures, as the bench tables print them."""
    return "%.1f [%.1f..%.1f]" % (statistics.median(values), min(values), max(values))


def rate(fn, reps: int, duration: float) -> list:
    """Calls per second of ``fn``, once per repetition (after a warm-up)."""
    for _ in range(20):
        fn()
    values = []
    for _ in range(reps):
        n = 0
        start = time.perf_counter()
        end = start + duration
        while True:
            for _ in range(20):
                fn()
            n += 20
            now = time.perf_counter()
            if now >= end:
                break
        values.append(n / (now - start))
    return values


def _threaded_once(fn, duration: float, threads: int) -> tuple:
    counts = [0] * threads
    barrier = threading.Barrier(threads + 1)
    deadline = [0.0]
    errors: list = []

    def work(i):
        barrier.wait()
        try:
            n = 0
            while time.perf_counter() < deadline[0]:
                fn()
                n += 1
            counts[i] = n
        except BaseException as e:  # reported, never hidden
            errors.append(e)

    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    deadline[0] = time.perf_counter() + duration
    start = time.perf_counter()
    barrier.wait()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return sum(counts) / elapsed, sum(counts)


def threaded_rate(fn, reps: int, duration: float, threads: int = THREADS) -> tuple:
    """Calls per second of ``threads`` threads calling ``fn`` together, once
    per repetition, and the number of calls made."""
    values, total = [], 0
    for _ in range(reps):
        value, calls = _threaded_once(fn, duration, threads)
        values.append(value)
        total += calls
    return values, total


def round_trips(fn, counter: str, reps: int, duration: float, threads: bool) -> dict:
    """Calls per second, and the connections opened after the client's first call."""
    fn()  # the client's lazy set-up and first connection: not counted
    if threads:
        _threaded_once(fn, 0.05, THREADS)  # each thread's first connection: nor these
    before = read_counter(counter)
    if threads:
        values, calls = threaded_rate(fn, reps, duration)
    else:
        calls_box = [0]

        def counted():
            calls_box[0] += 1
            fn()
        values = rate(counted, reps, duration)
        calls = calls_box[0]
    opened = read_counter(counter) - before
    return {"values": values, "unit": "calls/s", "calls": calls, "connections": opened,
            "connections_per_1000": opened * 1000.0 / calls}


# -- the two clients ---------------------------------------------------------------

def _ours(options: dict):
    import taskcluster

    def queue(opts=options):  # the default: a requests.Session of its own
        return taskcluster.Queue(opts)

    def instant_queue():
        from taskcluster._transport import Response
        answer = Response(200, {"content-type": "application/json; charset=utf-8"}, ANSWER)

        class Instant:
            def send(self, method, url, headers, body, timeout, limit):
                return answer

            def close(self):
                pass
        return taskcluster.Queue(options, transport=Instant())
    return taskcluster, queue, instant_queue


def _theirs(options: dict):
    import requests
    import taskcluster

    def queue(opts=options):
        return taskcluster.Queue(opts)

    def instant_queue():
        answer = requests.Response()
        answer.status_code = 200
        answer.headers["Content-Type"] = "application/json; charset=utf-8"
        answer.encoding = "utf-8"
        answer._content = ANSWER
        answer.url = options["rootUrl"]

        def instant_request(method, url, **kwargs):
            return answer
        # What taskcluster.utils.makeSingleHttpRequest calls (it passes no session).
        requests.request = instant_request
        return taskcluster.Queue(options)
    return taskcluster, queue, instant_queue


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--client", choices=("ours", "taskcluster"), required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--counter", required=True)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--duration", type=float, default=0.3)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    if not args.url.startswith(("http://127.0.0.1:", "https://127.0.0.1:")):
        sys.exit("the benchmark only talks to 127.0.0.1")
    options = {"rootUrl": args.url,
               "credentials": {"clientId": "bench-client", "accessToken": ACCESS_TOKEN}}
    if args.client == "ours":
        tc, queue, instant_queue = _ours(options)
        from importlib.metadata import version
        dist = "taskcluster-refclient " + version("taskcluster-refclient")
    else:
        tc, queue, instant_queue = _theirs(options)
        from importlib.metadata import version
        dist = "taskcluster " + version("taskcluster")
    payload = task_definition()
    reps, duration = args.reps, args.duration
    only = set(args.only.split(",")) if args.only else None
    results: dict = {"_client": {"dist": dist, "file": tc.__file__,
                                 "python": sys.version.split()[0]}}

    def want(name):
        return only is None or name in only

    url_queue = tc.Queue(options)
    events = tc.QueueEvents({"rootUrl": args.url})
    if want("buildUrl"):
        results["buildUrl"] = {"unit": "calls/s", "values": rate(
            lambda: url_queue.buildUrl("task", TASK_ID), reps, duration)}
    if want("buildUrlArtifact"):
        # a route with arguments, one of them an artifact name with "/" to escape
        results["buildUrlArtifact"] = {"unit": "calls/s", "values": rate(
            lambda: url_queue.buildUrl("getArtifact", TASK_ID, 0, "public/logs/live.log"),
            reps, duration)}
    if want("buildSignedUrl"):
        results["buildSignedUrl"] = {"unit": "calls/s", "values": rate(
            lambda: url_queue.buildSignedUrl("getArtifact", TASK_ID, 0,
                                             "public/logs/live.log"), reps, duration)}
    if want("routingKey"):
        results["routingKey"] = {"unit": "calls/s", "values": rate(
            lambda: events.taskDefined(taskId=TASK_ID), reps, duration)}

    if want("task") or want("createTask"):
        q = queue()
        if want("task"):
            results["task"] = round_trips(lambda: q.task(TASK_ID), args.counter, reps,
                                          duration, threads=False)
            results["task_threads"] = round_trips(lambda: q.task(TASK_ID), args.counter,
                                                  reps, duration, threads=True)
        if want("createTask"):
            results["createTask"] = round_trips(lambda: q.createTask(TASK_ID, payload),
                                                args.counter, reps, duration, threads=False)
            results["createTask_threads"] = round_trips(
                lambda: q.createTask(TASK_ID, payload), args.counter, reps, duration,
                threads=True)

    if want("instant"):
        iq = instant_queue()
        before = read_counter(args.counter)
        results["instant_task"] = {"unit": "us/call", "values": [
            1e6 / r for r in rate(lambda: iq.task(TASK_ID), reps, duration)]}
        results["instant_createTask"] = {"unit": "us/call", "values": [
            1e6 / r for r in rate(lambda: iq.createTask(TASK_ID, payload), reps, duration)]}
        assert read_counter(args.counter) == before, "the instant transport sent something"
    json.dump(results, sys.stdout)
    print()


if __name__ == "__main__":
    os.environ.pop("PYTHONSTARTUP", None)
    main()
