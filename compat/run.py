"""The differential compatibility suite: the same scenarios under this
library and under the ``taskcluster`` package (113.2.0), against one loopback
server on 127.0.0.1; compare what a caller observes and the requests that
arrived.

    python compat/run.py --theirs-python PATH/TO/venv/bin/python [NAME ...]

(``nox -s compat`` makes that environment and runs this.)  Each library runs
in its own interpreter (both are imported as ``taskcluster``).  Prints a
short aligned diff per differing scenario; exits 1 when a difference is not
listed in ``differences.py`` or an entry there covers nothing.
``--table`` prints the compatibility table (docs/guide/moving.md holds it);
``--check-page FILE`` fails when FILE does not contain it as printed.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import deque
from typing import Any, Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
from judge import diff, render, triage  # noqa: E402
from differences import KNOWN  # noqa: E402
from loopback import LoopbackServer, Reply, Reset, closed_port  # noqa: E402
from scenarios import load_all  # noqa: E402

SCENARIOS = load_all()

BEGIN = "/_compat/begin/"
# ISO instants a library computed from the clock (an artifact's expiry):
# compared by shape and distance from now, not by value.
_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")


class Conductor:
    """Answers each scenario's requests with its replies, in order, and
    files the requests that arrive under the scenario that made them."""

    def __init__(self, server: LoopbackServer, scenarios=SCENARIOS):
        self.server = server
        self._scenarios = scenarios
        self._queue: deque = deque()
        server.respond(self._respond)

    def _respond(self, rec):
        if rec.path.startswith(BEGIN):
            name = rec.path[len(BEGIN):]
            replies = self._scenarios[name].replies if name in self._scenarios else ()
            self._queue = deque(self._action(r) for r in replies)
            return Reply(204)
        return self._queue.popleft() if self._queue else None

    def _action(self, r: dict):
        if r.get("reset"):
            return Reset()
        body = r["body"]
        if body is None:
            data = None
        elif "json" in body:
            data = json.loads(json.dumps(body["json"]).replace("{url}", self.server.url))
        elif "text" in body:
            data = body["text"]
        else:
            data = body["raw"].encode("utf-8")
        return Reply(r["status"], data, dict(r["headers"]))

    def take(self) -> Dict[str, List[dict]]:
        """The requests since the last call, by scenario (markers dropped)."""
        by_scenario: Dict[str, List[dict]] = {}
        current = None
        for rec in self.server.requests:
            if rec.path.startswith(BEGIN):
                current = rec.path[len(BEGIN):]
                by_scenario.setdefault(current, [])
            elif current is not None:
                by_scenario[current].append(describe_request(rec))
        self.server.requests.clear()
        return by_scenario


def _near_now(text: str) -> str:
    def shape(m):
        try:
            when = datetime.datetime.fromisoformat(m.group(0).replace("Z", "+00:00"))
        except ValueError:
            return m.group(0)
        days = (when - datetime.datetime.now(datetime.timezone.utc)).total_seconds() / 86400
        if abs(days) > 40:  # a pinned date, not the clock's
            return m.group(0)
        return "<now%+dd as %s>" % (round(days), re.sub(r"\d", "9", m.group(0)))
    return _INSTANT.sub(shape, text)


def _b64json(text: str) -> Any:
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_")
        return json.loads(raw)
    except ValueError:
        return {"undecodable": text}


def _hawk(header: str) -> Any:
    """Hawk's id, ext (decoded) and which attributes are present; ts, nonce,
    mac and hash are random or depend on them."""
    if not header.startswith("Hawk "):
        return {"scheme": header.split(" ", 1)[0]}
    attrs = dict(re.findall(r'(\w+)="([^"]*)"', header))
    ext = _b64json(attrs["ext"]) if attrs.get("ext") else attrs.get("ext")
    if isinstance(ext, dict) and isinstance(ext.get("certificate"), dict):
        cert = dict(ext["certificate"])
        for random_part in ("seed", "signature"):
            if isinstance(cert.get(random_part), str):
                cert[random_part] = "<%d chars>" % len(cert[random_part])
        ext = dict(ext, certificate=cert)
    return {"scheme": "Hawk", "attributes": sorted(attrs), "id": attrs.get("id"), "ext": ext}


def describe_request(rec) -> dict:
    try:
        body = _near_now(rec.body.decode("utf-8"))
    except UnicodeDecodeError:
        body = {"base64": base64.b64encode(rec.body).decode()}
    auth = rec.headers.get("authorization")
    return {"method": rec.method, "path": rec.path, "query": rec.query, "body": body,
            "content-type": rec.headers.get("content-type"),
            "authorization": _hawk(auth) if auth else None}


def _child_env() -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TASKCLUSTER_") and k.lower() not in
           ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "task_id", "run_id")}
    env["NO_PROXY"] = "127.0.0.1,localhost"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_library(python: str, conductor: Conductor, names: List[str], workdir: str,
                closed_url: str = "") -> dict:
    out_file = os.path.join(workdir, "observed.json")
    started = time.perf_counter()
    # From a directory of its own: the repository's taskcluster/ must not
    # shadow the library under test.
    proc = subprocess.run(
        [python, os.path.join(HERE, "child.py"), "--url", conductor.server.url,
         "--closed-url", closed_url or "http://127.0.0.1:%d" % closed_port(), "--out", out_file,
         *names],
        cwd=workdir, env=_child_env(), capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise SystemExit("scenario runner failed under %s:\n%s" % (python, proc.stderr[-4000:]))
    with open(out_file, encoding="utf-8") as f:
        observed = json.load(f)
    arrived = conductor.take()
    for name in observed:
        observed[name]["requests"] = arrived.get(name, [])
    return {"observed": observed, "seconds": time.perf_counter() - started}


TABLE_MARKER = "<!-- compat-table: generated by `python compat/run.py --table` -->\n"


def write_page(path: str) -> int:
    """Replace the table after ``path``'s marker line with the current one."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if TABLE_MARKER not in text:
        print("%s has no line %r to put the table after" % (path, TABLE_MARKER.strip()))
        return 1
    head, rest = text.split(TABLE_MARKER, 1)
    lines = rest.split("\n")
    while lines and lines[0].startswith("|"):
        lines.pop(0)
    with open(path, "w", encoding="utf-8") as f:
        f.write(head + TABLE_MARKER + table().rstrip("\n") + "\n" + "\n".join(lines))
    return 0


