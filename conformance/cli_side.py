"""Run signed-URL and routing-key conformance cases through the command line
(``taskcluster-py signed-url`` / ``routing-key``), producing outputs in the
oracle's format, so the CLI is compared with Node and with the library.

A case becomes an argument list and an environment, as a user would type
them: credentials in ``TASKCLUSTER_*``, the case's rootUrl as ``--root-url``,
its authorizedScopes as ``--authorized-scope``, its clock pinned through
``_TASKCLUSTER_CLI_NOW`` (milliseconds; the CLI reads it for exactly this).
Some inputs have no command-line spelling; :func:`invocation` says which
and why, and those cases are counted, not silently dropped.

:func:`run_cli` runs the command line's ``main()`` in this process (a few
hundred cases in about a second); :func:`run_subprocess` runs one case as a
child process, to show the two are the same.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from typing import Any, Dict, List, Optional, Tuple, Union

__all__ = ["KINDS", "invocation", "run_cli", "run_subprocess"]

KINDS = ("buildSignedUrl", "routingKey")
CLOCK = "_TASKCLUSTER_CLI_NOW"

Invocation = Tuple[List[str], Dict[str, str]]


def _word(value: Any) -> Optional[str]:
    """A value as a command-line word, or None if it has no spelling there."""
    if isinstance(value, bool):
        return None   # a shell word is text: true/false would be strings, not booleans
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and "\0" not in value:
        return value
    return None


def _signed_url(case: Dict[str, Any]) -> Union[Invocation, str]:
    env: Dict[str, str] = {CLOCK: str(case["now"])}
    creds = case.get("credentials") or {}
    for key, var in (("clientId", "TASKCLUSTER_CLIENT_ID"),
                     ("accessToken", "TASKCLUSTER_ACCESS_TOKEN"),
                     ("certificate", "TASKCLUSTER_CERTIFICATE")):
        value = creds.get(key)
        if value:
            env[var] = value if isinstance(value, str) else json.dumps(
                value, separators=(",", ":"), ensure_ascii=False)
    argv = ["--root-url", case["rootUrl"]]
    scopes = case.get("authorizedScopes")
    if scopes is not None:
        if not scopes:
            return "authorizedScopes [] (no scopes at all) has no --authorized-scope spelling"
        for scope in scopes:
            argv += ["--authorized-scope", scope]
    words = [_word(a) for a in case["args"]]
    if None in words:
        return "a route argument that is not text or an integer"
    argv += ["signed-url", case["service"], case["method"], *words]
    for key, value in (case.get("query") or {}).items():
        if _word(value) is None:
            return "a query value that is not text or an integer"
        argv += ["--query", "%s=%s" % (key, _word(value))]
    if "expiration" in case:
        if _word(case["expiration"]) is None:
            return "an expiration that is not a whole number of seconds"
        argv += ["--expires", str(case["expiration"])]
    return argv, env


def _routing_key(case: Dict[str, Any]) -> Union[Invocation, str]:
    argv = ["routing-key", case["service"], case["exchange"]]
    pattern = case.get("pattern")
    if isinstance(pattern, str):
        return "a ready-made pattern string (nothing for the command line to build)"
    for name, value in (pattern or {}).items():
        if value is None:
            continue   # "not given", which is what a part left off the command line is
        if _word(value) is None:
            return "a routing-key value that is not text or an integer (%r)" % (value,)
        argv.append("%s=%s" % (name, _word(value)))
    return argv, {}


def invocation(case: Dict[str, Any]) -> Union[Invocation, str]:
    """``(argv, environment)`` for a case, or the reason it has none."""
    if case["kind"] == "buildSignedUrl":
        return _signed_url(case)
    if case["kind"] == "routingKey":
        return _routing_key(case)
    return "not a command-line kind"


def _output(kind: str, code: int, out: str, err: str) -> Dict[str, Any]:
    if code != 0:
        return {"error": err.strip(), "exit": code}
    text = out[:-1] if out.endswith("\n") else out
    return {"ok": text if kind == "buildSignedUrl" else json.loads(text)}


@contextlib.contextmanager
def _environment(env: Dict[str, str]):
    saved = {k: os.environ.pop(k) for k in list(os.environ)
             if k.startswith("TASKCLUSTER_") or k == CLOCK}
    os.environ.update(env)
    try:
        yield
    finally:
        for k in env:
            os.environ.pop(k, None)
        os.environ.update(saved)


def run_cli(cases: List[Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    """``{case id: {"ok": ...} | {"error": ..., "exit": n} | {"skipped": reason}}``."""
    from taskcluster._cli import main
    results: Dict[str, Dict[str, Any]] = {}
    for case in cases:
        plan = invocation(case)
        if isinstance(plan, str):
            results[case["id"]] = {"skipped": plan}
            continue
        argv, env = plan
        out, err = io.StringIO(), io.StringIO()
        with _environment(env), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv, prog_name="python -m taskcluster")
        results[case["id"]] = _output(case["kind"], code, out.getvalue(), err.getvalue())
    return results


def run_subprocess(case: Dict[str, Any]) -> Dict[str, Any]:
    """One case through ``python -m taskcluster`` in a child process."""
    argv, env = invocation(case)  # type: ignore[misc]
    base = {k: v for k, v in os.environ.items() if not k.startswith("TASKCLUSTER_")}
    proc = subprocess.run([sys.executable, "-m", "taskcluster", *argv], env=dict(base, **env),
                          capture_output=True, timeout=60)
    return _output(case["kind"], proc.returncode, proc.stdout.decode("utf-8"),
                   proc.stderr.decode("utf-8"))
