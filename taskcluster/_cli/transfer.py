"""``download artifact|object|index`` and ``upload object``: the transfer
helpers (:mod:`taskcluster.download`, :mod:`taskcluster.upload`) with a
progress bar on a terminal and none in a pipe."""

from __future__ import annotations

import contextlib
import importlib
import os
import shutil
import stat
import sys
import tempfile

import click

from ._groups import Group
from ._common import CliError, client, emit_json, now, offset_seconds, state

__all__ = ["download", "upload"]


def _helpers(module: str):
    try:
        return importlib.import_module("taskcluster." + module)
    except ImportError:
        raise CliError("this installation has no taskcluster.%s module (the transfer "
                       "helpers); install a release that has it" % module, exit_code=1) from None


class _Progress:
    """A ``progress(done, total)`` callback drawing click's bar on stderr."""

    def __init__(self, label: str):
        self.label, self.bar, self.shown = label, None, 0

    def __call__(self, done: int, total) -> None:
        if self.bar is None:
            if not total:
                return  # size unknown: nothing to draw against
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr,
                                         show_percent=True, show_pos=True)
            self.bar.__enter__()
        self.bar.update(done - self.shown)
        self.shown = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _transfer(call, label: str, **kwargs):
    """``call(**kwargs)``, with a progress bar if stderr is a terminal, and
    ``--max-retries`` for the storage transfer too (the helpers' own
    ``maxRetries`` would override the client's)."""
    from taskcluster.exceptions import TaskclusterArtifactError

    if state.max_retries is not None:
        kwargs["maxRetries"] = state.max_retries
    progress = _Progress(label) if sys.stderr.isatty() else None
    if progress is not None:
        kwargs["progress"] = progress
    try:
        return call(**kwargs)
    except TaskclusterArtifactError as e:
        # The library words it as the package does (the artifact's message
        # alone); a command line says what it was and why.
        raise CliError("%s: the artifact is an error artifact (reason: %s): %s"
                       % (label, e.reason, e), 1) from None
    finally:
        if progress is not None:
            progress.close()


def _to_output(output: str, default_name: str, fetch) -> None:
    """Run ``fetch(target)`` into ``output``: a path (default: the name's
    last part; in a directory, that name in it), or ``-`` for stdout.  A
    path goes to the helper as it is: it writes beside it and renames only
    once verified, so a failed download leaves no file.  The helpers rewind
    a file object to retry, so stdout gets a temporary file's copy."""
    if output == "-":
        with tempfile.TemporaryFile() as fh:
            fetch(fh)
            fh.seek(0)
            shutil.copyfileobj(fh, sys.stdout.buffer)
            sys.stdout.flush()
        return
    path = output or _file_name(default_name)
    if os.path.isdir(path):
        path = os.path.join(path, _file_name(default_name))
    fetch(path)
    click.echo("wrote %s" % path, err=True)


def _file_name(name: str) -> str:
    """The file a name's last part names; "." and ".." name none (in a
    directory they would write beside it or over it)."""
    base = os.path.basename(name.rstrip("/"))
    if base in (".", ".."):
        raise CliError("the name %r ends in %r, which names no file: give -o FILE" % (name, base))
    return base or "download"


_OUTPUT = click.option("-o", "--output", metavar="FILE",
                       help="Where to write (default: the name's last part; - for stdout).")


@click.group(cls=Group)
def download():
    """Download an artifact, an object, or an indexed task's artifact."""


def _artifact(queue, task_id, name, run_id, output):
    helpers = _helpers("download")
    _to_output(output, name, lambda target: _transfer(
        helpers.downloadArtifactToFile, name, file=target, taskId=task_id, runId=run_id,
        name=name, queueService=queue))


@download.command()
@click.argument("task_id", metavar="TASKID")
@click.argument("name", metavar="NAME")
@click.option("--run", "run_id", type=int, help="A run of the task (default: the latest).")
@_OUTPUT
def artifact(task_id, name, run_id, output):
    """Download the artifact NAME of a task (e.g. public/build/target.tar.gz)."""
    with client("Queue") as queue:
        _artifact(queue, task_id, name, run_id, output)


@download.command("index")
@click.argument("index_path", metavar="INDEXPATH")
@click.argument("name", metavar="NAME")
@_OUTPUT
def index_artifact(index_path, name, output):
    """Download the artifact NAME of the task indexed at INDEXPATH."""
    helpers = _helpers("download")
    # One helper call: it follows the index's redirect to the queue.
    with client("Index") as index, client("Queue") as queue:
        _to_output(output, name, lambda target: _transfer(
            helpers.downloadArtifactFromIndexToFile, name, file=target, indexPath=index_path,
            name=name, indexService=index, queueService=queue))


@download.command("object")
@click.argument("name", metavar="NAME")
@_OUTPUT
def download_object(name, output):
    """Download the object NAME from the object service."""
    helpers = _helpers("download")
    with client("Object") as objects:
        _to_output(output, name, lambda target: _transfer(
            helpers.downloadToFile, name, file=target, name=name, objectService=objects))


@contextlib.contextmanager
def _seekable(path: str):
    """``(file, size)`` for FILE.  The upload states the size first and
    rewinds the file to retry: a pipe (``/dev/stdin``) cannot rewind, and a
    file of /proc says it is empty whatever it holds, so those are read
    into a temporary file first."""
    with open(path, "rb") as fh:
        info = os.fstat(fh.fileno())
        if stat.S_ISREG(info.st_mode) and info.st_size > 0:
            yield fh, info.st_size
            return
        with tempfile.TemporaryFile() as spool:
            shutil.copyfileobj(fh, spool, 1 << 20)
            size = spool.tell()
            spool.seek(0)
            yield spool, size


@click.group(cls=Group)
def upload():
    """Upload to the object service."""


@upload.command("object")
@click.argument("name", metavar="NAME")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
@click.option("--project-id", required=True, help="The project the object belongs to.")
@click.option("--content-type", help="Its content type (default: guessed from FILE's name).")
@click.option("--expires", default="1 year", show_default=True, metavar="DURATION",
              help="How long the object is kept.")
def upload_object(name, path, project_id, content_type, expires):
    """Upload FILE as the object NAME; prints {"name", "uploadId"}."""
    import datetime as dt
    import mimetypes

    from taskcluster import _slugid
    helpers = _helpers("upload")
    seconds = offset_seconds(expires, "--expires")
    if seconds <= 0:
        raise CliError("upload object: --expires must be a positive duration, not %r" % expires)
    try:
        expires_at = dt.datetime.fromtimestamp(now() + seconds, dt.timezone.utc)
    except (OverflowError, ValueError, OSError):
        raise CliError("upload object: --expires %r goes past the dates that can be written "
                       "(years 1 to 9999)" % expires) from None
    content_type = content_type or mimetypes.guess_type(path)[0] or "application/octet-stream"
    upload_id = _slugid.nice()
    with client("Object") as objects, _seekable(path) as (fh, size):
        _transfer(helpers.uploadFromFile, name, projectId=project_id, name=name,
                  contentType=content_type, contentLength=size, expires=expires_at,
                  uploadId=upload_id, file=fh, objectService=objects)
    emit_json({"name": name, "uploadId": upload_id})
