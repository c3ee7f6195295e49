"""``taskcluster.hooks``, as the ``taskcluster`` package has it: the ``Hooks`` class."""

from . import Hooks

__all__ = ["Hooks"]
