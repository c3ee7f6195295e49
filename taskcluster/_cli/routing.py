"""``routing-key <service> <exchange> [PART=VALUE]...``: the exchange and
routing-key pattern to bind a pulse queue to, as the library's exchange
classes build them (``QueueEvents().taskCompleted(taskId=...)``)."""

from __future__ import annotations

from typing import Dict, Tuple

import click

from . import _services
from ._common import CliError, emit_json
from ._describe import exchange_help

__all__ = ["routing_key"]


class _Exchange(click.Command):
    def __init__(self, *args, prefix, entry, **kwargs):
        super().__init__(*args, **kwargs)
        self.prefix, self.entry = prefix, entry

    def format_help_text(self, ctx, formatter):
        formatter.write_paragraph()
        with formatter.indentation():
            for line in exchange_help(self.prefix, self.entry):
                formatter.write(formatter.current_indent * " " + line + "\n" if line else "\n")


def _parts(entry, pairs: Tuple[str, ...], command: str) -> Dict[str, str]:
    names = [p.name for p in entry.routingKey if not p.constant]
    values: Dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise CliError("%s: give routing-key parts as PART=VALUE, not %r (parts: %s)"
                           % (command, pair, ", ".join(names)))
        if key in values:
            raise CliError("%s: routing-key part %r is given twice" % (command, key))
        values[key] = value
    return values


def _exchange_command(class_name: str, entry) -> click.Command:
    ref = _services.reference(class_name)
    command = "%s %s" % (ref.serviceName, entry.name)

    def run(parts):
        import taskcluster
        exchange_class = getattr(taskcluster, class_name)
        # A pattern from the library itself: the same checks (a dot in a
        # one-word part, unknown parts) and the same output as a Python caller.
        emit_json(getattr(exchange_class(), entry.name)(_parts(entry, parts, command)))

    free = [p.name for p in entry.routingKey if not p.constant]
    params = [click.Argument(["parts"], nargs=-1, metavar="[PART=VALUE]...",
                             shell_complete=lambda ctx, param, incomplete: [
                                 click.shell_completion.CompletionItem(n + "=")
                                 for n in free if (n + "=").startswith(incomplete)])]
    return _Exchange(entry.name, params=params, callback=run, prefix=ref.exchangePrefix,
                     entry=entry, short_help=entry.title or entry.name, help=entry.title)


class _Service(click.Group):
    def __init__(self, name, class_name, **kwargs):
        super().__init__(name, invoke_without_command=True, **kwargs)
        self.class_name = class_name

    def list_commands(self, ctx):
        return list(_services.reference(self.class_name).entries)

    def get_command(self, ctx, name):
        return _exchange_command(self.class_name,
                                 _services.entry_named(self.class_name, name, "exchange"))

    def resolve_command(self, ctx, args):
        cmd = self.get_command(ctx, args[0])
        return cmd.name, cmd, args[1:]

    def format_commands(self, ctx, formatter):
        ref = _services.reference(self.class_name)
        with formatter.section("Exchanges"):
            formatter.write_dl([(e.name, e.title) for e in ref.entries.values()])

    def invoke(self, ctx):
        if not ctx.protected_args and not ctx.args:
            ref = _services.reference(self.class_name)
            width = max(len(n) for n in ref.entries)
            for e in ref.entries.values():
                click.echo("%-*s  %s%s" % (width, e.name, ref.exchangePrefix or "", e.exchange))
            return None
        return super().invoke(ctx)


class _Services(click.Group):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, invoke_without_command=True, **kwargs)

    def list_commands(self, ctx):
        return _services.service_names("exchanges")

    def get_command(self, ctx, name):
        class_name = _services.class_for(name, "exchanges")
        return _Service(name, class_name, short_help=_services.reference(class_name).title)

    def resolve_command(self, ctx, args):
        cmd = self.get_command(ctx, args[0])
        return cmd.name, cmd, args[1:]

    def format_commands(self, ctx, formatter):
        with formatter.section("Services"):
            formatter.write_dl([(name, "") for name in self.list_commands(ctx)])

    def invoke(self, ctx):
        if not ctx.protected_args and not ctx.args:
            for name in self.list_commands(ctx):
                click.echo(name)
            return None
        return super().invoke(ctx)


@click.command("routing-key", cls=_Services)
def routing_key():
    """The exchange and routing-key pattern for a pulse binding:
    routing-key <service> <exchange> [PART=VALUE]...

    A part not given matches anything (* for one word, # for several).
    Prints JSON: {"exchange", "routingKeyPattern", "routingKeyReference"}.
    `routing-key <service>` lists the service's exchanges.
    """
