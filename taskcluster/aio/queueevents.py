"""``taskcluster.aio.queueevents``, as the ``taskcluster`` package has it: the async ``QueueEvents`` class."""

from . import QueueEvents

__all__ = ["QueueEvents"]
