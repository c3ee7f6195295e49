"""``taskcluster.aio.queue``, as the ``taskcluster`` package has it: the async ``Queue`` class."""

from . import Queue

__all__ = ["Queue"]
