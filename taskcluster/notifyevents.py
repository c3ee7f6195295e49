"""``taskcluster.notifyevents``, as the ``taskcluster`` package has it: the ``NotifyEvents`` class."""

from . import NotifyEvents

__all__ = ["NotifyEvents"]
