"""``taskcluster.aio.github``, as the ``taskcluster`` package has it: the async ``Github`` class."""

from . import Github

__all__ = ["Github"]
