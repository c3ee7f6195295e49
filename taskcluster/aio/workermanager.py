"""``taskcluster.aio.workermanager``, as the ``taskcluster`` package has it: the async ``WorkerManager`` class."""

from . import WorkerManager

__all__ = ["WorkerManager"]
