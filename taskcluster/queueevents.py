"""``taskcluster.queueevents``, as the ``taskcluster`` package has it: the ``QueueEvents`` class."""

from . import QueueEvents

__all__ = ["QueueEvents"]
