"""``taskcluster.aio.workermanagerevents``, as the ``taskcluster`` package has it: the async ``WorkerManagerEvents`` class."""

from . import WorkerManagerEvents

__all__ = ["WorkerManagerEvents"]
