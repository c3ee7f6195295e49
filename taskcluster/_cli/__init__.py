"""The command line: ``taskcluster-py`` or ``python -m taskcluster``.

Built on click (subcommands, ``--help``, shell completion, progress bars).
Subcommands live in their own modules and are imported only when named, so
``taskcluster-py slugid`` pays for click and uuid, not for the references or
an HTTP stack.  Nothing here is imported by ``import taskcluster``.

Exit status: 0 success, 1 an API or connection failure, 2 a usage error
(bad arguments, bad payload, input the library refused before sending).
Errors are one line on stderr; ``--debug`` adds the traceback.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import traceback
from typing import List, Optional

import click

from taskcluster import __version__ as _version

from ._common import CliError, state
from ._groups import BareGroup, Group

__all__ = ["main", "cli"]

# name -> (module, attribute, one-line help): the help line is here so that
# `--help` lists the commands without importing them all.
_COMMANDS = {
    "api": ("api", "api", "Call any method of any service; list a service's methods."),
    "signed-url": ("api", "signed_url", "A signed URL for a GET method (credentials needed)."),
    "routing-key": ("routing", "routing_key", "The pulse exchange and routing-key pattern."),
    "listen": ("listen", "listen", "Print a pulse exchange's messages as JSON lines."),
    "task": ("task", "task", "A task's status, definition, artifacts, or live log."),
    "group": ("task", "group", "A task group's status or its tasks."),
    "download": ("transfer", "download", "Download an artifact, an object, or an indexed artifact."),
    "upload": ("transfer", "upload", "Upload a file to the object service."),
    "slugid": ("misc", "slugid", "Generate, encode, or decode slug ids."),
    "from-now": ("misc", "from_now", "The time an offset ('2 hours', '-1d') from now."),
    "scope-match": ("misc", "scope_match", "Whether scopes satisfy a required set."),
    "scopes": ("scopes", "scopes", "Scope sets and expressions; the scopes a call needs."),
    "temp-creds": ("misc", "temp_creds", "Issue temporary credentials as shell exports."),
    "references": ("references", "references", "Refresh the API references from a deployment."),
    "completion": ("completion", "completion", "Print the shell completion script."),
    "fake": ("fake", "fake", "Serve a fake Taskcluster deployment on loopback (for tests)."),
}


class _Root(Group):
    def list_commands(self, ctx):
        return list(_COMMANDS)

    def get_command(self, ctx, name):
        spec = _COMMANDS.get(name)
        if spec is None:
            return None
        module = importlib.import_module("%s.%s" % (__name__, spec[0]))
        return getattr(module, spec[1])

    def resolve_command(self, ctx, args):
        from ._common import unknown
        if args and not args[0].startswith("-") and args[0] not in _COMMANDS:
            raise unknown("command", args[0], list(_COMMANDS))
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx, formatter):
        with formatter.section("Commands"):
            formatter.write_dl([(name, spec[2]) for name, spec in _COMMANDS.items()])


@click.group(cls=_Root, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--root-url", metavar="URL", envvar="TASKCLUSTER_ROOT_URL",
              help="The deployment's rootUrl (default: $TASKCLUSTER_ROOT_URL).")
@click.option("--authorized-scope", "authorized_scopes", multiple=True, metavar="SCOPE",
              help="Restrict calls to these of the credentials' scopes (repeatable).")
@click.option("--max-retries", type=click.IntRange(0, 50), metavar="N",
              help="Retries of a call that failed with a 5xx or no answer (default: 5).")
@click.option("--output", type=click.Choice(["json", "table"]), default="json",
              help="Answers as JSON (the default) or as a table.")
@click.option("--field", "fields", multiple=True, metavar="PATH",
              help="Print only this part of an answer (status.state; artifacts.name takes it "
                   "from each item); repeatable.  One string field prints as plain text.")
@click.option("--debug", is_flag=True,
              help="Trace each HTTP request on stderr (method, URL without signatures, status, "
                   "time) and show a traceback on errors.")
# The package's own __version__: from a clone (not installed) there is no
# distribution metadata for click to read.
@click.version_option(version=_version, message="%(prog)s %(version)s")
def cli(root_url, authorized_scopes, max_retries, output, fields, debug):
    """Taskcluster from the shell: every API method, signed URLs, routing
    keys, slug ids, temporary credentials, logs, downloads and uploads.

    Credentials come from TASKCLUSTER_CLIENT_ID, TASKCLUSTER_ACCESS_TOKEN and
    TASKCLUSTER_CERTIFICATE (never from the command line, where other users
    of the machine could read them).  Answers are JSON on stdout.
    """
    state.root_url = root_url.rstrip("/") if root_url else None
    state.authorized_scopes = list(authorized_scopes) if authorized_scopes else None
    state.max_retries = max_retries
    state.output, state.fields = output, list(fields)
    state.debug = debug


def main(argv: Optional[List[str]] = None, prog_name: Optional[str] = None,
         command: Optional[click.Command] = None) -> int:
    """Run the command line (or one of its ``command``s under a name of its
    own, as ``taskcluster-refresh-references``); returns the exit status."""
    prog = prog_name or "taskcluster-py"
    state.reset()
    state.debug = "--debug" in (sys.argv[1:] if argv is None else argv)
    with _http_trace(prog, state.debug):
        return _run(command or cli, argv, prog)


@contextlib.contextmanager
def _http_trace(prog: str, on: bool):
    """Under --debug, each HTTP answer as a line on stderr (taskcluster._trace)."""
    if not on:
        yield
        return
    import logging
    logger = logging.getLogger("taskcluster.http")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(prog + ": http: %(message)s"))
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def _run(command: click.Command, argv: Optional[List[str]], prog: str) -> int:
    from taskcluster.exceptions import TaskclusterFailure, TaskclusterInputError

    try:
        result = command.main(args=argv, prog_name=prog, standalone_mode=False)
        return result if isinstance(result, int) else 0
    except (BareGroup, *_NO_ARGS_IS_HELP) as e:
        # A group run bare: its help, as it is (several lines), is the answer.
        sys.stderr.write(e.format_message().rstrip("\n") + "\n")
        return 2
    except click.exceptions.UsageError as e:
        where = e.ctx.command_path if e.ctx is not None else prog
        message = e.format_message()
        if isinstance(e, click.exceptions.NoSuchOption) and not _NO_ARGS_IS_HELP:
            message = _no_such_option(e)   # click 8.1 (Python 3.9): 8.2's words
        if isinstance(e, click.exceptions.NoSuchOption) and not e.option_name.startswith("--"):
            # A slug id may start with "-" (taskIds not made "nice" do): click
            # took it for flags.  Name the whole word and the way out.
            words = sys.argv[1:] if argv is None else argv
            word = next((w for w in words if w.startswith(e.option_name)), "")
            if len(word) > 2:
                message += " (a value starting with '-' goes after '--': ... -- %s)" % word
        return _fail(e, "%s: %s (see '%s --help')" % (where, message, where), 2)
    except CliError as e:
        return _fail(e, "%s: %s" % (prog, e.message), e.exit_code)
    except TaskclusterInputError as e:
        return _fail(e, "%s: %s" % (prog, e), 2)
    except TaskclusterFailure as e:
        return _fail(e, "%s: %s" % (prog, e), 1)
    except (click.exceptions.Abort, KeyboardInterrupt) as e:
        return _fail(e, "%s: interrupted" % prog, 130)
    except BrokenPipeError:
        # The reader went away (`| head`): not an error worth a message.
        _quiet_stdout()
        return 1
    except click.ClickException as e:
        return _fail(e, "%s: %s" % (prog, e.format_message()), e.exit_code)
    except Exception as e:  # a command line: say what failed, no traceback
        return _fail(e, "%s: internal error: %s: %s (run with --debug for the traceback)"
                     % (prog, type(e).__name__, e), 1)


# click >= 8.2 raises this for a group run without a subcommand.
_NO_ARGS_IS_HELP = tuple(getattr(click.exceptions, name) for name in ("NoArgsIsHelpError",)
                         if hasattr(click.exceptions, name))


def _no_such_option(e) -> str:
    message = "No such option %r." % e.option_name
    near = sorted(e.possibilities or ())
    if len(near) == 1:
        return "%s Did you mean %r?" % (message, near[0])
    if near:
        return "%s (Possible options: %s)" % (message, ", ".join(near))
    return message


def _fail(exc: BaseException, message: str, code: int) -> int:
    if state.debug:
        traceback.print_exception(type(exc), exc, exc.__traceback__)
    sys.stderr.write(message.replace("\n", " ") + "\n")
    sys.stderr.flush()
    return code


def _quiet_stdout() -> None:
    # Python flushes stdout again at exit; point it at /dev/null so that
    # flush does not raise a second BrokenPipeError.
    import os
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: unwinds like Ctrl-C, so that what a
    command holds (a partial download) is cleaned up on the way out."""

    def __init__(self, signum: int):
        import signal
        self.signum = signum
        self.name = signal.Signals(signum).name
        super().__init__(self.name)


