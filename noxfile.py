"""The project's sessions; ``nox -l`` lists them with the first line of each
docstring.  ``nox`` alone runs lint and tests.  Without nox installed,
``python3 dev.py ARGS`` runs ``nox ARGS`` from a venv of its own."""

from __future__ import annotations

import hashlib
import os
import tempfile

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.error_on_missing_interpreters = True


def _install(session: nox.Session) -> None:
    # A real (non-editable) install: the tests use the package as users get it.
    session.install(".[test]")


def _sources_digest() -> str:
    """A digest of everything an install of the package is built from."""
    digest = hashlib.sha256()
    paths = ["pyproject.toml"]
    for top in ("taskcluster", "references"):
        for folder, dirs, files in os.walk(top):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            paths += [os.path.join(folder, f) for f in sorted(files)]
    for path in paths:
        with open(path, "rb") as fh:
            digest.update(b"%s\0%s\0" % (path.encode(), hashlib.sha256(fh.read()).digest()))
    return digest.hexdigest()


def _install_if_changed(session: nox.Session) -> None:
    """_install, skipped in a reused venv when the sources are those installed."""
    stamp = os.path.join(session.virtualenv.location, ".installed-sources")
    digest = _sources_digest()
    try:
        with open(stamp) as fh:
            if fh.read() == digest:
                session.log("the package is installed from these very sources: not reinstalled")
                return
    except OSError:
        pass
    _install(session)
    with open(stamp, "w") as fh:
        fh.write(digest)


def _tests(session: nox.Session) -> None:
    # The venv is reused and the package installed again only when its sources
    # changed: an edit to a test file runs at once.
    _install_if_changed(session)
    with tempfile.TemporaryDirectory() as tmp, session.chdir(tmp):
        # The installed package carries its references: use it from elsewhere.
        session.run("python", "-c",
                    "import taskcluster, taskcluster._references as r; "
                    "assert 'site-packages' in r.references_dir(), r.references_dir(); "
                    "print(taskcluster.Queue({'rootUrl': 'https://tc.example.com'})"
                    ".buildUrl('task', 'abc'))")
    session.run("pytest", "-p", "no:cacheprovider", *session.posargs)


@nox.session(reuse_venv=True)
def tests(session: nox.Session) -> None:
    """The test suite, against the installed package and the golden files (no Node)."""
    _tests(session)


# The package supports what the taskcluster package does: Python 3.9 and up.
SUPPORTED_EDGES = ["3.9", "3.13"]


@nox.session(python=SUPPORTED_EDGES, reuse_venv=True)
def pythons(session: nox.Session) -> None:
    """The test suite on the lowest and the newest supported Python (pythons-3.9, -3.13)."""
    _tests(session)


@nox.session
def build(session: nox.Session) -> None:
    """The sdist and the wheel, into dist/, their metadata checked: a release is these files.

    Also installs the wheel in this session's venv and uses it from elsewhere,
    so a wheel that lacks the references or the stubs fails here."""
    import glob
    import shutil

    root = os.path.dirname(os.path.abspath(__file__))
    dist = os.path.join(root, "dist")
    shutil.rmtree(dist, ignore_errors=True)
    session.install("build==1.6.1", "twine==7.0.0")
    session.run("python", "-m", "build", "--outdir", dist, root)
    files = sorted(glob.glob(os.path.join(dist, "*")))
    session.run("twine", "check", "--strict", *files)
    wheel = next(f for f in files if f.endswith(".whl"))
    session.install("--force-reinstall", wheel)
    with tempfile.TemporaryDirectory() as tmp, session.chdir(tmp):
        session.run("python", "-c",
                    "import os, taskcluster, taskcluster._references as r; "
                    "assert 'site-packages' in r.references_dir(); "
                    "assert os.path.exists(os.path.join(os.path.dirname(taskcluster.__file__), "
                    "'py.typed')); "
                    "print(taskcluster.Queue({'rootUrl': 'https://tc.example.com'})"
                    ".buildUrl('task', 'abc'))")
        session.run("taskcluster-py", "from-now", "1 hour")
    session.log("built: %s" % ", ".join(os.path.relpath(f, root) for f in files))


@nox.session
def pulse(session: nox.Session) -> None:
    """The pulse tests against a RabbitMQ of their own; `-- --bench`: bench/pulse.py too.

    Needs Debian's rabbitmq-server installed (.ci/run installs it)."""
    # tests/pulse_broker.py starts Debian's rabbitmq-server as a child process on
    # free ports (never a system-wide broker); here a missing one is a failure.
    session.install(".[test,pulse]")
    bench = "--bench" in session.posargs
    args = [a for a in session.posargs if a != "--bench"]
    session.run("pytest", "-p", "no:cacheprovider", "tests/test_pulse_core.py",
                "tests/test_pulse_broker.py", "tests/test_pulse_fake.py", *args,
                env={"PULSE_TESTS_REQUIRE_BROKER": "1"})
    if bench:
        session.run("python", "bench/pulse.py")


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff over the package, the tests, the cross-check and the tooling."""
    session.install("ruff==0.17.6")
    session.run("ruff", "check", "taskcluster", "tests", "conformance", "node_oracle",
                "compat", "docs", "noxfile.py", "dev.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy and pyright over tests/typecheck/: good uses pass, each wrong one is caught."""
    # pyright's PyPI package runs on Node; [nodejs] brings it as a wheel.  Pinned so a
    # new checker release cannot change CI's verdict; mypy 2.4 runs on Python >= 3.10.
    session.install(".", "mypy==2.4.1", "pyright[nodejs]==1.1.414")
    session.run("python", "tests/typecheck/run.py")


