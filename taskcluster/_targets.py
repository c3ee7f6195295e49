"""Where the ``*ToFile`` download helpers write, sync and async alike: a
file object (rewound for each attempt, emptied if the download fails) or a
path (written beside it, renamed over it only once verified, removed if the
download fails; see :func:`partial_file` for links, pipes and devices)."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat

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


def _refuse(label: str, path: str, what: str) -> TaskclusterInputError:
    return TaskclusterInputError("%s: file %r %s" % (label, path, what), method=label,
                                 argument="file")


@contextlib.contextmanager
def partial_file(label: str, path):
    """A binary file to download into for the target ``path``, checked
    before anything is sent.

    A regular file (or none yet) is written beside it and renamed over it
    when the block ends normally, keeping the mode (and, where allowed, the
    owner) of the file it replaces; it is removed when the block raises
    (cancellation included).  A symlink is followed: the file it points to
    is replaced, the link stays.  A FIFO or a device is written through,
    never replaced: the download goes to an anonymous temporary file, and
    only the verified bytes are copied into it.  A directory, a socket, or a
    path with a NUL is refused."""
    path = os.fsdecode(path)
    if "\0" in path:
        raise _refuse(label, path, "has a NUL character, which no file name can hold")
    # Through symlinks: replacing a link by a regular file would cut it.
    target = os.path.realpath(path)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise _refuse(label, path, "cannot be used: %s" % (e.strerror or e)) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise _refuse(label, path, "is a directory: give a file path")
    if st is not None and not stat.S_ISREG(st.st_mode):
        if not (stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode)
                or stat.S_ISBLK(st.st_mode)):
            raise _refuse(label, path, "is not a regular file, a FIFO or a device")
        with _written_through(label, path) as f:
            yield f
        return
    with _beside(label, path, target, st) as f:
        yield f


@contextlib.contextmanager
def _beside(label: str, path: str, target: str, st):
    directory, base = os.path.split(target)
    # Beside the target (same file system: the rename is atomic), hidden.
    partial = os.path.join(directory, ".%s.%s.part" % (base, secrets.token_hex(4)))
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o600 if st is not None else 0o666)
    except OSError as e:
        raise TaskclusterInputError(
            "%s: cannot write beside %r: %s" % (label, path, e.strerror or e),
            method=label, argument="file") from None
    try:
        with open(fd, "wb") as f:
            if st is not None:
                # The file it replaces keeps its mode: a private file stays
                # private.  (A new file gets the umask's, as open() gives.)
                _keep_owner(f.fileno(), st)
                os.chmod(f.fileno(), stat.S_IMODE(st.st_mode))
            yield f
        os.replace(partial, target)
    except BaseException:
        try:
            os.unlink(partial)
        except OSError:
            pass
        raise


def _keep_owner(fd: int, st) -> None:
    if hasattr(os, "fchown") and (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
        try:
            os.fchown(fd, st.st_uid, st.st_gid)
        except OSError:  # only root may give a file away: keep ours
            pass


@contextlib.contextmanager
def _written_through(label: str, path: str):
    # Retried attempts rewind the file they write: a pipe cannot rewind,
    # and a reader of it must see verified bytes only.
    import shutil
    import tempfile
    with tempfile.TemporaryFile() as f:
        yield f
        f.seek(0)
        try:
            # No O_CREAT, no O_TRUNC: what is there is used, never replaced.
            fd = os.open(path, os.O_WRONLY | getattr(os, "O_BINARY", 0))
        except OSError as e:
            raise _refuse(label, path, "cannot be opened: %s" % (e.strerror or e)) from None
        with open(fd, "wb") as out:
            shutil.copyfileobj(f, out, 1 << 20)
