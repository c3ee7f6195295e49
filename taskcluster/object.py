"""``taskcluster.object``, as the ``taskcluster`` package has it: the ``Object`` class."""

from . import Object

__all__ = ["Object"]
