"""``references refresh``, which ``taskcluster-refresh-references`` and
``python -m taskcluster.refresh`` also run (the work is in
:mod:`taskcluster.refresh`)."""

from __future__ import annotations

import os

import click

from ._groups import Group
from ._common import CliError, state

__all__ = ["references"]


@click.group(cls=Group)
def references():
    """The API references this client is built from."""


@references.command()
@click.option("--root-url", metavar="URL",
              help="The deployment to read them from (default: the global --root-url "
                   "or $TASKCLUSTER_ROOT_URL).")
@click.option("--dest", default="references", show_default=True, type=click.Path(),
              help="The directory to write them to.")
@click.option("--timeout", type=click.FloatRange(0, min_open=True), default=30,
              show_default=True, metavar="SECONDS",
              help="How long one document may take, all of it.")
def refresh(root_url, dest, timeout):
    """Fetch every API and exchanges reference a deployment lists and the JSON
    schemas they name, check them, and write them with a new manifest
    (nothing is written unless all were fetched and checked)."""
    from taskcluster._fetchreferences import (fetch_references, fetch_schemas, write_references,
                                     write_schemas)
    # Run as taskcluster-refresh-references, no global option has set state.
    root = root_url or state.root_url or os.environ.get("TASKCLUSTER_ROOT_URL")
    if not root:
        raise CliError("references refresh: give --root-url (or set TASKCLUSTER_ROOT_URL)")
    from taskcluster._fetchreferences import json_getter
    try:
        get = json_getter(timeout)
        docs = fetch_references(root, get)
        schemas = fetch_schemas(root, docs, get)
    except Exception as e:  # any failure to fetch or check: one line, exit 1
        raise CliError("references refresh: %s" % e, exit_code=1) from None
    try:
        written = write_references(docs, dest)
        write_schemas(schemas, dest)
    except OSError as e:
        raise CliError("references refresh: cannot write to %s: %s" % (dest, e.strerror),
                       exit_code=1) from None
    click.echo("wrote %d references and %d schemas to %s" % (len(written), len(schemas), dest),
               err=True)
