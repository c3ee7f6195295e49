"""``taskcluster-py fake``: a fake Taskcluster deployment on loopback, for
a shell session, a CI job or a service container.

It prints three ``export`` lines (rootUrl and root credentials,
shell-quoted) on stdout and flushes them, so that ``eval`` of its first
lines sets up a shell; then serves until SIGINT or SIGTERM and exits 0.
"""

from __future__ import annotations

import shlex
import signal
import sys
import threading

import click

from ._common import CliError

__all__ = ["fake"]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="The port to listen on (0: any free port).")
def fake(host, port):
    """Serve a fake Taskcluster deployment (auth, queue, index, secrets,
    object, hooks, notify, purge-cache) in memory until interrupted.

    Prints export lines for TASKCLUSTER_ROOT_URL, TASKCLUSTER_CLIENT_ID and
    TASKCLUSTER_ACCESS_TOKEN (credentials with scope '*' on this fake only):

        eval "$(taskcluster-py fake --port 8080 | head -n 3)" &
    """
    from taskcluster.fake import FakeDeployment

    stop = threading.Event()

    def interrupted(signum, frame):
        stop.set()

    previous = {s: signal.signal(s, interrupted) for s in (signal.SIGINT, signal.SIGTERM)}
    deployment = FakeDeployment(host=host, port=port)
    try:
        try:
            deployment.start()
        except OSError as e:
            # a failure of the machine, not of the command's use: exit 1
            raise CliError("fake: cannot listen on %s:%d: %s"
                           % (host, port, e.strerror or e), exit_code=1) from None
        lines = [
            ("TASKCLUSTER_ROOT_URL", deployment.rootUrl),
            ("TASKCLUSTER_CLIENT_ID", deployment.rootCredentials["clientId"]),
            ("TASKCLUSTER_ACCESS_TOKEN", deployment.rootCredentials["accessToken"]),
        ]
        sys.stdout.write("".join("export %s=%s\n" % (k, shlex.quote(v)) for k, v in lines))
        sys.stdout.flush()
        sys.stderr.write("taskcluster-py fake: serving %s until interrupted\n"
                         % deployment.rootUrl)
        sys.stderr.flush()
        while not stop.wait(1.0):
            pass
    finally:
        deployment.stop()
        for s, handler in previous.items():
            signal.signal(s, handler)
    return 0
