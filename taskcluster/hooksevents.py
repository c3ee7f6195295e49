"""``taskcluster.hooksevents``, as the ``taskcluster`` package has it: the ``HooksEvents`` class."""

from . import HooksEvents

__all__ = ["HooksEvents"]
