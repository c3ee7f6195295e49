"""What the scope algebra costs, beside Node's taskcluster-lib-scopes 11.0.0.

    python bench/scopes.py [--rounds 5] [--no-node]

Two workloads, both seeded:

* ``satisfiesExpression``: a 400-scope set (stars at several depths, exact
  scopes, roles) against 200 expressions shaped like the references' (an
  ``AllOf`` of a few scopes with ``AnyOf`` alternatives), about half
  satisfied.  Time for the 200 calls.  Python keeps what it learned of a
  set for the next call with the same scopes (as when a deployment checks
  one client's requests); the second row gives each call a set of its own.
* ``normalizeScopeSet`` of 10,000 scopes, sorted beforehand (the function's
  contract), and Python's ``sorted(key=scopeKey)`` of them beside it.

Node runs the same calls in the same run, through node_oracle/ (set up on
first use; ``--no-node`` skips it), and its answers must equal Python's.
Prints a markdown table: median [min..max] of the rounds, and Python's time
over Node's.  Nothing fails on a timing (the issue's target is at most 5x Node).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE = os.path.join(os.path.dirname(HERE), "node_oracle")

PROJECTS = ["proj-%d" % i for i in range(60)]


def scope_set(rng: random.Random, n: int, projects=PROJECTS):
    """``n`` distinct scopes, sorted (there must be room: ~40 per project)."""
    kinds = [
        lambda p: "queue:create-task:highest:%s/*" % p,
        lambda p: "queue:create-task:low:%s/linux-%d" % (p, rng.randrange(9)),
        lambda p: "queue:scheduler-id:%s" % p,
        lambda p: "queue:route:index.project.%s.*" % p,
        lambda p: "secrets:get:project/%s/*" % p,
        lambda p: "secrets:get:project/%s/ci/token-%d" % (p, rng.randrange(20)),
        lambda p: "assume:repo:github.com/org/%s:*" % p,
        lambda p: "index:insert-task:project.%s.*" % p,
        lambda p: "docker-worker:cache:%s-level-%d-*" % (p, rng.randrange(4)),
        lambda p: "generic-worker:os-group:%s/linux/docker" % p,
    ]
    out = set()
    while len(out) < n:
        out.add(rng.choice(kinds)(rng.choice(projects)))
    return sorted(out)


def expressions(rng: random.Random, n: int, given):
    """``n`` expressions over scopes mostly held by ``given`` (a star scope
    stands for a scope it covers), a few not."""
    def scope():
        if rng.random() < 0.1:
            return "queue:create-task:highest:elsewhere/linux-%d" % rng.randrange(9)
        s = rng.choice(given)
        return s[:-1] + "x-%d" % rng.randrange(9) if s.endswith("*") else s

    out = []
    for _ in range(n):
        members = [scope() for _ in range(rng.randrange(2, 6))]
        members.append({"AnyOf": [scope() for _ in range(rng.randrange(1, 4))]})
        if rng.random() < 0.5:
            members.append({"AnyOf": [{"AllOf": [scope(), scope()]}, scope()]})
        out.append({"AllOf": members})
    return out


def python_rounds(fn, calls, rounds: int, repeat: int):
    answers = [fn(*args) for args in calls]
    seconds = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeat):
            for args in calls:
                fn(*args)
        seconds.append(time.perf_counter() - start)
    return answers, seconds


def cell(seconds, repeat: int) -> str:
    ms = [s / repeat * 1e3 for s in seconds]
    return "%.2f ms [%.2f..%.2f]" % (statistics.median(ms), min(ms), max(ms))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-node", action="store_true")
    args = parser.parse_args()

    from taskcluster import scopes

    rng = random.Random(400)
    given = scope_set(rng, 400)
    exprs = expressions(rng, 200, given)
    # a different set for each call: nothing of the set is reused
    others = [scope_set(random.Random(i), 400) for i in range(200)]
    big = [s + ("*" if i % 7 == 0 else "") for i, s in enumerate(scope_set(rng, 10000, ["p%d" % i for i in range(1000)]))]
    big_sorted = sorted(big, key=scopes.scopeKey)

    workloads = [
        ("satisfiesExpression: 400 scopes x 200 expressions", "satisfiesExpression",
         [[given, e] for e in exprs], 20),
        ("satisfiesExpression: 200 different 400-scope sets", "satisfiesExpression",
         [[o, e] for o, e in zip(others, exprs)], 5),
        ("normalizeScopeSet: 10,000 sorted scopes", "normalizeScopeSet", [[big_sorted]], 20),
    ]
    rows = []
    for label, fn, calls, repeat in workloads:
        answers, py = python_rounds(getattr(scopes, fn), calls, args.rounds, repeat)
        node = None
        if not args.no_node:
            node = node_rounds(fn, calls, args.rounds, repeat)
            if isinstance(node, dict) and node["answers"] != answers:
                raise SystemExit("bench/scopes.py: Node and Python answer %s differently" % fn)
        rows.append((label, py, node, repeat, answers))
    sort_answers, sort_seconds = python_rounds(lambda s: sorted(s, key=scopes.scopeKey),
                                               [[big]], args.rounds, 5)

    satisfied = sum(rows[0][4])
    print("\n## Scope algebra (taskcluster.scopes beside Node's taskcluster-lib-scopes 11.0.0)\n")
    print("Python %s; %d of 200 expressions satisfied; median [min..max] of %d rounds.\n"
          % (sys.version.split()[0], satisfied, args.rounds))
    print("| workload | Python | Node | Python / Node |")
    print("| --- | --- | --- | --- |")
    for label, py, node, repeat, _ in rows:
        if isinstance(node, dict):
            ratio = "%.2fx" % (statistics.median(py) / statistics.median(node["seconds"]))
            node_cell = cell(node["seconds"], repeat)
        else:
            ratio, node_cell = "-", node or "skipped (--no-node)"
        print("| %s | %s | %s | %s |" % (label, cell(py, repeat), node_cell, ratio))
    print("| sorted(key=scopeKey): 10,000 scopes | %s | - | - |" % cell(sort_seconds, 5))
    print("\nTarget (issue 18): satisfiesExpression no slower than 5x Node.  Not asserted.")


def node_rounds(fn, calls, rounds: int, repeat: int):
    """Node's answers and round times, or a short reason it could not run."""
    sys.path.insert(0, ORACLE)
    try:
        from nodeenv_setup import run_oracle

        result = run_oracle([{"kind": "scopesTiming", "id": "t", "fn": fn, "calls": calls,
                              "rounds": rounds, "repeat": repeat}])["t"]
    except Exception as exc:  # no Node on this machine: the Python figures stand alone
        return "unavailable (%s)" % str(exc).splitlines()[0][:60]
    if "error" in result:
        raise SystemExit("bench/scopes.py: the oracle failed: %s" % result["error"])
    return result["ok"]


if __name__ == "__main__":
    main()
