"""``task status|def|artifacts|log <taskId>`` and ``group status|list
<taskGroupId>``: the queue calls people make most, by name."""

from __future__ import annotations

import sys
from collections import Counter

import click

from ._groups import Group
from ._common import CliError, client, emit_json, has_credentials

__all__ = ["task", "group"]

LIVE_LOG = "public/logs/live.log"


@click.group(cls=Group)
def task():
    """A task's status, definition, artifacts, or live log."""


@task.command()
@click.argument("task_id", metavar="TASKID")
def status(task_id):
    """The task's status: its state and runs."""
    with client("Queue") as queue:
        emit_json(queue.status(task_id))


@task.command("def")
@click.argument("task_id", metavar="TASKID")
def definition(task_id):
    """The task's definition."""
    with client("Queue") as queue:
        emit_json(queue.task(task_id))


@task.command()
@click.argument("task_id", metavar="TASKID")
@click.option("--run", "run_id", type=int, help="A run of the task (default: the latest).")
def artifacts(task_id, run_id):
    """The task's artifacts (every page), as {"artifacts": [...]}."""
    with client("Queue") as queue:
        if run_id is None:
            pages = queue.pages("listLatestArtifacts", task_id)
        else:
            pages = queue.pages("listArtifacts", task_id, run_id)
        emit_json({"artifacts": [a for page in pages for a in page.get("artifacts", [])]})


@task.command()
@click.argument("task_id", metavar="TASKID")
@click.option("--name", default=LIVE_LOG, show_default=True,
              help="The log artifact to follow.")
def log(task_id, name):
    """Stream the task's log to stdout as it is written, until the task ends
    (the live log while it runs, the stored log after)."""
    with client("Queue") as queue:
        shown = queue.buildUrl("getLatestArtifact", task_id, name)
        # Public logs need no signature, but a deployment may restrict them:
        # sign when there are credentials (the bewit never leaves this function).
        url = queue.buildSignedUrl("getLatestArtifact", task_id, name) \
            if has_credentials(queue) else shown
    _stream(url, shown)


def _stream(url: str, shown: str) -> None:
    """Copy the body at ``url`` to stdout as its bytes arrive (following the
    queue's redirect to the live log); ``shown`` names it in messages."""
    import requests
    import urllib3
    out = sys.stdout.buffer
    try:
        with requests.Session() as session:
            # No read timeout: a running task may be silent for a long time.
            with session.get(url, stream=True, timeout=(30, None)) as response:
                if response.status_code >= 400:
                    raise CliError("task log: GET %s answered %d: %s" % (
                        shown, response.status_code, _error_text(response)), exit_code=1)
                raw = response.raw
                if raw.chunked:
                    # A live log arrives in chunks: write each as it comes.
                    chunks = raw.read_chunked(decode_content=True)
                else:
                    chunks = iter(lambda: raw.read1(65536, decode_content=True), b"")
                done = 0
                try:
                    for chunk in chunks:
                        out.write(chunk)
                        out.flush()
                        done += len(chunk)
                except urllib3.exceptions.HTTPError:
                    raise CliError("task log: GET %s: the connection broke after %d bytes "
                                   "of the log" % (shown, done), exit_code=1) from None
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and raw.tell() < int(declared):
                    raise CliError("task log: GET %s: the connection broke after %d bytes "
                                   "of the log" % (shown, done), exit_code=1)
    except requests.RequestException as e:
        # requests' messages quote the URL, which carries the bewit, or the
        # storage's presigned query after the queue's redirect.
        from taskcluster._redact import scrub
        raise CliError("task log: GET %s failed: %s" % (shown, scrub(str(e))),
                       exit_code=1) from None


def _error_text(response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason or "error"
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"].splitlines()[0]
    return response.reason or "error"


@click.group(cls=Group)
def group():
    """A task group's status or its tasks."""


def _group_tasks(queue, group_id):
    return [t for page in queue.pages("listTaskGroup", group_id) for t in page.get("tasks", [])]


@group.command("status")
@click.argument("group_id", metavar="TASKGROUPID")
def group_status(group_id):
    """The group's record and how many of its tasks are in each state."""
    with client("Queue") as queue:
        info = queue.getTaskGroup(group_id) or {}
        tasks = _group_tasks(queue, group_id)
    states = Counter(t.get("status", {}).get("state", "unknown") for t in tasks)
    emit_json(dict(info, taskGroupId=group_id, taskCount=len(tasks),
                   states=dict(sorted(states.items()))))


@group.command("list")
@click.argument("group_id", metavar="TASKGROUPID")
def group_list(group_id):
    """Every task of the group (every page), as {"taskGroupId", "tasks": [...]}."""
    with client("Queue") as queue:
        emit_json({"taskGroupId": group_id, "tasks": _group_tasks(queue, group_id)})
