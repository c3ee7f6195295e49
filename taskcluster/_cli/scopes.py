"""The ``scopes`` group: the scope algebra of ``taskcluster.scopes`` from the
shell, and the scopes a call needs.  Offline: nothing is sent.

Scope sets and expressions are read from an argument's text, ``@FILE`` or
``-`` (stdin), as JSON (a list of scopes; an expression) or as one scope per
line (an expression of several lines needs all of them).
"""

from __future__ import annotations

import json
import sys
from typing import Any, List, Tuple

import click

from ._common import CliError, emit_json

__all__ = ["scopes"]

_INPUT_HELP = ("Each SCOPES and EXPRESSION is text, @FILE or - (stdin): JSON, or one scope "
               "per line.")


def _read(source: str, what: str, used_stdin: List[bool]) -> Tuple[str, str]:
    if source == "-":
        if used_stdin:
            raise CliError("only one argument can be read from stdin (-)")
        used_stdin.append(True)
        try:
            return sys.stdin.read(), "stdin"
        except UnicodeDecodeError:
            raise CliError("the %s on stdin is not UTF-8 text" % what) from None
    if source.startswith("@"):
        path = source[1:]
        try:
            with open(path, encoding="utf-8") as fh:
                return fh.read(), path
        except OSError as e:
            raise CliError("cannot read the %s from %s: %s" % (what, path, e.strerror)) from None
        except UnicodeDecodeError:
            raise CliError("the %s file %s is not UTF-8 text" % (what, path)) from None
    return source, "the argument"


def _lines(text: str) -> List[str]:
    # one scope per line; a scope may hold spaces, so only line ends go
    return [line for line in text.replace("\r\n", "\n").split("\n") if line != ""]


def _json(text: str, what: str, origin: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as e:
        raise CliError("the %s in %s is not JSON (%s)" % (what, origin, e)) from None


def _scopeset(source: str, used_stdin: List[bool], what: str = "scopes") -> List[str]:
    text, origin = _read(source, what, used_stdin)
    if text.lstrip().startswith("["):
        value = _json(text, what, origin)
        if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
            raise CliError("the %s in %s must be a JSON list of scopes (strings)"
                           % (what, origin))
        return value
    return _lines(text)


def _expression(source: str, used_stdin: List[bool]) -> Any:
    text, origin = _read(source, "expression", used_stdin)
    if text.lstrip()[:1] in ("{", "[", '"'):
        value = _json(text, "expression", origin)
        if isinstance(value, list):
            raise CliError("the expression in %s is a JSON list: write {\"AllOf\": [...]} "
                           "or {\"AnyOf\": [...]}" % origin)
        return value
    scopes = _lines(text)
    if not scopes:
        raise CliError("the expression in %s is empty" % origin)
    return scopes[0] if len(scopes) == 1 else {"AllOf": scopes}


@click.group(epilog=_INPUT_HELP)
def scopes():
    """Scope sets and expressions, as taskcluster-lib-scopes computes them,
    and the scopes a call needs.  Offline: nothing is sent."""


@scopes.command(epilog=_INPUT_HELP)
@click.argument("scopeset", metavar="SCOPES")
@click.argument("expression", metavar="EXPRESSION")
def satisfies(scopeset, expression):
    """Whether SCOPES satisfy EXPRESSION.  Prints true or false; the exit
    status is 0 for true and 1 for false, as `test` and `grep`."""
    from taskcluster.scopes import satisfiesExpression
    used: List[bool] = []
    given = _scopeset(scopeset, used)
    ok = satisfiesExpression(given, _expression(expression, used))
    click.echo("true" if ok else "false")
    return 0 if ok else 1


@scopes.command(epilog=_INPUT_HELP)
@click.argument("scopeset", metavar="SCOPES")
@click.argument("expression", metavar="EXPRESSION")
def missing(scopeset, expression):
    """What SCOPES lack to satisfy EXPRESSION, as an expression (null when
    nothing is missing)."""
    from taskcluster.scopes import removeGivenScopes
    used: List[bool] = []
    given = _scopeset(scopeset, used)
    emit_json(removeGivenScopes(given, _expression(expression, used)))


@scopes.command(epilog=_INPUT_HELP)
@click.argument("scopeset", metavar="SCOPES")
def normalize(scopeset):
    """SCOPES sorted (scopeCompare's order) and without those another one
    covers (a JSON list)."""
    from taskcluster.scopes import normalizeScopeSet, scopeKey
    emit_json(normalizeScopeSet(sorted(_scopeset(scopeset, []), key=scopeKey)))


@scopes.command(epilog=_INPUT_HELP)
@click.argument("first", metavar="SCOPES")
@click.argument("second", metavar="SCOPES")
def union(first, second):
    """The scopes either set satisfies, normalized (a JSON list)."""
    from taskcluster.scopes import scopeUnion
    used: List[bool] = []
    emit_json(scopeUnion(_scopeset(first, used), _scopeset(second, used)))


@scopes.command(epilog=_INPUT_HELP)
@click.argument("first", metavar="SCOPES")
@click.argument("second", metavar="SCOPES")
def intersect(first, second):
    """The scopes both sets satisfy (a JSON list, as scopeIntersection gives it)."""
    from taskcluster.scopes import scopeIntersection
    used: List[bool] = []
    emit_json(scopeIntersection(_scopeset(first, used), _scopeset(second, used)))


def _pairs(values, option: str) -> dict:
    out = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise CliError("%s takes NAME=VALUE, not %r" % (option, item))
        try:
            out[name] = json.loads(value) if value[:1] in ("[", "{", '"') or \
                value in ("true", "false") else value
        except ValueError:
            out[name] = value
    return out


def _complete_service(ctx, param, incomplete):
    from ._services import service_names
    return [s for s in service_names("api") if s.startswith(incomplete)]


def _complete_method(ctx, param, incomplete):
    from ._services import class_for, reference
    try:
        ref = reference(class_for(ctx.params.get("service") or "", "api"))
    except CliError:
        return []
    return [n for n, e in ref.entries.items() if e.scopes is not None and n.startswith(incomplete)]


@scopes.command(context_settings={"ignore_unknown_options": True})
@click.argument("service", shell_complete=_complete_service)
@click.argument("method", shell_complete=_complete_method)
@click.argument("args", nargs=-1)
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A parameter only the service knows, e.g. schedulerId=... for "
                   "scheduleTask (repeatable; a JSON list or true/false as such).")
@click.option("-q", "--query", "query", multiple=True, metavar="KEY=VALUE",
              help="A query-string key of the method (repeatable).")
def required(service, method, args, params, query):
    """The scope expression calling SERVICE's METHOD with ARGS needs: its
    route arguments in order, then the payload (JSON text, @FILE or -), as
    `api SERVICE METHOD` takes them.  Prints the expression as JSON (null when
    the method needs no scopes):

      scopes required queue createTask TASK_ID @task.json
    """
    from taskcluster import _requiredscopes

    from ._services import class_for, entry_named
    entry = entry_named(class_for(service, "api"), method, "method")
    values: List[Any] = list(args)
    if len(values) > len(entry.args):
        from ._common import read_json
        values[len(entry.args)] = read_json(values[len(entry.args)], "payload")
    from taskcluster.exceptions import MissingScopeParameter
    try:
        expression = _requiredscopes.for_call(
            entry, tuple(values), {"query": _pairs(query, "--query") or None,
                                   **_pairs(params, "--param")},
            "scopes required %s %s" % (service, method))
    except MissingScopeParameter as e:
        raise CliError("%s (on the command line: --param %s=...)" % (e, e.parameter)) from None
    emit_json(expression)
