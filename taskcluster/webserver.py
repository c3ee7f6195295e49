"""``taskcluster.webserver``, as the ``taskcluster`` package has it: the ``WebServer`` class."""

from . import WebServer

__all__ = ["WebServer"]
