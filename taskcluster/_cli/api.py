"""``api <service> <method> [args...] [payload]`` and ``signed-url``.

Both are click groups whose subcommands are built from the references when
named: a service is a group, each of its methods a command whose arguments
are the method's route arguments (then its payload), so ``--help`` and shell
completion know every method without a line written per method.
"""

from __future__ import annotations

import sys
from typing import Any, Dict, List, Optional, Tuple

import click

from . import _services
from ._common import (CliError, client, emit_json, has_credentials, now, offset_seconds,
                      read_json)
from ._describe import method_help
from ._groups import NamedGroup, write_lines

__all__ = ["api", "signed_url"]


class _Entry(click.Command):
    """One method as a command; its help text comes from the reference."""

    def __init__(self, *args, entry, **kwargs):
        super().__init__(*args, **kwargs)
        self.entry = entry

    def format_help_text(self, ctx, formatter):
        write_lines(formatter, method_help(self.entry))


def _query(entry, pairs: Tuple[str, ...], command: str) -> Optional[Dict[str, Any]]:
    """``--query k=v`` pairs as the call's query dict (a key given twice is a list)."""
    if not pairs:
        return None
    query: Dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise CliError("%s: --query takes KEY=VALUE, not %r" % (command, pair))
        if key not in entry.query:
            raise CliError("%s: unknown query key %r (query keys: %s)" % (
                command, key, ", ".join(entry.query) or "none"))
        if key in query:
            old = query[key]
            query[key] = (old if isinstance(old, list) else [old]) + [value]
        else:
            query[key] = value
    return query


def _emit_result(result: Any) -> None:
    """A method's answer on stdout.  A non-JSON answer wrapped as
    ``{"response": <response>}`` is written as its raw body."""
    if result is None:
        return
    if isinstance(result, dict) and list(result) == ["response"] and \
            hasattr(result["response"], "status_code"):
        body = getattr(result["response"], "content", b"") or b""
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        return
    emit_json(result)


def _method_command(class_name: str, entry, signed: bool) -> click.Command:
    command = "%s %s" % (entry.service, entry.name)
    params: List[click.Parameter] = [
        click.Argument(["arg%d" % i], metavar="<%s>" % name)
        for i, name in enumerate(entry.args)]
    if entry.input and not signed:
        params.append(click.Argument(["payload"], metavar="PAYLOAD"))
    if entry.query:
        params.append(click.Option(
            ["-q", "--query"], multiple=True, metavar="KEY=VALUE",
            help="A query-string key (%s); repeatable." % ", ".join(entry.query)))
    if entry.paginated and not signed:
        params.append(click.Option(
            ["--all-pages"], is_flag=True,
            help="Follow continuationToken: print every page, each as one JSON value."))
    if signed:
        params.append(click.Option(
            ["--expires"], default="15m", show_default=True, metavar="DURATION",
            help="How long the URL stays valid ('600', '10m', '2 hours')."))

    def run(payload=None, query=(), expires=None, all_pages=False, **route):
        args = [route["arg%d" % i] for i in range(len(entry.args))]
        q = _query(entry, query, command)
        kwargs = {"query": q} if q is not None else {}
        if signed:
            seconds = offset_seconds(expires, "--expires")
            if seconds <= 0:
                raise CliError("%s: --expires must be a positive duration, not %r"
                               % (command, expires))
            c = client(class_name, clock=now)
            if not has_credentials(c):
                raise CliError("%s: a signed URL needs credentials: set TASKCLUSTER_CLIENT_ID "
                               "and TASKCLUSTER_ACCESS_TOKEN" % command)
            click.echo(c.buildSignedUrl(entry.name, *args, expiration=seconds, **kwargs))
            return
        if entry.input:
            args.append(read_json(payload, "payload"))
        with client(class_name) as c:
            if all_pages:
                for page in c.pages(entry.name, *args, **kwargs):
                    emit_json(page)   # as each page arrives
            else:
                _emit_result(getattr(c, entry.name)(*args, **kwargs))

    short = entry.title or entry.name
    return _Entry(entry.name, params=params, callback=run, entry=entry, short_help=short,
                  help=short)


class _Service(NamedGroup):
    """One service: its methods are the subcommands."""

    section = "Methods"

    def __init__(self, name, class_name, signed, **kwargs):
        super().__init__(name, **kwargs)
        self.class_name, self.signed = class_name, signed

    def _entries(self):
        ref = _services.reference(self.class_name)
        return [e for e in ref.entries.values() if not self.signed or e.method == "get"]

    def list_commands(self, ctx):
        return [e.name for e in self._entries()]

    def get_command(self, ctx, name):
        entry = _services.entry_named(self.class_name, name, "method")
        if self.signed and entry.method != "get":
            raise CliError("%s %s is a %s method: signed URLs are for GET methods"
                           % (entry.service, entry.name, entry.method.upper()))
        return _method_command(self.class_name, entry, self.signed)

    def descriptions(self, ctx):
        return [(e.name, e.title) for e in self._entries()]

    def listing(self, ctx):
        entries = self._entries()
        width = max(len(e.name) for e in entries)
        return ["%-*s  %-6s %s" % (width, e.name, e.method.upper(), e.title) for e in entries]


class _Services(NamedGroup):
    """``api`` / ``signed-url``: the services are the subcommands."""

    section = "Services"

    def __init__(self, name=None, signed=False, **kwargs):
        super().__init__(name, **kwargs)
        self.signed = signed

    def list_commands(self, ctx):
        return _services.service_names("api")

    def get_command(self, ctx, name):
        class_name = _services.class_for(name, "api")
        ref = _services.reference(class_name)
        return _Service(name, class_name, self.signed, short_help=ref.title,
                        help="%s\n\nWithout a method, lists the methods." % ref.title)

    def listing(self, ctx):
        return ["%-16s %s" % (name, _services.reference(_services.class_for(name, "api")).title)
                for name in self.list_commands(ctx)]


@click.command(cls=_Services)
def api():
    """Call any method of any service: api <service> <method> [ARGS]... [PAYLOAD].

    \b
    ARGS are the method's route arguments, in order; PAYLOAD (for methods
    that take one) is JSON text, @FILE, or - to read stdin.  The answer is
    JSON on stdout, indented on a terminal.  `api <service>` lists the
    service's methods; `api <service> <method> --help` shows a method's
    route, arguments, query keys, scopes and payload.
    """


@click.command("signed-url", cls=_Services, signed=True)
def signed_url():
    """A URL carrying a signature (a bewit) for a GET method:
    signed-url <service> <method> [ARGS]... [--expires 10m].

    Anyone holding the URL can make that one call until it expires, with the
    credentials' scopes (TASKCLUSTER_CLIENT_ID and TASKCLUSTER_ACCESS_TOKEN).
    """
