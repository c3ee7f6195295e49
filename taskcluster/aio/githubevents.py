"""``taskcluster.aio.githubevents``, as the ``taskcluster`` package has it: the async ``GithubEvents`` class."""

from . import GithubEvents

__all__ = ["GithubEvents"]
