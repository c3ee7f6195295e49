"""``taskcluster.githubevents``, as the ``taskcluster`` package has it: the ``GithubEvents`` class."""

from . import GithubEvents

__all__ = ["GithubEvents"]
