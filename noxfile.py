"""Sessions: ``nox -s tests`` (the test suite), ``nox -s lint``,
``nox -s conformance`` (the live Node cross-check), ``nox -s bench``."""

from __future__ import annotations

import tempfile

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.error_on_missing_interpreters = True



def _install(session: nox.Session) -> None:
    # A real (non-editable) install: the tests use the package as users get it.
    session.install(".[test]")


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite, against the installed package and the golden files."""
    _install(session)
    with tempfile.TemporaryDirectory() as tmp, session.chdir(tmp):
        # The installed package carries its references: use it from elsewhere.
        session.run("python", "-c",
                    "import taskcluster, taskcluster._references as r; "
                    "assert 'site-packages' in r.references_dir(), r.references_dir(); "
                    "print(taskcluster.Queue({'rootUrl': 'https://tc.example.com'})"
                    ".buildUrl('task', 'abc'))")
    session.run("pytest", "-p", "no:cacheprovider", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff==0.17.6")
    session.run("ruff", "check", "taskcluster", "tests", "conformance", "node_oracle",
                "noxfile.py")


@nox.session
def conformance(session: nox.Session) -> None:
    """Run the real Node client over every case and compare with Python."""
    _install(session)
    session.install("nodeenv")
    session.run("python", "node_oracle/nodeenv_setup.py")
    session.run("pytest", "-p", "no:cacheprovider", "conformance", "--live-oracle",
                *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """This client beside the ``taskcluster`` package (113.2.0, in an environment
    of its own: both are imported as ``taskcluster``), against one loopback
    server on 127.0.0.1.  Prints a table; fails on nothing but errors.
    ``nox -s bench -- --rounds 3`` passes options to bench/run.py (and to
    bench/transfer.py: 256 MiB up and down through putUrl/getUrl on moto)."""
    import os

    root = os.path.dirname(os.path.abspath(__file__))
    # The test extra: the transfer rows run on moto, with the tests' fake services.
    session.install(".[test]")
    theirs = os.path.join(os.path.abspath(session.create_tmp()), "taskcluster-113.2.0")
    python = os.path.join(theirs, "Scripts" if os.name == "nt" else "bin", "python")
    marker = os.path.join(theirs, ".installed")
    if not os.path.exists(marker):
        session.run("python", "-m", "venv", "--clear", theirs)
        session.run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "taskcluster==113.2.0", external=True)
        with open(marker, "w"):
            pass
    # Run from elsewhere: the repository's taskcluster/ must not shadow either package.
    with session.chdir(session.create_tmp()):
        session.run("python", os.path.join(root, "bench", "run.py"), "--theirs-python", python,
                    *session.posargs)
        session.run("python", os.path.join(root, "bench", "transfer.py"), "--theirs-python",
                    python, *session.posargs)
