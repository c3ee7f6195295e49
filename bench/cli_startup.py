"""How long the command line takes, start to exit, beside ``python -c pass``.

    python bench/cli_startup.py [--runs 20]

Each command runs ``--runs`` times as a fresh process (stdout to a pipe);
prints a markdown table of milliseconds, median [min..max].  The issue's
target: ``slugid`` and ``from-now`` under 100 ms.  Nothing here fails on a
timing; it needs nothing but this package installed in the running Python.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

PY = sys.executable


def commands():
    script = shutil.which("taskcluster-py", path=os.path.dirname(PY))
    tc = [PY, "-m", "taskcluster"]
    rows = [
        ("python -c pass", [PY, "-c", "pass"]),
        ("python -c 'import taskcluster'", [PY, "-c", "import taskcluster"]),
        ("python -m taskcluster slugid generate", tc + ["slugid", "generate"]),
        ("python -m taskcluster from-now 2 hours", tc + ["from-now", "2 hours"]),
    ]
    if script:
        rows += [
            ("taskcluster-py slugid generate", [script, "slugid", "generate"]),
            ("taskcluster-py from-now 2 hours", [script, "from-now", "2 hours"]),
        ]
    rows += [
        ("python -m taskcluster routing-key queue taskCompleted taskId=x",
         tc + ["routing-key", "queue", "taskCompleted", "taskId=x"]),
        ("python -m taskcluster api queue createTask --help",
         tc + ["api", "queue", "createTask", "--help"]),
    ]
    return rows


def timed(argv, env) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True, cwd="/")
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKCLUSTER_")}
    rows = commands()
    times = {name: [] for name, _ in rows}
    for _name, argv in rows:
        timed(argv, env)  # warm the file cache
    # Rounds alternate between the commands, so a slow moment falls on all.
    for _ in range(args.runs):
        for name, argv in rows:
            times[name].append(timed(argv, env))
    print("| command (%d runs each, %s) | ms: median [min..max] |" % (
        args.runs, os.path.basename(PY)))
    print("|---|---|")
    for name, _ in rows:
        t = times[name]
        print("| `%s` | %.1f [%.1f..%.1f] |" % (name, statistics.median(t), min(t), max(t)))


if __name__ == "__main__":
    main()
