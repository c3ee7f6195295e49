"""Sessions: ``nox -s tests`` (the test suite), ``nox -s lint``,
``nox -s conformance`` (the live Node cross-check), ``nox -s bench``,
``nox -s compat`` (the differential suite against the ``taskcluster`` package)."""

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
    session.run("ruff", "check", "taskcluster", "tests", "conformance", "node_oracle", "compat",
                "noxfile.py")


@nox.session
def conformance(session: nox.Session) -> None:
    """Run the real Node client over every case and compare with Python."""
    _install(session)
    session.install("nodeenv")
    session.run("python", "node_oracle/nodeenv_setup.py")
    session.run("pytest", "-p", "no:cacheprovider", "conformance", "--live-oracle",
                *session.posargs)


def _theirs(session: nox.Session, *extra: str) -> str:
    """The ``taskcluster`` package (113.2.0) in an environment of its own
    (both it and this library are imported as ``taskcluster``), made once per
    set of ``extra`` requirements; returns its interpreter."""
    import os

    name = "taskcluster-113.2.0" + ("-" + "-".join(sorted(extra)) if extra else "")
    theirs = os.path.join(os.path.abspath(session.create_tmp()), name.replace("=", ""))
    python = os.path.join(theirs, "Scripts" if os.name == "nt" else "bin", "python")
    marker = os.path.join(theirs, ".installed")
    if not os.path.exists(marker):
        session.run("python", "-m", "venv", "--clear", theirs)
        session.run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "taskcluster==113.2.0", *extra, external=True)
        with open(marker, "w"):
            pass
    return python


@nox.session
def bench(session: nox.Session) -> None:
    """This client beside the ``taskcluster`` package (113.2.0, in an environment
    of its own: both are imported as ``taskcluster``), against one loopback
    server on 127.0.0.1.  Prints a table; fails on nothing but errors.
    ``nox -s bench -- --rounds 3`` passes options to bench/run.py."""
    import os

    root = os.path.dirname(os.path.abspath(__file__))
    session.install(".")
    python = _theirs(session)
    # Run from elsewhere: the repository's taskcluster/ must not shadow either package.
    with session.chdir(session.create_tmp()):
        session.run("python", os.path.join(root, "bench", "run.py"), "--theirs-python", python,
                    *session.posargs)


# The HTTP mocks the scenarios run under, pinned alike on both sides.
COMPAT_MOCKS = ("responses==0.26.3", "httmock==1.4.0", "requests-mock==1.12.1")


@nox.session
def compat(session: nox.Session) -> None:
    """The same scenarios under this library and the taskcluster package (113.2.0); fails on any difference not in compat/differences.py."""
    import os

    root = os.path.dirname(os.path.abspath(__file__))
    session.install(".", *COMPAT_MOCKS)
    python = _theirs(session, *COMPAT_MOCKS)
    session.run("python", os.path.join(root, "compat", "run.py"), "--check-readme",
                os.path.join(root, "README.md"))
    with session.chdir(session.create_tmp()):
        session.run("python", os.path.join(root, "compat", "run.py"), "--theirs-python", python,
                    *session.posargs)
