"""``taskcluster.secrets``, as the ``taskcluster`` package has it: the ``Secrets`` class."""

from . import Secrets

__all__ = ["Secrets"]
