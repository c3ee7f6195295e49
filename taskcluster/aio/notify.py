"""``taskcluster.aio.notify``, as the ``taskcluster`` package has it: the async ``Notify`` class."""

from . import Notify

__all__ = ["Notify"]
