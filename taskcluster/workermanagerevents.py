"""``taskcluster.workermanagerevents``, as the ``taskcluster`` package has it: the ``WorkerManagerEvents`` class."""

from . import WorkerManagerEvents

__all__ = ["WorkerManagerEvents"]
