"""The project's tooling as a newcomer meets it: ``nox -l`` describes every
session in one line, the README's two check commands are what CI runs, and the
README stays a front page whose links lead somewhere."""

from __future__ import annotations

import ast
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _sessions():
    with open(os.path.join(ROOT, "noxfile.py"), encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and any(
                "nox.session" in ast.unparse(d) for d in node.decorator_list):
            yield node.name, ast.get_docstring(node)


def test_every_nox_session_has_a_one_line_description():
    """``nox -l`` shows the first line of each session's docstring: a whole
    sentence that fits on a terminal line beside the name."""
    sessions = dict(_sessions())
    assert {"tests", "lint", "conformance", "bench"} <= set(sessions)
    for name, doc in sessions.items():
        assert doc, "session %r has no docstring" % name
        first = doc.splitlines()[0]
        assert first.endswith("."), (name, first)
        assert len("* %s -> %s" % (name, first)) <= 100, (name, first)


def test_ci_runs_the_readme_checks():
    """.ci/run extracts the "Run the checks" commands from the README; here,
    the same extraction, by the same sed expression, gives the README's lines."""
    with open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8") as fh:
        script = fh.read()
    expression = re.search(r"checks=\$\(sed -n '([^']+)' README\.md\)", script).group(1)
    extracted = subprocess.run(["sed", "-n", expression, "README.md"], cwd=ROOT, check=True,
                               capture_output=True, text=True).stdout.splitlines()
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        readme = fh.read()
    section = readme.split("\n## Run the checks\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    assert extracted == block
    assert [line.split("#")[0].split() for line in block] == [
        ["python3", "dev.py", "-s", "conformance"], ["python3", "dev.py", "-s", "tests"]]
    assert 'bash -euxo pipefail -c "$checks"' in script
    # the user's quick start comes first; the contributors' commands after it
    assert readme.index("\n## Quick start\n") < readme.index("\n## Run the checks\n")


def test_ci_builds_the_docs_in_chromium():
    with open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8") as fh:
        script = fh.read()
    assert "python3 dev.py -s docs" in script.splitlines()
    assert "apt-get install -y -qq chromium" in script


def test_the_readme_is_a_front_page():
    """At most 250 lines; every relative link names a file of the
    repository, and every guide page is linked from it."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        readme = fh.read()
    assert len(readme.splitlines()) <= 250
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme)
    local = [link for link in links if "://" not in link]
    assert local
    for link in local:
        assert os.path.exists(os.path.join(ROOT, link)), link
    with open(os.path.join(ROOT, "docs", "index.md"), encoding="utf-8") as fh:
        guides = re.findall(r"^(guide/[\w-]+)$", fh.read(), re.M)
    assert len(guides) >= 11
    assert [g for g in guides if "docs/%s.md" % g not in local] == []
    # no command runs `python`, which Debian does not have
    assert not re.search(r"^python -", readme, re.M)


def test_ci_runs_the_lowest_and_newest_supported_python_and_builds_the_release():
    """The floor README and pyproject state is the one CI runs the suite on."""
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as fh:
        pyproject = fh.read()
    floor = re.search(r'^requires-python = ">=(3\.\d+)"$', pyproject, re.M).group(1)
    with open(os.path.join(ROOT, "noxfile.py"), encoding="utf-8") as fh:
        edges = ast.literal_eval(re.search(r"^SUPPORTED_EDGES = (\[.*\])$", fh.read(),
                                           re.M).group(1))
    assert edges[0] == floor and edges[-1] == "3.13"
    with open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8") as fh:
        script = fh.read()
    assert "python3 dev.py -s pythons" in script and "python3 dev.py -s build" in script
    for edge in edges:
        assert ":%s\"" % edge in script or ":%s:" % edge in script, edge
    # A dependency that needs a newer Python than the floor has a marker and an
    # older release beside it (click 8.2 and aioresponses-ng need 3.10).
    for newer in ("click>=8.2", "aioresponses-ng>=0.8"):
        assert '"%s; python_version >= \'3.10\'"' % newer in pyproject, newer


def test_the_readme_installs_only_from_a_clone_or_a_wheel():
    """The distribution is on no package index: no install line names it alone."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        readme = fh.read()
    lines = [line for line in readme.splitlines() if "pip install" in line]
    assert lines
    for line in lines:
        args = line.split("#")[0].split("pip install", 1)[1].split()
        # "./taskcluster-refclient" (a clone) or a wheel's file name, never the bare name
        assert not [a for a in args if re.match(r"'?taskcluster-refclient(\[|=|>|<|'|$)", a)], \
            line
