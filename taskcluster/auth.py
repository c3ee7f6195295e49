"""``taskcluster.auth``, as the ``taskcluster`` package has it: the ``Auth`` class."""

from . import Auth

__all__ = ["Auth"]
