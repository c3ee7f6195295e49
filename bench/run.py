"""Run the benchmark: this client beside the ``taskcluster`` package, one run.

    python bench/run.py --theirs-python PATH/TO/venv/bin/python [--rounds 5]

(``nox -s bench`` makes that environment and runs this.)  One loopback
server (``server.py``) on 127.0.0.1 answers both clients; each client runs
in its own interpreter (both packages are named ``taskcluster``), in rounds
that alternate between the clients so that a slow moment of the machine
falls on all of them.  Client processes and the server are pinned to two
different CPUs when there are two.  Prints a markdown table: the median of
the rounds, [min..max] as the noise, the ratio to the ``taskcluster``
package and the issue's target; below it, the reference loops (keep-alive
``requests.Session`` and ``http.client``) and the server's own ceiling.
Nothing here fails on a timing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from server import RESPONSE, read_counter  # noqa: E402
from workloads import TASK_ID, rate, threaded_rate  # noqa: E402

THEIRS, OURS = "taskcluster", "ours"
PATH = "/api/queue/v1/task/" + TASK_ID

# Peak resident memory of the fresh process, in KiB: VmHWM, not ru_maxrss,
# which on Linux keeps the parent's peak across fork and exec (every child
# would report at least this driver's size).
PEAK = """
def peak():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""
IMPORT = PEAK + """
import time
t = time.perf_counter()
import taskcluster
dt = time.perf_counter() - t
print(dt, peak())
"""
BARE = PEAK + """
import time
print(0.0, peak())
"""
FIRST_CALL = PEAK + """
import time
t = time.perf_counter()
import taskcluster
opts = {"rootUrl": %(url)r, "credentials": {"clientId": "bench", "accessToken": "bench-token"}}
%(make)s
q.task(%(task)r)
dt = time.perf_counter() - t
print(dt, peak())
"""
MAKE = "q = taskcluster.Queue(opts)"


def clean_environment() -> dict:
    """No proxy, no PYTHONPATH, bytecode cached: every request goes straight
    to 127.0.0.1 and each interpreter imports its own installed package."""
    env = dict(os.environ)
    for name in list(env):
        if name.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy",
                            "pythonpath", "pythonstartup", "pythonhome",
                            # imports are timed with bytecode cached, as users have it
                            "pythondontwritebytecode"):
            del env[name]
    os.environ.clear()
    os.environ.update(env)
    return env


