"""``taskcluster.aio.secrets``, as the ``taskcluster`` package has it: the async ``Secrets`` class."""

from . import Secrets

__all__ = ["Secrets"]
