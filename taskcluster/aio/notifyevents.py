"""``taskcluster.aio.notifyevents``, as the ``taskcluster`` package has it: the async ``NotifyEvents`` class."""

from . import NotifyEvents

__all__ = ["NotifyEvents"]
