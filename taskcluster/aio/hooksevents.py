"""``taskcluster.aio.hooksevents``, as the ``taskcluster`` package has it: the async ``HooksEvents`` class."""

from . import HooksEvents

__all__ = ["HooksEvents"]
