"""``taskcluster.aio.purgecache``, as the ``taskcluster`` package has it: the async ``PurgeCache`` class."""

from . import PurgeCache

__all__ = ["PurgeCache"]
