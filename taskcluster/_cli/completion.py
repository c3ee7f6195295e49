"""``completion bash|zsh|fish``: the shell script that completes commands,
services, methods and exchanges (click's completion, under a name that
does not depend on how the program was installed)."""

from __future__ import annotations

import click

__all__ = ["completion"]


@click.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
@click.pass_context
def completion(ctx, shell):
    """Print the completion script for SHELL.  For bash, add to ~/.bashrc:

    \b
        eval "$(taskcluster-py completion bash)"
    """
    from click.shell_completion import get_completion_class
    root = ctx.find_root()
    prog = root.info_name or ""
    if not prog or " " in prog:  # `python -m taskcluster`: complete the console script
        prog = "taskcluster-py"
    complete_var = "_%s_COMPLETE" % prog.replace("-", "_").replace(".", "_").upper()
    cls = get_completion_class(shell)
    click.echo(cls(root.command, {}, prog, complete_var).source())
