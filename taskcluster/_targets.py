"""Where the ``*ToFile`` download helpers write, sync and async alike: a
file object (rewound for each attempt, emptied if the download fails) or a
path (written beside it, renamed over it only once verified, removed if the
download fails)."""

from __future__ import annotations

import contextlib
import os
import secrets

from .exceptions import TaskclusterInputError

__all__ = ["is_path", "check_file_object", "rewind", "empty", "partial_file"]


def is_path(file) -> bool:
    return isinstance(file, (str, bytes, os.PathLike))


def check_file_object(label: str, file) -> None:
    for needed in ("write", "seek", "truncate"):
        if not callable(getattr(file, needed, None)):
            raise TaskclusterInputError(
                "%s: file must be a path or a binary file object with write, seek and "
                "truncate, not %s" % (label, type(file).__name__), method=label,
                argument="file")


def rewind(file) -> None:
    """Ready ``file`` for an attempt: empty, at offset 0."""
    file.seek(0)
    file.truncate()


def empty(file) -> None:
    """Leave nothing of a failed download in ``file``, if it lets us."""
    try:
        rewind(file)
    except Exception:  # the original failure matters more than this one
        pass


@contextlib.contextmanager
def partial_file(label: str, path):
    """A binary file open beside ``path``; renamed over it when the block
    ends normally, removed when it raises (cancellation included)."""
    path = os.fsdecode(path)
    directory, base = os.path.split(os.path.abspath(path))
    # Beside the target (same file system: the rename is atomic), hidden,
    # created with the process's umask as the target would be.
    partial = os.path.join(directory, ".%s.%s.part" % (base, secrets.token_hex(4)))
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o666)
    except OSError as e:
        raise TaskclusterInputError(
            "%s: cannot write beside %r: %s" % (label, path, e.strerror or e),
            method=label, argument="file") from None
    try:
        with open(fd, "wb") as f:
            yield f
        os.replace(partial, path)
    except BaseException:
        try:
            os.unlink(partial)
        except OSError:
            pass
        raise
