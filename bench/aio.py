"""The async benchmark: ``taskcluster.aio`` of this client beside the
``taskcluster`` package's (113.2.0), on one loopback server, plain HTTP and
HTTPS.

    python bench/aio.py --theirs-python PATH/TO/venv/bin/python [--rounds 3]

(``nox -s bench`` runs it after ``run.py``.)  Each client runs in its own
interpreter (both packages are ``taskcluster``), in rounds that alternate
between the clients; client processes and ``server.py`` are pinned to two
different CPUs when there are two.  Workloads, per client and scheme:

  task x200        200 coroutines calling ``queue.task`` through ONE client
                   for ``--duration`` seconds (calls/s)
  createTask x200  the same with a 2 KB task definition
  instant task     one call at a time, the answer ready at once (us/call):
                   what the client itself costs, above the HTTP library
                   (ours: ``transport=`` a ready Response; the package:
                   ``asyncutils.makeSingleHttpRequest``, which its client
                   calls for every attempt, replaced by a ready response)

The package's client is given a session (``taskcluster.aio.createSession()``),
as its documentation advises: without one it opens a session per call.
Ours makes its own.  HTTPS uses a throw-away self-signed certificate
trusted through ``SSL_CERT_FILE`` (needs the ``openssl`` command).  Prints a
markdown table: the median of the rounds, [min..max], the ratio to the
package.  Nothing here fails on a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CONCURRENCY = 200
WORKLOADS = [("task_200", "task x%d" % CONCURRENCY, "calls/s"),
             ("createTask_200", "createTask x%d (2 KB)" % CONCURRENCY, "calls/s"),
             ("task_200_cpu", "task x%d, client CPU per call" % CONCURRENCY, "us/call"),
             ("createTask_200_cpu", "createTask x%d, client CPU per call" % CONCURRENCY,
              "us/call"),
             ("instant_task", "instant task (client cost)", "us/call"),
             ("instant_createTask", "instant createTask (client cost)", "us/call")]


# -- inside one client's interpreter ------------------------------------------------

def worker(args) -> None:
    import asyncio
    import time

    sys.path.insert(0, HERE)
    from workloads import ACCESS_TOKEN, ANSWER, TASK_ID, read_counter, task_definition

    import taskcluster.aio

    options = {"rootUrl": args.url,
               "credentials": {"clientId": "bench-client", "accessToken": ACCESS_TOKEN}}
    payload = task_definition()

    async def concurrent(call) -> dict:
        await asyncio.gather(*(call() for _ in range(CONCURRENCY)))  # connections made
        before = read_counter(args.counter)
        count = 0
        loop = asyncio.get_running_loop()
        stop = loop.time() + args.duration

        async def one():
            nonlocal count
            while loop.time() < stop:
                await call()
                count += 1
        start, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one() for _ in range(CONCURRENCY)))
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        # CPU per call: the client process's own cost, less shaken than
        # calls/s by other processes on a busy machine.
        return {"value": count / elapsed, "calls": count, "cpu_us": cpu / count * 1e6,
                "connections": read_counter(args.counter) - before}

    async def instant(call) -> float:
        for _ in range(200):
            await call()
        n, start = 0, time.perf_counter()
        while True:
            for _ in range(100):
                await call()
            n += 100
            elapsed = time.perf_counter() - start
            if elapsed >= args.duration:
                return elapsed / n * 1e6

    async def ours() -> dict:
        from taskcluster._transport import Response
        results = {}
        async with taskcluster.aio.Queue(options) as q:
            results["task_200"] = await concurrent(lambda: q.task(TASK_ID))
            results["createTask_200"] = await concurrent(lambda: q.createTask(TASK_ID, payload))
        answer = Response(200, {"content-type": "application/json; charset=utf-8"}, ANSWER)

        class Instant:
            async def send(self, method, url, headers, body, timeout, limit):
                return answer

            async def close(self):
                pass
        # The floor: aiohttp alone, one fixed request (signed once), parsed.
        import aiohttp
        import yarl
        url = yarl.URL(args.url + "/api/queue/v1/task/" + TASK_ID, encoded=True)
        signer = taskcluster.aio.Queue(options)
        call = signer._prepare(signer._bind_paginated(signer._functions["task"], (TASK_ID,),
                                                      {})[0])
        header = {"Authorization": signer._headers(call)["Authorization"]}
        async with aiohttp.ClientSession() as session:
            async def raw():
                async with session.get(url, headers=header) as response:
                    return json.loads(await response.read())
            results["floor_task_200"] = await concurrent(raw)
        async with taskcluster.aio.Queue(options, transport=Instant()) as iq:
            results["instant_task"] = await instant(lambda: iq.task(TASK_ID))
            results["instant_createTask"] = await instant(lambda: iq.createTask(TASK_ID,
                                                                                payload))
        return results

    async def theirs() -> dict:
        from taskcluster.aio import asyncutils
        results = {}
        async with taskcluster.aio.createSession() as session:
            q = taskcluster.aio.Queue(options, session=session)
            results["task_200"] = await concurrent(lambda: q.task(TASK_ID))
            results["createTask_200"] = await concurrent(lambda: q.createTask(TASK_ID, payload))

        class Ready:
            # What the package's client reads of an aiohttp response.
            status = 200

            def raise_for_status(self):
                pass

            async def release(self):
                pass

            async def json(self):
                return json.loads(ANSWER)

        async def ready(method, url, payload, headers, session=None):
            return Ready()
        asyncutils.makeSingleHttpRequest = ready
        iq = taskcluster.aio.Queue(options)
        results["instant_task"] = await instant(lambda: iq.task(TASK_ID))
        results["instant_createTask"] = await instant(lambda: iq.createTask(TASK_ID, payload))
        return results

    results = asyncio.run(ours() if args.client == "ours" else theirs())
    from importlib.metadata import version
    dist = "taskcluster-refclient" if args.client == "ours" else "taskcluster"
    results["_client"] = {"dist": "%s %s" % (dist, version(dist)),
                          "aiohttp": version("aiohttp")}
    json.dump(results, sys.stdout)


# -- the driver ------------------------------------------------------------------------

def clean_environment() -> dict:
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy",
                                "pythonpath", "pythonstartup", "pythonhome")}
    return env


def make_certificate(tmp: str):
    if not shutil.which("openssl"):
        return None
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert,
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


class Server:
    """``server.py``: plain HTTP, and HTTPS on a second port given a certificate."""

    def __init__(self, env: dict, tmp: str, cpu, certificate):
        self.counter = os.path.join(tmp, "connections")
        cmd = [sys.executable, os.path.join(HERE, "server.py"), self.counter]
        if cpu is not None:
            cmd.append(str(cpu))
        if certificate:
            env = dict(env, BENCH_TLS_CERT=certificate[0], BENCH_TLS_KEY=certificate[1])
        self.process = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, env=env)
        line = self.process.stdout.readline().split()
        self.urls = {"http": "http://127.0.0.1:%s" % line[1]}
        if len(line) > 3:
            self.urls["https"] = "https://127.0.0.1:%s" % line[3]

    def close(self) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--theirs-python", help="python of an environment with taskcluster==113.2.0")
    ap.add_argument("--ours-python", default=sys.executable)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=float, default=1.0)
    ap.add_argument("--no-tls", action="store_true")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--client", help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    ap.add_argument("--counter", help=argparse.SUPPRESS)
    args, _ = ap.parse_known_args()  # nox -s bench passes run.py's options too
    if args.worker:
        if not args.url.startswith(("http://127.0.0.1:", "https://127.0.0.1:")):
            sys.exit("the benchmark only talks to 127.0.0.1")
        return worker(args)
    if not args.theirs_python:
        ap.error("--theirs-python is required")

    tmp = tempfile.mkdtemp(prefix="tc-bench-aio-")
    env = clean_environment()
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    server_cpu, client_cpu = (cpus[0], cpus[1]) if len(cpus) >= 2 else (None, None)
    certificate = None if args.no_tls else make_certificate(tmp)
    server = Server(env, tmp, server_cpu, certificate)
    # aiohttp's default SSL context (both clients') trusts what SSL_CERT_FILE names.
    client_env = {"http": env, "https": dict(env, SSL_CERT_FILE=certificate[0]) if certificate
                  else None}
    if client_cpu is not None:
        os.sched_setaffinity(0, {client_cpu})  # inherited by the clients
    pythons = {"ours": args.ours_python, "taskcluster": args.theirs_python}
    results: dict = {}
    about: dict = {}
    try:
        for _ in range(args.rounds):
            for scheme, url in server.urls.items():
                for client in ("taskcluster", "ours"):
                    out = subprocess.run(
                        [pythons[client], os.path.abspath(__file__), "--worker", "--client",
                         "ours" if client == "ours" else "theirs", "--url", url, "--counter",
                         server.counter, "--duration", str(args.duration)],
                        cwd=tmp, env=client_env[scheme], capture_output=True, text=True)
                    if out.returncode:
                        sys.exit("the %s worker failed (%s):\n%s" % (client, scheme, out.stderr))
                    data = json.loads(out.stdout)
                    about[client] = data.pop("_client")
                    for workload, value in data.items():
                        results.setdefault((client, scheme, workload), []).append(value)
                        if isinstance(value, dict) and "cpu_us" in value:
                            results.setdefault((client, scheme, workload + "_cpu"),
                                               []).append(value["cpu_us"])
    finally:
        server.close()
        shutil.rmtree(tmp, ignore_errors=True)
    print(table(results, about, list(server.urls)))


def table(results: dict, about: dict, schemes) -> str:
    def figures(values):
        values = [v["value"] if isinstance(v, dict) else v for v in values]
        return statistics.median(values), min(values), max(values)

    lines = ["", "async: %s vs %s (aiohttp %s), %d coroutines on one client" % (
        about["ours"]["dist"], about["taskcluster"]["dist"], about["ours"]["aiohttp"],
        CONCURRENCY), "",
        "| workload | scheme | taskcluster.aio (package) | ours | ours / package |",
        "|---|---|---|---|---|"]
    for workload, label, unit in WORKLOADS:
        for scheme in schemes:
            theirs = results.get(("taskcluster", scheme, workload))
            ours = results.get(("ours", scheme, workload))
            if not theirs or not ours:
                continue
            t, o = figures(theirs), figures(ours)
            # Higher is better for calls/s; for us/call, the ratio is how many
            # times cheaper ours is.
            ratio = o[0] / t[0] if unit == "calls/s" else t[0] / o[0]
            lines.append("| %s | %s | %.0f %s [%.0f..%.0f] | %.0f %s [%.0f..%.0f] | %.2fx |" % (
                label, scheme, t[0], unit, t[1], t[2], o[0], unit, o[1], o[2], ratio))
    connections = []
    for scheme in schemes:
        for client in ("taskcluster", "ours"):
            runs = results.get((client, scheme, "task_200")) or []
            connections.append("%s/%s %s" % (client, scheme, sorted(
                {r["connections"] for r in runs})))
    floor = ", ".join("%s %.0f calls/s, %.0f us CPU per call" % (
        scheme, figures(results[("ours", scheme, "floor_task_200")])[0],
        figures(results[("ours", scheme, "floor_task_200_cpu")])[0])
        for scheme in schemes if ("ours", scheme, "floor_task_200") in results)
    lines += ["", "aiohttp alone, task x%d (one fixed signed request, the body parsed; no "
              "client): %s" % (CONCURRENCY, floor)]
    lines += ["", "new connections during the timed task x%d runs: %s" % (
        CONCURRENCY, "; ".join(connections))]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
