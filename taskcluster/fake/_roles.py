"""Role expansion, as the auth service's scope resolver does it
(``services/auth/src/scoperesolver.js`` and ``trie.js``).

A scope ``assume:<roleId>`` grants the role's scopes; so does a scope
ending in ``*`` that covers ``assume:<roleId>`` (``assume:repo:*``, and
``*`` itself).  A role whose id ends in ``*`` is parameterized: for
``assume:repo:github.com/org/x`` and role ``repo:github.com/*``, the
parameter is what the scope has beyond the role's prefix (``org/x``), and
each ``<..>`` in the role's scopes becomes it; when the parameter ends in
``*`` (a star scope reaching the role, ``assume:repo:*`` say, gives ``*``),
everything from ``<..>`` to the end of the scope is replaced by it.
Expansion repeats until nothing new is granted.
"""

from __future__ import annotations

import re
from typing import Dict, Iterable, List, Mapping, Sequence, Tuple

__all__ = ["RoleCycle", "Resolver", "normalize"]

_ASSUME = re.compile(r"^(?:(?:|a|as|ass|assu|assum|assume)\*$|assume:)")
_LIMIT = 20000


class RoleCycle(Exception):
    """Roles whose expansion never ends (a parameterized role granting an
    ever longer ``assume:`` scope)."""


def normalize(scopes: Iterable[str]) -> Tuple[str, ...]:
    """The scopes in lib-scopes' normal form: sorted, duplicates and scopes
    a star scope covers dropped."""
    from ..scopes import normalizeScopeSet, scopeKey
    return tuple(normalizeScopeSet(sorted(set(scopes), key=scopeKey)))


def _with_param(scopes: Sequence[str], param: str) -> List[str]:
    out = []
    for scope in scopes:
        at = scope.find("<..>")
        if at < 0:
            out.append(scope)
        elif param.endswith("*"):
            out.append(scope[:at] + param)
        else:
            out.append(scope[:at] + param + scope[at + 4:])
    return out


def _granted(given: str, roleId: str, scopes: Sequence[str]) -> List[str]:
    """What the role grants to ``assume:<given>``."""
    if roleId.endswith("*"):
        prefix = roleId[:-1]
        if given.startswith(prefix):
            return _with_param(scopes, given[len(prefix):])
        if given.endswith("*") and prefix.startswith(given[:-1]):
            return _with_param(scopes, "*")
        return []
    if given == roleId or (given.endswith("*") and roleId.startswith(given[:-1])):
        return list(scopes)
    return []


class Resolver:
    """Expands scope sets through a fixed set of roles (roleId -> scopes),
    remembering what it expanded."""

    def __init__(self, roles: Mapping[str, Sequence[str]]) -> None:
        self._roles: Dict[str, Tuple[str, ...]] = {k: tuple(v) for k, v in roles.items()}
        self._cache: Dict[Tuple[str, ...], Tuple[str, ...]] = {}

    def expand(self, scopes: Iterable[str]) -> Tuple[str, ...]:
        scopes = tuple(scopes)
        assumed = tuple(sorted(s for s in scopes if _ASSUME.match(s)))
        grants = self._cache.get(assumed)
        if grants is None:
            grants = self._expand(assumed)
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[assumed] = grants
        return normalize(grants + scopes)

    def _expand(self, assumed: Tuple[str, ...]) -> Tuple[str, ...]:
        result = set(assumed)
        queue = list(assumed)
        done = set()
        while queue:
            scope = queue.pop()
            given = scope[7:] if scope.startswith("assume:") else "*"
            if given in done:
                continue
            done.add(given)
            for roleId, roleScopes in self._roles.items():
                for granted in _granted(given, roleId, roleScopes):
                    if granted not in result:
                        result.add(granted)
                        if _ASSUME.match(granted):
                            queue.append(granted)
            if len(result) > _LIMIT:
                raise RoleCycle("role expansion of %s does not end: the roles grant ever "
                                "longer assume: scopes" % (", ".join(assumed),))
        return normalize(result)
