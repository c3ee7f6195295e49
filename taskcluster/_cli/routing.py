"""``routing-key <service> <exchange> [PART=VALUE]...``: the exchange and
routing-key pattern to bind a pulse queue to, as the library's exchange
classes build them (``QueueEvents().taskCompleted(taskId=...)``)."""

from __future__ import annotations

from typing import Dict, Tuple

import click

from . import _services
from ._common import CliError, emit_json
from ._describe import exchange_help
from ._groups import NamedGroup, write_lines

__all__ = ["routing_key"]


class _Exchange(click.Command):
    def __init__(self, *args, prefix, entry, **kwargs):
        super().__init__(*args, **kwargs)
        self.prefix, self.entry = prefix, entry

    def format_help_text(self, ctx, formatter):
        write_lines(formatter, exchange_help(self.prefix, self.entry))


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


class _Service(NamedGroup):
    section = "Exchanges"

    def __init__(self, name, class_name, **kwargs):
        super().__init__(name, **kwargs)
        self.class_name = class_name

    # Exchanges are named as on the wire and in the README (task-completed);
    # their entry names (taskCompleted) are accepted too, and completed when
    # that is what was begun.
    def list_commands(self, ctx):
        return [e.exchange for e in _services.reference(self.class_name).entries.values()]

    def get_command(self, ctx, name):
        return _exchange_command(self.class_name,
                                 _services.entry_named(self.class_name, name, "exchange"))

    def shell_complete(self, ctx, incomplete):
        from click.shell_completion import CompletionItem
        entries = _services.reference(self.class_name).entries.values()
        names = [e.exchange for e in entries if e.exchange.startswith(incomplete)] or \
            [e.name for e in entries if e.name.startswith(incomplete)]
        return [CompletionItem(n) for n in names]

    def descriptions(self, ctx):
        return [(e.exchange, e.title)
                for e in _services.reference(self.class_name).entries.values()]

    def listing(self, ctx):
        ref = _services.reference(self.class_name)
        width = max(len(e.exchange) for e in ref.entries.values())
        return ["%-*s  %s%s" % (width, e.exchange, ref.exchangePrefix or "", e.exchange)
                for e in ref.entries.values()]


class _Services(NamedGroup):
    section = "Services"

    def list_commands(self, ctx):
        return _services.service_names("exchanges")

    def get_command(self, ctx, name):
        class_name = _services.class_for(name, "exchanges")
        return _Service(name, class_name, short_help=_services.reference(class_name).title)

    def listing(self, ctx):
        return self.list_commands(ctx)


@click.command("routing-key", cls=_Services)
def routing_key():
    """The exchange and routing-key pattern for a pulse binding:
    routing-key <service> <exchange> [PART=VALUE]...

    A part not given matches anything (* for one word, # for several).
    Prints JSON: {"exchange", "routingKeyPattern", "routingKeyReference"}.
    `routing-key <service>` lists the service's exchanges.
    """
