"""The offline helpers: ``slugid``, ``from-now``, ``scope-match``,
``temp-creds``.  Kept free of the references and of any HTTP stack: these
start in tens of milliseconds (see bench/cli_startup.py)."""

from __future__ import annotations

import base64
import re
import shlex
import sys
import uuid

import click

from ._groups import Group
from ._common import CliError, now, offset_seconds, options, read_json

__all__ = ["slugid", "from_now", "scope_match", "temp_creds"]

# A slug is 22 URL-safe base64 characters; the last holds 2 of the UUID's
# bits and 4 padding bits, which must be zero (so A, Q, g or w).
_SLUG = re.compile(r"^[A-Za-z0-9_-]{21}[AQgw]$")


@click.group(cls=Group)
def slugid():
    """Slug ids: 22-character URL-safe encodings of UUIDs, as Taskcluster's
    taskIds and taskGroupIds."""


@slugid.command()
@click.option("--nice", is_flag=True,
              help="One that does not start with '-' (safe as a command-line argument).")
def generate(nice):
    """A new random (v4) slug id."""
    from taskcluster import _slugid
    click.echo(_slugid.nice() if nice else _slugid.v4())


@slugid.command()
@click.argument("uuid_text", metavar="UUID")
def encode(uuid_text):
    """The slug id of a UUID."""
    try:
        raw = uuid.UUID(uuid_text).bytes
    except ValueError:
        raise CliError("slugid encode: %r is not a UUID (e.g. 7c8d8f1e-...)" % uuid_text) from None
    click.echo(base64.urlsafe_b64encode(raw).decode("ascii")[:22])


@slugid.command()
@click.argument("slug", metavar="SLUGID")
def decode(slug):
    """The UUID a slug id encodes."""
    if not _SLUG.match(slug):
        raise CliError("slugid decode: %r is not a slug id (22 characters of A-Z a-z 0-9 _ -, "
                       "the last one A, Q, g or w)" % slug)
    click.echo(str(uuid.UUID(bytes=base64.urlsafe_b64decode(slug + "=="))))


@click.command("from-now", context_settings={"ignore_unknown_options": True,
                                           "help_option_names": ["--help"]})
@click.argument("offset", nargs=-1, required=True)
def from_now(offset):
    """The time OFFSET from now, as JSON dates are written
    (2026-11-25T18:00:00.000Z): from-now 2 hours, from-now -1d, from-now '1 year'.
    """
    import datetime as dt

    from taskcluster.exceptions import TaskclusterInputError
    from taskcluster.utils import fromNowJSON
    text = " ".join(offset)
    start = dt.datetime.fromtimestamp(now(), dt.timezone.utc)
    try:
        click.echo(fromNowJSON(text, start))
    except OverflowError:
        raise CliError("from-now: %r goes past the dates that can be written (years 1 to "
                       "9999)" % text) from None
    except TaskclusterInputError:
        raise CliError("from-now: %r is not a time offset (e.g. '2 hours', '-1d', "
                       "'1 year 2 months', '30 min')" % text) from None


@click.command("scope-match")
@click.argument("scopes", nargs=-1, metavar="[SCOPE]...")
@click.option("-r", "--require", "required", multiple=True, metavar="SCOPE",
              help="A scope that must be satisfied (repeatable: all are needed).")
@click.option("--any-of", "any_of", metavar="JSON",
              help='Alternatives, as a JSON list of scope lists: [["a","b"],["c"]] '
                   '(JSON text, @FILE or -).')
def scope_match(scopes, required, any_of):
    """Whether the SCOPEs satisfy the required ones (a scope ending in * covers
    every scope it prefixes).  Prints true or false; the exit status is 0 for
    true and 1 for false, as `test` and `grep`, for use in scripts.
    """
    from taskcluster.utils import scopeMatch
    if bool(required) == bool(any_of):
        raise CliError("scope-match: give the required scopes with --require (repeatable) "
                       "or alternatives with --any-of, one of the two")
    if any_of:
        sets = read_json(any_of, "--any-of scope sets")
        if not isinstance(sets, list) or not all(
                isinstance(s, list) and all(isinstance(x, str) for x in s) for s in sets):
            raise CliError('scope-match: --any-of must be a JSON list of lists of scopes, '
                           'e.g. [["a","b"],["c"]]')
    else:
        sets = [list(required)]
    matched = scopeMatch(list(scopes), sets)
    click.echo("true" if matched else "false")
    return 0 if matched else 1


# Temporary credentials start a little in the past: a service whose clock is
# behind ours would otherwise refuse them as not yet valid.
_BACKDATE_SECONDS = 5 * 60
_MAX_SECONDS = 31 * 24 * 3600


@click.command("temp-creds")
@click.option("-s", "--scope", "scopes", multiple=True, metavar="SCOPE",
              help="A scope the credentials get (repeatable); each must be among the issuer's.")
@click.option("-e", "--expires", default="1h", show_default=True, metavar="DURATION",
              help="How long they last ('1h', '2 days'; at most 31 days).")
@click.option("-n", "--name", metavar="CLIENTID",
              help="Make named credentials with this clientId (the issuer needs "
                   "auth:create-client:<name>).")
def temp_creds(scopes, expires, name):
    """Issue temporary credentials from the permanent ones in
    TASKCLUSTER_CLIENT_ID / TASKCLUSTER_ACCESS_TOKEN, and print them as shell
    export lines:  eval "$(taskcluster-py temp-creds -s queue:get-artifact:* -e 2h)".

    The output is a secret: it is what this command is for.  Nothing is sent
    to the deployment; the credentials are signed here.
    """
    import datetime as dt

    from taskcluster.utils import createTemporaryCredentials
    seconds = offset_seconds(expires, "--expires")
    if not 0 < seconds <= _MAX_SECONDS:
        raise CliError("temp-creds: --expires must be more than 0 and at most 31 days, not %r"
                       % expires)
    opts = options()
    creds = opts.get("credentials") or {}
    if not creds.get("clientId") or not creds.get("accessToken"):
        raise CliError("temp-creds: set TASKCLUSTER_CLIENT_ID and TASKCLUSTER_ACCESS_TOKEN "
                       "to the permanent credentials that issue them")
    at = now()
    expiry = dt.datetime.fromtimestamp(at + seconds, dt.timezone.utc)
    start = dt.datetime.fromtimestamp(max(at - _BACKDATE_SECONDS, at + seconds - _MAX_SECONDS),
                                      dt.timezone.utc)
    made = createTemporaryCredentials(creds["clientId"], creds["accessToken"], start, expiry,
                                      list(scopes), name, certificate=creds.get("certificate"))
    lines = []
    if opts.get("rootUrl"):
        lines.append(("TASKCLUSTER_ROOT_URL", opts["rootUrl"]))
    lines += [("TASKCLUSTER_CLIENT_ID", made["clientId"]),
              ("TASKCLUSTER_ACCESS_TOKEN", made["accessToken"]),
              ("TASKCLUSTER_CERTIFICATE", made["certificate"])]
    sys.stdout.write("".join("export %s=%s\n" % (k, shlex.quote(v)) for k, v in lines))