# The venv is reused (installing the package takes a third as long as the
# cases themselves); a changed source tree is installed again.
@nox.session(reuse_venv=True)
def conformance(session: nox.Session) -> None:
    """Every case through the real Node client and through Python, compared.

    The Node environment is kept in node_oracle/ (git-ignored), outside this
    session's venv, and reused while it matches the pins; the setup prints
    one line saying which Node runs.  ``--force-regen`` (after ``--``)
    rewrites the golden files from what Node says now."""
    _install_if_changed(session)
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
    """Benchmarks: this client beside the taskcluster 113.2.0 package, on loopback.

    The package runs in an environment of its own (both are imported as
    ``taskcluster``), against one loopback server on 127.0.0.1.  Prints a
    table; fails on nothing but errors.  Also bench/validation.py (schema
    checks), bench/scopes.py (the scope algebra beside Node's),
    bench/transfer.py (256 MiB through putUrl/getUrl on moto) and
    bench/fake.py (the fake deployment's calls/s and start time).
    ``nox -s bench -- --rounds 3`` passes options to bench/run.py and transfer.py."""
    root = os.path.dirname(os.path.abspath(__file__))
    # The test extra: the transfer rows run on moto, with the tests' fake services.
    session.install(".[test]")
    python = _theirs(session)
    # Run from elsewhere: the repository's taskcluster/ must not shadow either package.
    with session.chdir(session.create_tmp()):
        session.run("python", os.path.join(root, "bench", "run.py"), "--theirs-python", python,
                    *session.posargs)
        # taskcluster.aio beside the package's, 200 calls at once on one client
        session.run("python", os.path.join(root, "bench", "aio.py"), "--theirs-python", python,
                    *session.posargs)
        # validatePayloads' cost, with jsonschema beside it for comparison
        session.install("jsonschema")
        session.run("python", os.path.join(root, "bench", "validation.py"))
        # filling a method's scope expression (requiredScopes, expressionFor)
        session.run("python", os.path.join(root, "bench", "requiredscopes.py"))
        # the scope algebra beside Node's taskcluster-lib-scopes (via node_oracle/)
        session.run("python", os.path.join(root, "bench", "scopes.py"))
        # 256 MiB up and down through putUrl/getUrl on moto
        session.run("python", os.path.join(root, "bench", "transfer.py"), "--theirs-python",
                    python, *session.posargs)
        # taskcluster.fake: calls/s from one client, the fixture's start
        session.run("python", os.path.join(root, "bench", "fake.py"), *session.posargs)


# The documentation tools, pinned so a new release cannot break CI's build:
# releases that run on Python 3.9 to 3.13 (Sphinx 8 needs 3.11); the site
# builds without a warning on 3.10 and 3.11.
DOC_TOOLS = ("sphinx==7.4.7", "myst-parser==3.0.1", "furo==2024.8.6")


@nox.session
def docs(session: nox.Session) -> None:
    """The documentation site into docs/_build/html/, then opened in headless Chromium.

    Sphinx with warnings as errors, and every internal link and anchor
    checked (docs/_tools/build.py); docs/_tools/test_site.py then loads the
    front page and a reference page in Debian's chromium."""
    session.install(".", *DOC_TOOLS, "pytest>=7")
    session.run("python", "docs/_tools/build.py")
    session.run("pytest", "-p", "no:cacheprovider", "-q", "docs/_tools/test_site.py")


# The HTTP mocks the scenarios run under, pinned alike on both sides.
COMPAT_MOCKS = ("responses==0.26.3", "httmock==1.4.0", "requests-mock==1.12.1")


@nox.session
def compat(session: nox.Session) -> None:
    """The same scenarios under this library and taskcluster 113.2.0, compared.

    Fails on any difference that compat/differences.py does not list with
    its reason (that list is the table in docs/guide/moving.md)."""
    import os

    root = os.path.dirname(os.path.abspath(__file__))
    session.install(".", *COMPAT_MOCKS)
    python = _theirs(session, *COMPAT_MOCKS)
    session.run("python", os.path.join(root, "compat", "run.py"), "--check-page",
                os.path.join(root, "docs", "guide", "moving.md"))
    # The golden file of the package's utils outputs, re-checked against the package itself
    # (the tests session, without it, skips this one test).
    session.install("pytest", "pytest-regressions", "mohawk")
    session.run("pytest", "-p", "no:cacheprovider", "-q",
                "tests/test_utils.py::test_golden_file_is_what_the_package_gives_now",
                env={"TC_PACKAGE_PYTHON": python})
    with session.chdir(session.create_tmp()):
        session.run("python", os.path.join(root, "compat", "run.py"), "--theirs-python", python,
                    *session.posargs)
        # The fake deployment's queue driven by the package (create .. completed, a
        # dependency chain, a retry).
        session.run("python", os.path.join(root, "compat", "fake_lifecycle.py"),
                    "--theirs-python", python)