class Bench:
    def __init__(self, args, pythons):
        self.args = args
        self.pythons = pythons
        self.tmp = tempfile.mkdtemp(prefix="tc-bench-")
        self.counter = os.path.join(self.tmp, "connections")
        self.env = clean_environment()
        cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
        self.server_cpu, self.client_cpu = (cpus[0], cpus[1]) if len(cpus) >= 2 else (None, None)
        if self.client_cpu is not None:
            os.sched_setaffinity(0, {self.client_cpu})  # inherited by the clients
        cmd = [sys.executable, os.path.join(HERE, "server.py"), self.counter]
        if self.server_cpu is not None:
            cmd.append(str(self.server_cpu))
        server_env = dict(self.env)
        self.cert = self._certificate()
        if self.cert:
            server_env["BENCH_TLS_CERT"], server_env["BENCH_TLS_KEY"] = self.cert
            # Both clients trust the server's certificate the way requests
            # reads it (the taskcluster package calls requests.request).
            self.env["REQUESTS_CA_BUNDLE"] = self.cert[0]
            os.environ["REQUESTS_CA_BUNDLE"] = self.cert[0]
        self.server = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       text=True, env=server_env)
        line = self.server.stdout.readline().split()
        self.port = int(line[1])
        self.url = "http://127.0.0.1:%d" % self.port
        self.tls_url = "https://127.0.0.1:%s" % line[3] if len(line) > 3 else None
        self.results = {}   # (client, workload) -> list of values
        self.extra = {}     # (client, workload) -> {"connections": n, "calls": n}

    def _certificate(self):
        """A self-signed certificate for 127.0.0.1 (openssl), or None."""
        import shutil
        if not shutil.which("openssl"):
            print("no openssl command: the HTTPS rows are left out", file=sys.stderr)
            return None
        cert, key = os.path.join(self.tmp, "cert.pem"), os.path.join(self.tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                        "2", "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert,
                        "-addext", "subjectAltName=IP:127.0.0.1"], check=True,
                       capture_output=True)
        return cert, key

    def close(self) -> None:
        self.server.stdin.close()
        try:
            self.server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.server.kill()

    def add(self, client, workload, value) -> None:
        self.results.setdefault((client, workload), []).append(value)

    # -- fresh processes -------------------------------------------------------
    def fresh(self, python, code):
        out = subprocess.run([python, "-c", code], cwd=self.tmp, env=self.env, check=True,
                             capture_output=True, text=True).stdout.split()
        return float(out[0]), int(out[1]) / 1024.0  # seconds, MiB

    def imports(self) -> None:
        for python in (self.pythons[THEIRS], self.pythons[OURS]):
            self.fresh(python, IMPORT)  # compile the .pyc files first
        for _ in range(self.args.import_runs):
            for client in (THEIRS, OURS):
                dt, rss = self.fresh(self.pythons[client], IMPORT)
                self.add(client, "import", dt * 1000)
                self.add(client, "rss", rss)
            self.add("bare", "rss", self.fresh(self.pythons[OURS], BARE)[1])
            for client in (THEIRS, OURS):
                code = FIRST_CALL % {"url": self.url, "make": MAKE, "task": TASK_ID}
                dt, rss = self.fresh(self.pythons[client], code)
                self.add(client, "first_call", dt * 1000)
                self.add(client, "first_call_rss", rss)

    # -- the clients' workloads --------------------------------------------------
    def worker(self, client, only, tls=False) -> None:
        cmd = [self.pythons[client], os.path.join(HERE, "workloads.py"),
               "--client", "taskcluster" if client == THEIRS else "ours",
               "--url", self.tls_url if tls else self.url, "--counter", self.counter,
               "--reps", "1", "--duration", str(self.args.duration), "--only", only]
        out = subprocess.run(cmd, cwd=self.tmp, env=self.env, check=True,
                             capture_output=True, text=True).stdout
        data = json.loads(out)
        self.extra.setdefault(client, {})["_client"] = data.pop("_client")
        for workload, r in data.items():
            workload = "tls_" + workload if tls else workload
            for v in r["values"]:
                self.add(client, workload, v)
            if "connections" in r:
                agg = self.extra[client].setdefault(workload, {"connections": 0, "calls": 0})
                agg["connections"] += r["connections"]
                agg["calls"] += r["calls"]

    # -- reference loops, in this process -----------------------------------------
    def references(self) -> None:
        d = self.args.duration
        sock = socket.create_connection(("127.0.0.1", self.port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        request = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % (PATH, self.port)).encode()

        def raw(depth=1):
            sock.sendall(request * depth)
            want, got = depth * len(RESPONSE), 0
            while got < want:
                got += len(sock.recv(262144))
        self.add("ref", "raw", rate(raw, 1, d)[0])
        self.add("ref", "raw_pipelined", 16 * rate(lambda: raw(16), 1, d)[0])
        sock.close()

        conn = http.client.HTTPConnection("127.0.0.1", self.port)

        def hc():
            conn.request("GET", PATH)
            conn.getresponse().read()
        self.add("ref", "http_client", rate(hc, 1, d)[0])
        conn.close()
        local = threading.local()
        conns = []

        def hc_thread():
            c = getattr(local, "conn", None)
            if c is None:
                c = local.conn = http.client.HTTPConnection("127.0.0.1", self.port)
                conns.append(c)
            c.request("GET", PATH)
            c.getresponse().read()
        self.add("ref", "http_client_threads", threaded_rate(hc_thread, 1, d)[0][0])
        for c in conns:
            c.close()

        import requests
        session = requests.Session()
        url = self.url + PATH
        self.add("ref", "requests", rate(lambda: session.get(url).content, 1, d)[0])
        self.add("ref", "requests_threads",
                 threaded_rate(lambda: session.get(url).content, 1, d)[0][0])
        if self.tls_url:
            url = self.tls_url + PATH
            self.add("ref", "requests_tls", rate(lambda: session.get(url).content, 1, d)[0])
            self.add("ref", "requests_tls_new", rate(lambda: requests.get(url).content, 1,
                                                     d)[0])
        session.close()

    def run(self) -> None:
        self.imports()
        for _ in range(self.args.rounds):
            # Alternate the clients within each round.
            for client in (THEIRS, OURS):
                self.worker(client, "buildUrl,buildUrlArtifact,buildSignedUrl,routingKey,"
                                    "instant,task,createTask")
            if self.tls_url:
                for client in (THEIRS, OURS):
                    self.worker(client, "task,createTask", tls=True)
            self.references()


# -- the table ---------------------------------------------------------------------

def fmt(x: float) -> str:
    if x >= 1000:
        return "{:,.0f}".format(x)
    if x >= 100:
        return "%.0f" % x
    if x >= 10:
        return "%.1f" % x
    return "%.2f" % x


def cell(values) -> str:
    if not values:
        return ""
    return "%s [%s..%s]" % (fmt(statistics.median(values)), fmt(min(values)), fmt(max(values)))


def med(values):
    return statistics.median(values) if values else None


ROWS = [
    # label, workload, higher is better, ratio target, absolute target (text, check)
    ("import taskcluster (ms)", "import", False, 4, None),
    ("import + Queue() + first task() in a fresh process (ms)", "first_call", False, None, None),
    ("peak memory after that first call (MiB)", "first_call_rss", False, None, None),
    # targets of issue 17: buildUrl >= x4, routing keys >= x3, signed URLs >= x6
    ("buildUrl('task', taskId) (calls/s)", "buildUrl", True, 4, None),
    ("buildUrl('getArtifact', taskId, 0, 'public/logs/live.log') (calls/s)",
     "buildUrlArtifact", True, 4, None),
    ("buildSignedUrl('getArtifact', taskId, 0, 'public/logs/live.log') (calls/s)",
     "buildSignedUrl", True, 6, None),
    ("routing-key pattern, QueueEvents.taskDefined(taskId=...) (calls/s)", "routingKey", True,
     3, None),
    ("queue.task over HTTPS, sequential (calls/s)", "tls_task", True, 4, None),
    ("queue.task over HTTPS, 8 threads, one client (calls/s)", "tls_task_threads", True,
     None, "tls_task"),
    ("queue.createTask 2 KB over HTTPS, sequential (calls/s)", "tls_createTask", True, 4, None),
    ("queue.task plain HTTP, sequential (calls/s)", "task", True, 2, None),
    ("queue.task plain HTTP, 8 threads, one client (calls/s)", "task_threads", True, None,
     "task"),
    ("queue.createTask 2 KB plain HTTP, sequential (calls/s)", "createTask", True, 2, None),
    ("queue.createTask 2 KB plain HTTP, 8 threads (calls/s)", "createTask_threads", True,
     None, "createTask"),
    ("client-side cost per task(), transport answers at once (us)", "instant_task", False,
     None, 25),
    ("client-side cost per 2 KB createTask() (us)", "instant_createTask", False, None, 40),
]


def table(b: Bench) -> str:
    r = b.results
    lines = []
    head = ["workload", "taskcluster 113.2.0", "ours", "ratio", "target", "met"]
    rows = []
    for label, key, higher, ratio_target, other in ROWS:
        theirs, ours = r.get((THEIRS, key), []), r.get((OURS, key), [])
        if not ours:
            continue
        ratio = (med(ours) / med(theirs) if higher else med(theirs) / med(ours)) \
            if theirs else None
        if ratio_target:
            target, met = ">= x%d" % ratio_target, "yes" if ratio and ratio >= ratio_target \
                else "NO"
        elif isinstance(other, str):
            target = ">= sequential"
            met = "yes" if med(ours) >= med(r[(OURS, other)]) else "NO"
        elif other is not None:
            target, met = "<= %d us" % other, "yes" if med(ours) <= other else "NO"
        else:
            target, met = "(information)", ""
        rows.append([label, cell(theirs), cell(ours), "x%.2f" % ratio if ratio else "", target,
                     met])

    # peak memory after import, as the increase over bare Python
    bare = med(r[("bare", "rss")])
    t_inc = med(r[(THEIRS, "rss")]) - bare
    o_inc = med(r[(OURS, "rss")]) - bare
    rows.insert(1, ["peak memory after import, MiB (bare python %.1f)" % bare,
                    "%s (+%.1f)" % (cell(r[(THEIRS, "rss")]), t_inc),
                    "%s (+%.1f)" % (cell(r[(OURS, "rss")]), o_inc),
                    "+%.1f vs +%.1f MiB" % (o_inc, t_inc),
                    "increase <= half", "yes" if o_inc <= t_inc / 2 else "NO"])
    # connections per 1,000 calls
    for key, limit in (("task", 1), ("task_threads", 8), ("createTask", 1),
                       ("createTask_threads", 8), ("tls_task", 1), ("tls_task_threads", 8)):
        vals = []
        ok = ""
        for c in (THEIRS, OURS):
            agg = b.extra.get(c, {}).get(key)
            per = agg["connections"] * 1000.0 / agg["calls"] if agg and agg["calls"] else None
            vals.append("%.2f (%d in %s calls)" % (per, agg["connections"], fmt(agg["calls"]))
                        if per is not None else "")
            if c == OURS and per is not None:
                ok = "yes" if per <= limit else "NO"
        if any(vals):
            rows.append(["new connections per 1,000 calls, warm: %s"
                         % key.replace("_threads", ", 8 threads").replace("tls_", "HTTPS "),
                         *vals, "", "<= %d" % limit, ok])

    widths = [max(len(str(row[i])) for row in rows + [head]) for i in range(len(head))]

    def line(cols):
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cols, widths)) + " |"
    lines.append(line(head))
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        lines.append(line(row))

    lines.append("")
    lines.append("Limits: the same loopback server, no client library (calls/s, "
                 "median [min..max]):")
    refs = [
        ("server ceiling: raw socket keep-alive, one request at a time", "raw"),
        ("server ceiling: raw socket keep-alive, 16 pipelined", "raw_pipelined"),
        ("http.client keep-alive loop, sequential", "http_client"),
        ("http.client keep-alive loop, 8 threads (a connection each)", "http_client_threads"),
        ("requests.Session keep-alive loop, sequential", "requests"),
        ("requests.Session keep-alive loop, 8 threads sharing it", "requests_threads"),
        ("requests.Session keep-alive loop over HTTPS", "requests_tls"),
        ("requests.get over HTTPS, a new connection per call", "requests_tls_new"),
    ]
    w = max(len(label) for label, _ in refs)
    for label, key in refs:
        lines.append("  %s  %s" % (label.ljust(w), cell(r.get(("ref", key), []))))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--theirs-python", required=True,
                    help="python of an environment with taskcluster==113.2.0")
    ap.add_argument("--ours-python", default=sys.executable)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--duration", type=float, default=0.3,
                    help="seconds per repetition of a timed loop")
    ap.add_argument("--import-runs", type=int, default=7)
    ap.add_argument("--json", help="also write the raw figures here")
    args = ap.parse_args()
    pythons = {THEIRS: args.theirs_python, OURS: args.ours_python}
    b = Bench(args, pythons)
    started = time.time()
    try:
        b.run()
    finally:
        b.close()
    print()
    print("# taskcluster client benchmark")
    print("python %s on %s, %d CPUs; server pinned to CPU %s, clients to CPU %s; "
          "%d rounds of %.1fs loops, %d fresh processes for imports; %.0fs in all"
          % (platform.python_version(), platform.machine(), os.cpu_count() or 0,
             b.server_cpu, b.client_cpu, args.rounds, args.duration, args.import_runs,
             time.time() - started))
    for client in (THEIRS, OURS):
        info = b.extra.get(client, {}).get("_client", {})
        print("  %-14s %s (%s)" % (client, info.get("dist"), info.get("file")))
    print("  loopback server: %s and %s, %d TCP connections accepted in all"
          % (b.url, b.tls_url or "(no TLS)", read_counter(b.counter)))
    print()
    print(table(b))
    print()
    print("Figures: median of the rounds [min..max].  Ratios: how many times faster "
          "(or smaller) ours is than the taskcluster package, in this run.")
    print("New connections: counted after the client's first call and each thread's "
          "first call (8 threads);\n  the taskcluster package opens one per call.")
    print("Client-side cost: ours gets transport= an object whose send() returns a ready "
          "Response;\n  the taskcluster package gets requests.request (what "
          "taskcluster.utils.makeSingleHttpRequest calls on every attempt)\n  replaced by "
          "a function returning a ready requests.Response.  Everything above is counted.")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": {"%s/%s" % k: v for k, v in b.results.items()},
                       "connections": b.extra}, f, indent=1)


if __name__ == "__main__":
    main()
