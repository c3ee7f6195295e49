"""``taskcluster.aio.auth``, as the ``taskcluster`` package has it: the async ``Auth`` class."""

from . import Auth

__all__ = ["Auth"]
