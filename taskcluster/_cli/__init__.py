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

import importlib
import sys
import traceback
from typing import List, Optional

import click

from ._common import CliError, state

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


class _Root(click.Group):
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
@click.option("--debug", is_flag=True, help="Show a traceback on errors.")
@click.version_option(package_name="taskcluster-refclient", message="%(prog)s %(version)s")
def cli(root_url, authorized_scopes, max_retries, debug):
    """Taskcluster from the shell: every API method, signed URLs, routing
    keys, slug ids, temporary credentials, logs, downloads and uploads.

    Credentials come from TASKCLUSTER_CLIENT_ID, TASKCLUSTER_ACCESS_TOKEN and
    TASKCLUSTER_CERTIFICATE (never from the command line, where other users
    of the machine could read them).  Answers are JSON on stdout.
    """
    state.root_url = root_url.rstrip("/") if root_url else None
    state.authorized_scopes = list(authorized_scopes) if authorized_scopes else None
    state.max_retries = max_retries
    state.debug = debug


def main(argv: Optional[List[str]] = None, prog_name: Optional[str] = None) -> int:
    """Run the command line; returns the exit status."""
    from taskcluster.exceptions import TaskclusterFailure, TaskclusterInputError

    prog = prog_name or "taskcluster-py"
    state.reset()
    state.debug = "--debug" in (sys.argv[1:] if argv is None else argv)
    try:
        result = cli.main(args=argv, prog_name=prog, standalone_mode=False)
        return result if isinstance(result, int) else 0
    except _NO_ARGS_IS_HELP as e:
        # A group run bare: its help, as it is (several lines), is the answer.
        sys.stderr.write(e.format_message().rstrip("\n") + "\n")
        return 2
    except click.exceptions.UsageError as e:
        where = e.ctx.command_path if e.ctx is not None else prog
        message = e.format_message()
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
_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


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


def console_main() -> None:
    """The ``taskcluster-py`` console script."""
    sys.exit(main())
