"""``taskcluster.aio.webserver``, as the ``taskcluster`` package has it: the async ``WebServer`` class."""

from . import WebServer

__all__ = ["WebServer"]