def table() -> str:
    """The compatibility table: one row per entry with its continuations."""
    rows: List[list] = []
    for d in KNOWN:
        if d.what or not rows:
            rows.append([[d.scenarios], d.what, d.why])
        elif d.scenarios not in rows[-1][0]:
            rows[-1][0].append(d.scenarios)
    lines = ["| Scenarios | What differs | Why |", "|---|---|---|"]
    for where, what, why in rows:
        where_text = "all" if "*" in where else ", ".join("`%s`" % w for w in where)
        lines.append("| %s | %s | %s |" % (where_text, what, why))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--theirs-python")
    parser.add_argument("--ours-python", default=sys.executable)
    parser.add_argument("--save", help="write both libraries' observations to this JSON file")
    parser.add_argument("--table", action="store_true", help="print the compatibility table")
    parser.add_argument("--check-page", "--check-readme", dest="check_page", metavar="FILE",
                        help="fail when FILE lacks the table (docs/guide/moving.md)")
    parser.add_argument("--write-page", metavar="FILE",
                        help="rewrite the table that follows FILE's compat-table marker")
    parser.add_argument("names", nargs="*", help="scenarios to run (default: all)")
    args = parser.parse_args(argv)
    if args.table:
        print(table())
        return 0
    if args.write_page:
        return write_page(args.write_page)
    if args.check_page:
        with open(args.check_page, encoding="utf-8") as f:
            if table() not in f.read():
                print("%s lacks the current compatibility table: run `python3 compat/run.py "
                      "--write-page %s`" % (args.check_page, args.check_page))
                return 1
        return 0
    if not args.theirs_python:
        parser.error("--theirs-python is required")
    unknown = [n for n in args.names if n not in SCENARIOS]
    if unknown:
        parser.error("no such scenario: %s" % ", ".join(unknown))
    names = args.names or list(SCENARIOS)
    with LoopbackServer() as server, tempfile.TemporaryDirectory() as workdir:
        conductor = Conductor(server)
        # Both libraries see the same URLs, so that messages naming them compare.
        closed_url = "http://127.0.0.1:%d" % closed_port()
        ours = run_library(args.ours_python, conductor, names, workdir, closed_url)
        theirs = run_library(args.theirs_python, conductor, names, workdir, closed_url)
    if args.save:
        with open(args.save, "w", encoding="utf-8") as f:
            json.dump({"ours": ours["observed"], "theirs": theirs["observed"]}, f, indent=1,
                      sort_keys=True)
    fields = [f for name in names
              for f in diff(name, ours["observed"][name], theirs["observed"][name])]
    unexplained, accepted, stale = triage(fields, KNOWN)
    if args.names:  # whether an entry is stale is known only from a whole run
        stale = []
    for name in names:
        mine = [f for f in unexplained if f.scenario == name]
        if mine:
            print("\n%s: %d unexplained difference(s)" % (name, len(mine)))
            print(render(mine))
            for side, data in (("ours", ours), ("theirs", theirs)):
                tb = data["observed"][name].get("traceback")
                if tb:
                    print("  (%s: the scenario itself raised)\n    %s"
                          % (side, tb.strip().replace("\n", "\n    ")))
    for d in stale:
        print("\nstale entry in differences.py (it covers nothing now; remove it): %s / %s"
              % (d.scenarios, d.fields))
    differing = sorted({f.scenario for f in unexplained})
    print("\n%d scenarios; %d identical, %d with accepted differences only, %d with "
          "unexplained differences; %d stale entries; ours %.1f s, taskcluster 113.2.0 %.1f s"
          % (len(names), len(names) - len({f.scenario for f in fields}),
             len({f.scenario for f, _ in accepted} - set(differing)), len(differing),
             len(stale), ours["seconds"], theirs["seconds"]))
    return 1 if unexplained or stale else 0


if __name__ == "__main__":
    sys.exit(main())
