"""``taskcluster.queue``, as the ``taskcluster`` package has it: the ``Queue`` class."""

from . import Queue

__all__ = ["Queue"]
