"""``taskcluster.aio.hooks``, as the ``taskcluster`` package has it: the async ``Hooks`` class."""

from . import Hooks

__all__ = ["Hooks"]
