"""``listen <service> <exchange> [PART=VALUE]... [--route PATTERN]``: print the
messages of a pulse exchange, one JSON object a line, until interrupted."""

from __future__ import annotations

import json
import os
import sys
from typing import Tuple

import click

from . import _services
from ._common import CliError

__all__ = ["listen"]


def _line(m) -> str:
    record = {"exchange": m.exchange, "routingKey": m.routingKey,
              "redelivered": m.redelivered, "routes": m.routes, "routing": m.routing,
              "payload": m.payload}
    if not m.isJson:
        # not JSON: the body as text, undecodable bytes escaped
        record["body"] = m.body.decode("utf-8", "backslashreplace")
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)


@click.command("listen")
@click.argument("service")
@click.argument("exchange")
@click.argument("parts", nargs=-1, metavar="[PART=VALUE]...")
@click.option("--route", "routes", multiple=True, metavar="PATTERN",
              help="Also receive messages CC'd to route.PATTERN ('index.my-project.#'); "
                   "with --route and no PART=VALUE, only those (repeatable).")
@click.option("--url", metavar="URL", envvar="PULSE_URL",
              help="The broker, amqp[s]://host[:port]/vhost (default: $PULSE_URL, else "
                   "PULSE_HOST, PULSE_VHOST).  Credentials come from PULSE_USERNAME and "
                   "PULSE_PASSWORD (or $PULSE_URL), never from the command line.")
@click.option("--queue-name", metavar="NAME",
              help="A durable queue queue/<user>/NAME, kept between runs (default: an "
                   "ephemeral queue, gone when this exits).")
@click.option("--prefetch", type=click.IntRange(1, 65535), default=5, show_default=True,
              help="Messages the broker sends ahead of their acknowledgement.")
@click.option("--count", type=click.IntRange(1), metavar="N",
              help="Exit after N messages.")
def listen(service: str, exchange: str, parts: Tuple[str, ...], routes: Tuple[str, ...],
           url, queue_name, prefetch, count):
    """Print the messages of a pulse exchange as they arrive, one JSON object a
    line ({"exchange", "routingKey", "redelivered", "routes", "routing",
    "payload"}; and "body" when the payload is not JSON), until interrupted.

    Parts not given match anything.  Example:
    listen queue task-completed taskGroupId=abc --route 'index.gecko.#'
    """
    import taskcluster
    from .routing import _parts
    ctx = click.get_current_context()
    if url and "@" in url.split("//", 1)[-1].split("/", 1)[0] and \
            ctx.get_parameter_source("url") == click.core.ParameterSource.COMMANDLINE:
        raise CliError("listen: --url must not carry credentials (other users of the machine "
                       "can read the command line); set PULSE_USERNAME and PULSE_PASSWORD")
    if url is None and not os.environ.get("PULSE_HOST"):
        raise CliError("listen: no broker: give --url, or set PULSE_URL or PULSE_HOST (with "
                       "PULSE_USERNAME and PULSE_PASSWORD)")
    class_name = _services.class_for(service, "exchanges")
    entry = _services.entry_named(class_name, exchange, "exchange")
    command = "listen %s %s" % (service, entry.name)
    events = getattr(taskcluster, class_name)()
    bindings = []
    if parts or not routes:
        bindings.append(getattr(events, entry.name)(_parts(entry, parts, command)))
    if routes:
        name = getattr(events, entry.name)()["exchange"]
        bindings += [{"exchange": name, "routingKeyPattern": "route." + r} for r in routes]

    from taskcluster import pulse
    seen = 0
    broken = []
    with pulse.Consumer(bindings, url=url, queueName=queue_name,
                        ephemeral=queue_name is None, prefetch=prefetch) as consumer:
        def handle(m):
            nonlocal seen
            try:
                sys.stdout.write(_line(m) + "\n")
                sys.stdout.flush()
            except BrokenPipeError:
                # the reader went away: stop, leaving this message unacknowledged
                broken.append(True)
                consumer.stop()
                raise
            seen += 1
            if count is not None and seen >= count:
                consumer.stop()

        sys.stderr.write("listening on %s (Ctrl-C to stop)\n" % consumer.queueName)
        sys.stderr.flush()
        consumer.run(handle)
    if broken:
        raise BrokenPipeError()
    return 0
