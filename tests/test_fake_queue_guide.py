"""docs/guide/fake-queue.md's examples run as they are written: its python
blocks, as one test module, in a child pytest with the taskcluster_fake
fixture, as a user's test suite would run them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "guide" / "fake-queue.md"


def test_the_guides_examples_pass(tmp_path):
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    tests = [name for block in blocks for name in re.findall(r"^def (test_\w+)", block, re.M)]
    assert len(tests) == 3
    (tmp_path / "test_guide.py").write_text("\n\n".join(blocks), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKCLUSTER_")}
    env.update(PYTHONPATH=str(ROOT), NO_PROXY="*")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-p", "taskcluster.fake.pytest_plugin", "-W", "error",
                           str(tmp_path / "test_guide.py")],
                          cwd=str(tmp_path), env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "%d passed" % len(tests) in proc.stdout
