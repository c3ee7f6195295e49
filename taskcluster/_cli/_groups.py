"""Groups whose subcommands are made from the references when named."""

from __future__ import annotations

from typing import List

import click

from ._common import CliError

__all__ = ["Group", "BareGroup", "NamedGroup"]


class BareGroup(click.UsageError):
    """A group run without its subcommand: its help is the answer (stderr,
    exit 2).  click 8.2 raises its NoArgsIsHelpError for this; 8.1, which
    Python 3.9 gets, printed the help on stdout with exit 0."""

    def __init__(self, ctx):
        super().__init__(ctx.get_help(), ctx=ctx)

    def format_message(self) -> str:
        return self.message


class Group(click.Group):
    """The command line's groups: run bare, the same answer under every
    click this package supports."""

    def parse_args(self, ctx, args):
        if not args and self.no_args_is_help and not ctx.resilient_parsing:
            raise BareGroup(ctx)
        return super().parse_args(ctx, args)


class NamedGroup(Group):
    """A group whose subcommands come from ``get_command`` (which raises a
    :class:`CliError` naming the choices for an unknown name).  Run without
    a subcommand, it prints ``listing()`` on stdout."""

    section = "Commands"

    def __init__(self, name=None, **kwargs):
        own = kwargs.pop("callback", None)

        def callback(*args, **kw):
            ctx = click.get_current_context()
            if ctx.invoked_subcommand is None:
                for line in self.listing(ctx):
                    click.echo(line)
            return own(*args, **kw) if own is not None else None
        super().__init__(name, invoke_without_command=True, callback=callback, **kwargs)

    def listing(self, ctx) -> List[str]:
        raise NotImplementedError

    def descriptions(self, ctx) -> List[tuple]:
        return [(name, "") for name in self.list_commands(ctx)]

    def resolve_command(self, ctx, args):
        try:
            cmd = self.get_command(ctx, args[0])
        except CliError:
            if ctx.resilient_parsing:  # completing a line: offer nothing, do not fail
                return args[0], click.Command(args[0]), args[1:]
            raise
        return cmd.name, cmd, args[1:]

    def format_commands(self, ctx, formatter):
        with formatter.section(self.section):
            formatter.write_dl(self.descriptions(ctx))


def write_lines(formatter, lines: List[str]) -> None:
    """Lines of a help text as they are (click would rewrap them)."""
    formatter.write_paragraph()
    with formatter.indentation():
        for line in lines:
            formatter.write(formatter.current_indent * " " + line + "\n" if line else "\n")
