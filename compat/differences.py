"""Known differences between this library and the ``taskcluster`` package
(113.2.0), each with its reason.  ``nox -s compat`` fails on any difference
not covered here, and on any entry here that covers nothing (the difference
is gone: remove the entry).  The README's compatibility table is generated
from this list (``python compat/run.py --table``)."""

from __future__ import annotations

from compare import Difference

__all__ = ["KNOWN"]

KNOWN = [
]
