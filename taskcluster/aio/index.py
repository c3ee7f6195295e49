"""``taskcluster.aio.index``, as the ``taskcluster`` package has it: the async ``Index`` class."""

from . import Index

__all__ = ["Index"]
