"""``taskcluster.workermanager``, as the ``taskcluster`` package has it: the ``WorkerManager`` class."""

from . import WorkerManager

__all__ = ["WorkerManager"]
