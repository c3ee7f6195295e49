"""Run the command line as users do: ``python -m taskcluster`` in a child
process, with only the environment a test gives it (no TASKCLUSTER_* or
proxy settings of the machine), on a pipe or on a terminal (a pty)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from dataclasses import dataclass
from typing import Dict, Optional

CLIENT_ID = "tester/cli"
ACCESS_TOKEN = "cli-secret-token-0123456789-abcdefghijklmnop"


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def err_lines(self):
        return self.err.splitlines()


def environment(root_url: Optional[str] = None, credentials: bool = False,
                **extra: str) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TASKCLUSTER_") and k.lower() not in (
               "http_proxy", "https_proxy", "all_proxy", "no_proxy")}
    env["NO_PROXY"] = "*"
    if root_url:
        env["TASKCLUSTER_ROOT_URL"] = root_url
    if credentials:
        env["TASKCLUSTER_CLIENT_ID"] = CLIENT_ID
        env["TASKCLUSTER_ACCESS_TOKEN"] = ACCESS_TOKEN
    env.update(extra)
    return env


def command(*args: str):
    return [sys.executable, "-m", "taskcluster", *args]


def run(*args: str, env: Optional[Dict[str, str]] = None, stdin: Optional[str] = None,
        cwd: Optional[str] = None) -> Result:
    """Run on pipes; the output never holds the test credentials' secret."""
    proc = subprocess.run(command(*args), env=env if env is not None else environment(),
                          input=stdin if stdin is not None else "", capture_output=True,
                          text=True, cwd=cwd or "/", timeout=60)
    assert ACCESS_TOKEN not in proc.stdout + proc.stderr
    return Result(proc.returncode, proc.stdout, proc.stderr)


def run_on_terminal(*args: str, env: Optional[Dict[str, str]] = None) -> Result:
    """Run with stdout on a pseudo-terminal (stderr on a pipe)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(command(*args), env=env if env is not None else environment(),
                            stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE,
                            cwd="/")
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            proc.kill()
            raise AssertionError("no output from %r within 60 s" % (args,))
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    err = proc.stderr.read().decode()
    proc.stderr.close()
    code = proc.wait(timeout=60)
    # A terminal turns "\n" into "\r\n".
    out = b"".join(chunks).decode().replace("\r\n", "\n")
    assert ACCESS_TOKEN not in out + err
    return Result(code, out, err)
