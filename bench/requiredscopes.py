"""What filling a method's scope expression costs (``requiredScopes``, and
``expressionFor``, which the fake deployment runs on every request).

    python bench/requiredscopes.py [--rounds 5]

Times ``expressionFor`` for ``queue.task`` (one route parameter),
``queue.getArtifact`` (a ``for`` over a derived list) and ``queue.createTask``
on the 2 KB task of the other benchmarks (priorities, routes, scopes and the
schema's defaults), then ``requiredScopes`` for createTask (binding the
arguments as a client method does), and the first use of a method
(compiling its template, reading its schema's defaults).  Prints a markdown
table: median [min..max] microseconds of the rounds.  Nothing fails on a
timing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workloads import median_cell as cell  # noqa: E402
from workloads import per_call_us, task_definition  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    from taskcluster import _requiredscopes as rs
    task = task_definition()
    started = time.perf_counter()
    rs.expressionFor("queue", "createTask", {"taskId": "t"}, task)
    first = (time.perf_counter() - started) * 1e6
    rows = [
        ("expressionFor queue.task", lambda: rs.expressionFor("queue", "task", {"taskId": "t"})),
        ("expressionFor queue.getArtifact", lambda: rs.expressionFor(
            "queue", "getArtifact", {"taskId": "t", "runId": "0", "name": "public/x"})),
        ("expressionFor queue.createTask", lambda: rs.expressionFor(
            "queue", "createTask", {"taskId": "t"}, task)),
        ("requiredScopes queue.createTask", lambda: rs.requiredScopes(
            "queue", "createTask", "t", task)),
    ]
    print("| call | us per call |")
    print("|---|---|")
    print("| first createTask (prepare the method) | %.0f |" % first)
    for name, fn in rows:
        print("| %s | %s |" % (name, cell(per_call_us(fn, 5000, args.rounds))))


if __name__ == "__main__":
    main()
