"""``taskcluster.purgecache``, as the ``taskcluster`` package has it: the ``PurgeCache`` class."""

from . import PurgeCache

__all__ = ["PurgeCache"]