def _terminate(signum, frame):
    raise Terminated(signum)


def _catch_termination() -> dict:
    """Turn SIGTERM and SIGHUP into Terminated while a command runs; returns
    the handlers to put back.  A signal someone chose to ignore (``nohup``)
    stays ignored, and only the main thread can take signals."""
    import signal
    import threading
    previous = {}
    if threading.current_thread() is not threading.main_thread():
        return previous
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None and signal.getsignal(signum) == signal.SIG_DFL:
            previous[signum] = signal.signal(signum, _terminate)
    return previous


def run_as_process(prog_name: Optional[str] = None) -> int:
    """:func:`main` as the console script and ``python -m taskcluster`` run
    it: SIGTERM and SIGHUP unwind like Ctrl-C (a partial download is
    removed) and end with 128 plus the signal's number.  (Not in main():
    code that calls it in-process keeps its own signal handlers.)"""
    import signal
    previous = _catch_termination()
    try:
        return main(prog_name=prog_name)
    except Terminated as e:
        sys.stderr.write("%s: terminated (%s)\n" % (prog_name or "taskcluster-py", e.name))
        sys.stderr.flush()
        return 128 + e.signum
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def console_main() -> None:
    """The ``taskcluster-py`` console script."""
    sys.exit(run_as_process())
