"""``taskcluster.authevents``, as the ``taskcluster`` package has it: the ``AuthEvents`` class."""

from . import AuthEvents

__all__ = ["AuthEvents"]
