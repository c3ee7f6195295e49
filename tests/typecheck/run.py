"""Run mypy and pyright over the example consumer modules beside this file.

    python tests/typecheck/run.py            (``nox -s typecheck`` runs it)

``good.py`` must type-check cleanly.  In each ``bad_*.py``, every top-level
statement with a ``# error`` comment on one of its lines must be reported by
each checker (on any of its lines: mypy reports a failed overloaded call
where the call starts), and no other statement may be.  Exits 1 and says
which statement and which checker otherwise.  Run it where ``taskcluster``
is installed (not a checkout on the path): the stubs are checked as users get
them.
"""

from __future__ import annotations

import ast
import glob
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def statements(path: str):
    """(first line, last line, marked) for each top-level statement."""
    with open(path, encoding="utf-8") as fh:
        source = fh.read()
    lines = source.splitlines()
    for node in ast.parse(source).body:
        span = lines[node.lineno - 1:node.end_lineno]
        yield node.lineno, node.end_lineno, any(re.search(r"#\s*error\b", s) for s in span)


def mypy(files):
    out = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-error-summary",
                          "--no-incremental", "--cache-dir", os.devnull, *files], cwd=HERE,
                         capture_output=True, text=True)
    found = set()
    for line in out.stdout.splitlines():
        m = re.match(r"^(.+?\.py):(\d+): error:", line)
        if m:
            found.add((os.path.basename(m.group(1)), int(m.group(2))))
    return found, out.stdout + out.stderr


def pyright(files):
    out = subprocess.run([sys.executable, "-m", "pyright", "--outputjson",
                          "--pythonpath", sys.executable, *files], cwd=HERE,
                         capture_output=True, text=True)
    try:
        report = json.loads(out.stdout)
    except ValueError:
        return None, out.stdout + out.stderr
    found = {(os.path.basename(d["file"]), d["range"]["start"]["line"] + 1)
             for d in report["generalDiagnostics"] if d["severity"] == "error"}
    return found, out.stdout


def main() -> int:
    files = sorted(os.path.basename(p) for p in glob.glob(os.path.join(HERE, "*.py"))
                   if os.path.basename(p) == "good.py" or os.path.basename(p).startswith("bad_"))
    problems = []
    expected = 0
    for name, check in (("mypy", mypy), ("pyright", pyright)):
        found, text = check(files)
        if found is None:
            problems.append("%s did not run:\n%s" % (name, text))
            continue
        for f in files:
            for first, last, marked in statements(os.path.join(HERE, f)):
                hit = any((f, n) in found for n in range(first, last + 1))
                expected += marked
                if marked and not hit:
                    problems.append("%s missed the wrong use at %s:%d" % (name, f, first))
                elif hit and not marked:
                    problems.append("%s refused the correct use at %s:%d\n%s" % (
                        name, f, first, "\n".join(line for line in text.splitlines()
                                                  if "%s:%d" % (f, first) in line)))
        print("%s: %d errors reported over %d files" % (name, len(found), len(files)))
    for p in problems:
        print(p, file=sys.stderr)
    if not problems:
        print("every correct use passed and each of the %d wrong uses was reported by "
              "both checkers" % (expected // 2))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
