"""Run nox from a venv of its own, made on first use: ``python3 dev.py -s tests``.

Needs Python 3.9+ and nothing else installed: no ``pip install`` into the
system Python, which Debian's refuses (externally-managed-environment).  The
venv is made with the standard ``venv`` module (on Debian and Ubuntu it is in
the python3-venv package, which Python says if it is missing), in
``.nox/_dev/`` (git-ignored; delete it to start afresh).  Every argument goes
to nox as it is: ``python3 dev.py -l`` lists the sessions.
"""

from __future__ import annotations

import os
import subprocess
import sys

NOX = "nox>=2024.4.15"
ROOT = os.path.dirname(os.path.abspath(__file__))
VENV = os.path.join(ROOT, ".nox", "_dev")


def _python() -> str:
    if os.name == "nt":
        return os.path.join(VENV, "Scripts", "python.exe")
    return os.path.join(VENV, "bin", "python")


def _ensure_nox() -> None:
    # Made again when another Python runs this, or when NOX changes.
    made_by = "%s\n%s %s\n" % (NOX, sys.executable, sys.version.split()[0])
    stamp = os.path.join(VENV, "made-by.txt")
    try:
        with open(stamp) as fh:
            if fh.read() == made_by and os.path.exists(_python()):
                return
    except OSError:
        pass
    print(f"dev.py: making {os.path.relpath(VENV, ROOT)} with {NOX} (once)",
          file=sys.stderr, flush=True)
    steps = ([sys.executable, "-m", "venv", "--clear", VENV],
             [_python(), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", NOX])
    for step in steps:
        if subprocess.call(step) != 0:
            sys.exit(f"dev.py: `{' '.join(step)}` failed (see above)")
    with open(stamp, "w") as fh:
        fh.write(made_by)


def main() -> int:
    if sys.version_info < (3, 9):
        sys.exit("dev.py: needs Python 3.9 or newer; this is %d.%d" % sys.version_info[:2])
    _ensure_nox()
    return subprocess.call([_python(), "-m", "nox", *sys.argv[1:]], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main())
