"""``taskcluster.index``, as the ``taskcluster`` package has it: the ``Index`` class."""

from . import Index

__all__ = ["Index"]
