"""``taskcluster.github``, as the ``taskcluster`` package has it: the ``Github`` class."""

from . import Github

__all__ = ["Github"]
