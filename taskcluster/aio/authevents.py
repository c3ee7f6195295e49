"""``taskcluster.aio.authevents``, as the ``taskcluster`` package has it: the async ``AuthEvents`` class."""

from . import AuthEvents

__all__ = ["AuthEvents"]
