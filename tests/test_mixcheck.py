"""taskcluster._mixcheck: an import from a mix of this library's files and the
official package's fails at once, and its fix names commands that work: this
library is on no package index, so the fix installs it from where pip says it
came from (a clone or a wheel), never by a name pip cannot find."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import taskcluster
from taskcluster import _mixcheck

PACKAGE = os.path.dirname(os.path.abspath(taskcluster.__file__))


def mixed_site(tmp_path, direct_url: dict | None):
    """A site directory as pip leaves it after installing this library and then
    the official package over it: this library's files and dist-info, with
    the official package's ``generated/`` folder among them."""
    site = tmp_path / "site"
    shutil.copytree(PACKAGE, site / "taskcluster",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyi"))
    (site / "taskcluster" / "generated").mkdir()
    info = site / "taskcluster_refclient-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: taskcluster-refclient\n"
                                   "Version: 0.1.0\n")
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url))
    return site


def import_error(site) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKCLUSTER_")}
    env["PYTHONPATH"] = str(site)
    r = subprocess.run([sys.executable, "-c", "import taskcluster"], cwd=str(site), env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    return r.stderr.strip().splitlines()[-1]


def test_the_fix_installs_from_the_clone_pip_recorded(tmp_path):
    clone = tmp_path / "my clone"
    clone.mkdir()
    site = mixed_site(tmp_path, {"url": "file://" + str(clone).replace(" ", "%20"),
                                 "dir_info": {}})
    message = import_error(site)
    assert message.startswith("ImportError: the 'taskcluster' import package in %s mixes "
                              "files of two distributions" % (site / "taskcluster"))
    assert ("Fix, with this environment's pip: pip uninstall -y taskcluster && "
            "pip install --force-reinstall '%s' " % clone) in message
    # Never the name on no index, which left a user with neither package.
    assert "pip install taskcluster-refclient" not in message
    assert message.endswith("pip uninstall -y taskcluster-refclient taskcluster && "
                            "pip install taskcluster")


def test_without_a_recorded_source_the_fix_says_what_to_give(tmp_path):
    site = mixed_site(tmp_path, None)
    message = import_error(site)
    assert "pip install --force-reinstall %s (this library is on no package index" \
        % _mixcheck.UNKNOWN_SOURCE in message
    gone = mixed_site(tmp_path / "b", {"url": "file:///no/such/clone", "dir_info": {}})
    assert _mixcheck.UNKNOWN_SOURCE in import_error(gone)
