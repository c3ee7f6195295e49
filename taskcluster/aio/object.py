"""``taskcluster.aio.object``, as the ``taskcluster`` package has it: the async ``Object`` class."""

from . import Object

__all__ = ["Object"]
