"""``taskcluster.notify``, as the ``taskcluster`` package has it: the ``Notify`` class."""

from . import Notify

__all__ = ["Notify"]
