"""Routing built from the references: ``<rootUrl>/api/<service>/v1/<route>``
to a service's function entry and its route parameters.

Route parameters match one path segment (clients escape ``/`` as ``%2F``);
a request no route matches that way is matched again with the last
parameter of a route taking the rest of the path (artifact names and index
paths sent with literal slashes, as ``curl`` users write them).  A trailing
``/`` is optional, as in the services' own router.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple
from urllib.parse import unquote

from .._references import FunctionEntry, load
from .._services import SERVICES as _CLASSES

__all__ = ["SERVICES", "Router"]

# service name in URLs -> client class name in the references: every
# service with an API reference is routed (those without a backend answer
# 501 NotImplemented, naming the method).
SERVICES = {service: cls for cls, (service, kind) in _CLASSES.items() if kind == "api"}

_PLACEHOLDER = re.compile(r"<([^<>]+)>")


def _pattern(route: str, greedy_last: bool) -> "re.Pattern[str]":
    body = route.rstrip("/")
    names = _PLACEHOLDER.findall(body)
    out, pos = "", 0
    for i, m in enumerate(_PLACEHOLDER.finditer(body)):
        out += re.escape(body[pos:m.start()])
        last = i == len(names) - 1 and m.end() == len(body)
        out += "(?P<p%d>.*)" % i if (greedy_last and last) else "(?P<p%d>[^/]+)" % i
        pos = m.end()
    out += re.escape(body[pos:])
    return re.compile("^%s/?$" % out)


class Router:
    """Finds the entry of ``(http method, path below /api/<service>/v1)``."""

    def __init__(self) -> None:
        self._routes: Dict[str, List[Tuple[str, "re.Pattern[str]", "re.Pattern[str]",
                                           List[str], FunctionEntry]]] = {}

    def _table(self, service: str):
        table = self._routes.get(service)
        if table is None:
            ref = load(SERVICES[service])
            table = []
            for entry in ref.entries.values():
                names = _PLACEHOLDER.findall(entry.route)
                table.append((entry.method.upper(), _pattern(entry.route, False),
                              _pattern(entry.route, True), names, entry))
            # Routes with more literal text first: /task/<p>/artifacts/<n>
            # before /task/<p>.
            table.sort(key=lambda t: -len(_PLACEHOLDER.sub("", t[4].route)))
            self._routes[service] = table
        return table

    def entry(self, service: str, name: str) -> FunctionEntry:
        return load(SERVICES[service]).entries[name]

    def match(self, service: str, method: str,
              path: str) -> Tuple[Optional[FunctionEntry], Dict[str, str], bool]:
        """(entry, route parameters, whether the path matched another method)."""
        if service not in SERVICES:
            return None, {}, False
        method = "GET" if method == "HEAD" else method
        table = self._table(service)
        other = False
        for greedy in (False, True):
            for verb, strict, lenient, names, entry in table:
                m = (lenient if greedy else strict).match(path)
                if not m:
                    continue
                if verb != method:
                    other = True
                    continue
                params = {name: unquote(m.group("p%d" % i)) for i, name in enumerate(names)}
                return entry, params, False
        return None, {}, other
