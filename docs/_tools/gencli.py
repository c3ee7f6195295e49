"""Write the command-line reference page from the command line's own ``--help``.

    python docs/_tools/gencli.py OUT.md

Every subcommand is found by walking the click command tree (as ``--help``
lists it), and its help is what ``python -m taskcluster ... --help`` prints,
run as a child process.  ``api SERVICE`` lists a service's methods; a
method's own help (``api queue createTask --help``) is its reference entry,
shown for one method here and for every method in the service reference.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import List, Tuple

import click

from taskcluster._cli import cli

# A method's help is shown for this one; the others read the same way.
ONE_METHOD = ("api", "queue", "createTask")
# Groups with a subcommand per method or exchange of each service.
BY_SERVICE = (("api",), ("signed-url",), ("routing-key",))


def commands() -> List[Tuple[str, ...]]:
    """Every command path, depth first, in the order --help lists them."""
    found: List[Tuple[str, ...]] = []

    def walk(command: click.Command, path: Tuple[str, ...]) -> None:
        found.append(path)
        if not isinstance(command, click.Group):
            return
        ctx = click.Context(command, info_name=path[-1] if path else "taskcluster-py")
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is None:
                continue
            if path[:1] in BY_SERVICE and len(path) == 2:
                continue    # a service's methods or exchanges: the service reference
            walk(sub, path + (name,))

    walk(cli, ())
    found.append(ONE_METHOD)
    return found


def help_text(path: Tuple[str, ...]) -> str:
    env = dict(os.environ, COLUMNS="90", TERM="dumb")
    for key in [k for k in env if k.startswith("TASKCLUSTER_")]:
        del env[key]
    done = subprocess.run([sys.executable, "-m", "taskcluster", *path, "--help"],
                          capture_output=True, text=True, env=env, timeout=60)
    if done.returncode != 0:
        raise SystemExit("`taskcluster-py %s --help` failed: %s" % (" ".join(path), done.stderr))
    return done.stdout.replace("Usage: python -m taskcluster", "Usage: taskcluster-py")


def main(out: str) -> None:
    lines = ["# Command line reference", "",
             "Every subcommand of `taskcluster-py` (also `python -m taskcluster`), with the "
             "help it prints, generated from the command line itself when this site is "
             "built.  The [command line guide](../guide/cli.md) shows it at work.  Under "
             "`api SERVICE`, `signed-url SERVICE` and `routing-key SERVICE` every "
             "method or exchange of the service is a subcommand; its help is its entry in "
             "the [service reference](index.md), as shown here for `api queue createTask`.", ""]
    for path in commands():
        title = "taskcluster-py" + "".join(" " + p for p in path)
        lines += ["## `%s`" % title, "", "```text", help_text(path).rstrip(), "```", ""]
    with open(out, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: gencli.py OUT.md")
    main(sys.argv[1])
