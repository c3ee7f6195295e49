"""The Node environment (node_oracle/nodeenv_setup.py) as ``nox -s
conformance`` leaves it: outside the session's venv, reused by the next run,
announced in one calm line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SETUP = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                     "node_oracle", "nodeenv_setup.py")


@pytest.fixture(scope="module")
def env(request):
    if not request.config.getoption("--live-oracle"):
        pytest.skip("needs the Node oracle: run `nox -s conformance`")
    from nodeenv_setup import ensure_env

    return ensure_env()


def test_node_lives_outside_the_venv(env):
    """nox recreates its venvs: nothing the environment runs may live there."""
    venv = os.path.realpath(sys.prefix)
    for key in ("node", "real_node", "npm_cli"):
        path = os.path.realpath(env[key])
        assert os.path.commonpath([path, venv]) != venv, (key, path)


def test_a_second_setup_reuses_the_environment_in_one_line(env):
    out = subprocess.run([sys.executable, SETUP], capture_output=True, text=True, timeout=120,
                         env={k: v for k, v in os.environ.items() if k != "NODE_ORACLE_VERBOSE"})
    assert out.returncode == 0, out.stderr
    assert out.stdout == ""
    lines = out.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("node_oracle: Node v"), lines
    assert "taskcluster-client 87.1.3" in lines[0] and lines[0].endswith(", reused"), lines
