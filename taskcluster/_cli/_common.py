"""What the subcommands share: global options, clients, JSON in and out,
time offsets, and the errors that carry an exit status."""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any, Iterable, List, Optional

__all__ = ["CliError", "state", "unknown", "options", "client", "emit_json",
           "read_json", "now", "offset_seconds", "require_root_url"]

# Pins the clock (milliseconds since the epoch) for signed-url, from-now and
# temp-creds, so the conformance suite can compare their output with Node's.
# Not a user setting: deliberately undocumented in --help.
CLOCK_VARIABLE = "_TASKCLUSTER_CLI_NOW"


class CliError(Exception):
    """A failure to report as one line, with its exit status (2: usage)."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


class _State:
    """The root command's options, read by the subcommands."""

    def reset(self) -> None:
        self.root_url: Optional[str] = None
        self.authorized_scopes: Optional[List[str]] = None
        self.max_retries: Optional[int] = None
        self.debug = False
        self.output = "json"                   # --output
        self.fields: List[str] = []            # --field, in order


state = _State()
state.reset()


def unknown(what: str, name: str, choices: Iterable[str]) -> CliError:
    """``unknown service 'queu' (did you mean 'queue'?)`` as a usage error."""
    import difflib
    choices = list(choices)
    close = difflib.get_close_matches(name, choices, n=3, cutoff=0.6)
    hint = ("did you mean %s?" % " or ".join(repr(c) for c in close)) if close else \
        "one of: %s" % ", ".join(choices)
    return CliError("unknown %s %r (%s)" % (what, name, hint))


def options() -> dict:
    """Client options: the environment's, then the global options over them
    (an option given on the command line wins over the environment)."""
    import taskcluster
    opts = taskcluster.optionsFromEnvironment()
    if state.root_url:
        opts["rootUrl"] = state.root_url
    if state.authorized_scopes is not None:
        opts["authorizedScopes"] = state.authorized_scopes
    if state.max_retries is not None:
        opts["maxRetries"] = state.max_retries
    return opts


def require_root_url(opts: dict) -> None:
    if not opts.get("rootUrl"):
        raise CliError("no rootUrl: set TASKCLUSTER_ROOT_URL or pass --root-url")


def client(class_name: str, *, needs_root_url: bool = True, **kwargs):
    """A client of ``class_name`` (``"Queue"``) with the command line's options."""
    import taskcluster
    opts = options()
    if needs_root_url:
        require_root_url(opts)
    return getattr(taskcluster, class_name)(opts, **kwargs)


def has_credentials(c) -> bool:
    """Whether client ``c`` signs its requests (its options name a clientId
    and an accessToken)."""
    creds = c.options.get("credentials") or {}
    return bool(creds.get("clientId") and creds.get("accessToken"))


def emit_json(value: Any) -> None:
    """``value`` on stdout: JSON indented for a person at a terminal, one
    compact line for a pipe; or what ``--field``/``--output`` select."""
    from ._output import render
    text = render(value, state.fields, state.output, sys.stdout.isatty())
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def read_json(source: str, what: str) -> Any:
    """JSON from ``-`` (stdin), ``@FILE``, or the text itself."""
    if source == "-":
        try:
            text = sys.stdin.read()
        except UnicodeDecodeError:
            raise CliError("the %s on stdin is not UTF-8 text" % what) from None
        origin = "stdin"
    elif source.startswith("@"):
        path = source[1:]
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except OSError as e:
            raise CliError("cannot read the %s from %s: %s" % (what, path, e.strerror)) from None
        except UnicodeDecodeError:
            raise CliError("the %s file %s is not UTF-8 text" % (what, path)) from None
        origin = path
    else:
        text, origin = source, "the argument"
    try:
        return json.loads(text)
    except RecursionError:
        raise CliError("the %s in %s is nested too deeply to read" % (what, origin)) from None
    except ValueError as e:
        raise CliError("the %s in %s is not JSON (%s); give JSON text, @FILE, or - for stdin"
                       % (what, origin, e)) from None


def now() -> float:
    """Seconds since the epoch; pinned by ``_TASKCLUSTER_CLI_NOW`` (ms)."""
    pinned = os.environ.get(CLOCK_VARIABLE)
    if pinned:
        return int(pinned) / 1000.0
    return time.time()


def offset_seconds(text: str, what: str) -> int:
    """Seconds in ``'10m'``, ``'2 hours'``, ``'1d'`` or a bare ``'600'``."""
    if text.strip().isdigit():
        return int(text)
    from taskcluster.exceptions import TaskclusterInputError
    from taskcluster.utils import parseTime
    try:
        parts = parseTime(text)
    except TaskclusterInputError:
        raise CliError("%s %r is not a duration (e.g. '600', '10m', '2 hours', '1d')"
                       % (what, text)) from None
    days = parts["days"] + 30 * parts["months"] + 365 * parts["years"]
    return (((parts["weeks"] * 7 + days) * 24 + parts["hours"]) * 60
            + parts["minutes"]) * 60 + parts["seconds"]
