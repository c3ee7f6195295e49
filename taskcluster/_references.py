"""Load the API and exchanges references into read-only objects.

The references are data: each document is read once, the first time its
service is used, and turned into frozen objects that nothing edits.  Import
of the package reads nothing.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Mapping, Optional, Tuple

from ._services import SERVICES

__all__ = ["FunctionEntry", "ExchangeEntry", "RoutingKeyPart", "Reference",
           "SERVICES", "load", "references_dir"]



def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


_SCALARS = frozenset((str, int, float, bool, type(None)))


def thaw(value: Any) -> Any:
    """A plain, mutable copy of frozen reference data (for callers' use)."""
    # Exact-type tests first: isinstance against typing.Mapping is an ABC
    # check costing about a microsecond, paid for every value of a routing
    # key reference on every exchange call.
    t = type(value)
    if t in _SCALARS:
        return value
    if t is MappingProxyType or isinstance(value, Mapping):
        return {k: v if type(v) in _SCALARS else thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [v if type(v) in _SCALARS else thaw(v) for v in value]
    return value


@dataclass(frozen=True)
class FunctionEntry:
    """One ``type: function`` entry of an API reference."""
    name: str
    method: str            # lower case, as in the reference
    route: str             # e.g. "/task/<taskId>/artifacts/<name>"
    args: Tuple[str, ...]
    query: Tuple[str, ...]
    input: Optional[str]
    output: Optional[str]
    scopes: Any
    stability: str
    category: str
    title: str
    description: str
    service: str
    owner: str             # client class name, e.g. "Queue"

    @property
    def paginated(self) -> bool:
        return "continuationToken" in self.query


@dataclass(frozen=True)
class RoutingKeyPart:
    name: str
    multipleWords: bool
    required: bool
    constant: Optional[str]
    summary: str


@dataclass(frozen=True)
class ExchangeEntry:
    """One ``type: topic-exchange`` entry of an exchanges reference."""
    name: str
    exchange: str
    routingKey: Tuple[RoutingKeyPart, ...]
    schema: Optional[str]
    title: str
    description: str
    raw_routing_key: Any   # the reference's own routingKey list, frozen


@dataclass(frozen=True)
class Reference:
    className: str
    serviceName: str
    apiVersion: str
    kind: str                                  # "api" or "exchanges"
    title: str
    description: str
    exchangePrefix: Optional[str]
    entries: Mapping[str, Any]                 # name -> entry, reference order


def references_dir() -> str:
    """Where the references live: inside the installed package, or the
    repository's top-level ``references/`` when run from a checkout."""
    here = os.path.dirname(os.path.abspath(__file__))
    for candidate in (os.path.join(here, "references"),
                      os.path.join(os.path.dirname(here), "references")):
        if os.path.isfile(os.path.join(candidate, "manifest.json")):
            return candidate
    raise FileNotFoundError("the Taskcluster references are missing from the "
                            "installation (looked beside %s)" % here)


def _function(owner: str, service: str, e: Mapping[str, Any]) -> FunctionEntry:
    return FunctionEntry(
        name=e["name"], method=e["method"].lower(), route=e["route"],
        args=tuple(e.get("args", ())), query=tuple(e.get("query", ())),
        input=e.get("input"), output=e.get("output"),
        scopes=_freeze(e.get("scopes")), stability=e.get("stability", ""),
        category=e.get("category", ""), title=e.get("title", ""),
        description=e.get("description", ""), service=service,
        owner=owner)


def _exchange(e: Mapping[str, Any]) -> ExchangeEntry:
    parts = tuple(RoutingKeyPart(
        name=p["name"], multipleWords=bool(p.get("multipleWords")),
        required=bool(p.get("required")), constant=p.get("constant"),
        summary=p.get("summary", "")) for p in e["routingKey"])
    return ExchangeEntry(
        name=e["name"], exchange=e["exchange"], routingKey=parts,
        schema=e.get("schema"), title=e.get("title", ""),
        description=e.get("description", ""),
        raw_routing_key=_freeze(e["routingKey"]))


def parse(className: str, kind: str, doc: Mapping[str, Any]) -> Reference:
    """Turn one reference document into a frozen :class:`Reference`."""
    service = doc["serviceName"]
    wanted = "function" if kind == "api" else "topic-exchange"
    entries = {}
    for e in doc["entries"]:
        if e.get("type") != wanted:
            continue
        entries[e["name"]] = _function(className, service, e) if kind == "api" else _exchange(e)
    return Reference(
        className=className, serviceName=service,
        apiVersion=doc.get("apiVersion", "v1"), kind=kind,
        title=doc.get("title", ""), description=doc.get("description", ""),
        exchangePrefix=doc.get("exchangePrefix"),
        entries=MappingProxyType(entries))


_cache: dict = {}
_lock = threading.Lock()


def load(className: str) -> Reference:
    """The reference behind a client class, read from disk on first use."""
    ref = _cache.get(className)
    if ref is not None:
        return ref
    with _lock:
        ref = _cache.get(className)
        if ref is None:
            service, kind = SERVICES[className]
            path = os.path.join(references_dir(), service, "v1", kind + ".json")
            with open(path, encoding="utf-8") as fh:
                ref = parse(className, kind, json.load(fh))
            _cache[className] = ref
    return ref
