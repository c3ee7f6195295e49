"""Load the API and exchanges references into read-only objects.

The references are data: each document is read once, the first time its
service is used, and turned into frozen objects that nothing edits.  Import
of the package reads nothing.
"""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Mapping, Optional, Tuple

from ._services import SERVICES

__all__ = ["FunctionEntry", "ExchangeEntry", "RoutingKeyPart", "Reference", "FrozenDict",
           "SERVICES", "load", "references_dir", "bundled_dir", "read_from", "kind_of",
           "parse", "thaw"]



class FrozenDict(dict):
    """A dict that refuses changes.  Reference data is handed to callers in
    this form (e.g. a routing-key reference): read it, serialize it, compare
    it; copy it with ``dict(...)`` or :func:`thaw` to change it."""
    __slots__ = ()

    def _refuse(self, *args, **kwargs):
        raise TypeError("Taskcluster reference data is read-only; "
                        "make a copy (dict(...)) to change it")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse
    __ior__ = _refuse

    def copy(self) -> dict:
        return dict(self)

    def __reduce__(self):
        return (FrozenDict, (dict(self),))


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return FrozenDict({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """A plain, mutable copy of frozen reference data."""
    if isinstance(value, dict):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
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
    # The route split once around its placeholders, leading "/" dropped:
    # "/task/<taskId>/status" -> pieces ("task/", "/status"), slots (0,),
    # the index in ``args`` of the value that goes between two pieces.
    route_pieces: Tuple[str, ...]
    route_slots: Tuple[int, ...]
    raw: Any = None        # the reference's own entry, read-only (``funcinfo``)

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
    raw_routing_key: Tuple[FrozenDict, ...]   # the reference's own routingKey list
    # Computed once for building patterns: the all-wildcards pattern as
    # words, and the index of each part a caller may set (not constants).
    wildcards: Tuple[str, ...]
    free_parts: Mapping[str, int]


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
    """Where the references live: the directory named by the
    ``TASKCLUSTER_REFERENCES`` environment variable (a deployment's own set,
    as ``taskcluster-refresh-references`` writes it), else inside the
    installed package, or the repository's top-level ``references/`` when
    run from a checkout."""
    chosen = os.environ.get("TASKCLUSTER_REFERENCES")
    if chosen:
        if not os.path.isfile(os.path.join(chosen, "manifest.json")):
            raise FileNotFoundError(
                "TASKCLUSTER_REFERENCES=%s holds no manifest.json; point it at a directory "
                "written by taskcluster-refresh-references, or unset it" % chosen)
        return chosen
    return bundled_dir()


def bundled_dir() -> str:
    """The references shipped with the package."""
    here = os.path.dirname(os.path.abspath(__file__))
    for candidate in (os.path.join(here, "references"),
                      os.path.join(os.path.dirname(here), "references")):
        if os.path.isfile(os.path.join(candidate, "manifest.json")):
            return candidate
    raise FileNotFoundError("the Taskcluster references are missing from the "
                            "installation (looked beside %s)" % here)


_PLACEHOLDER = re.compile(r"<([^<>]+)>")


def _split_route(route: str, args: Tuple[str, ...]) -> Tuple[Tuple[str, ...], Tuple[int, ...]]:
    """Split a route around its ``<arg>`` placeholders (a placeholder naming no
    argument stays as text, as in Node's client)."""
    pieces, slots, text = [], [], ""
    pos = 0
    route = route.lstrip("/")
    for m in _PLACEHOLDER.finditer(route):
        if m.group(1) not in args:
            continue
        text += route[pos:m.start()]
        pieces.append(text)
        slots.append(args.index(m.group(1)))
        text, pos = "", m.end()
    pieces.append(text + route[pos:])
    return tuple(pieces), tuple(slots)


def _function(owner: str, service: str, e: Mapping[str, Any]) -> FunctionEntry:
    args = tuple(e.get("args", ()))
    pieces, slots = _split_route(e["route"], args)
    return FunctionEntry(
        name=e["name"], method=e["method"].lower(), route=e["route"],
        args=args, query=tuple(e.get("query", ())),
        input=e.get("input"), output=e.get("output"),
        scopes=_freeze(e.get("scopes")), stability=e.get("stability", ""),
        category=e.get("category", ""), title=e.get("title", ""),
        description=e.get("description", ""), service=service,
        owner=owner, route_pieces=pieces, route_slots=slots, raw=_freeze(dict(e)))


def _exchange(e: Mapping[str, Any]) -> ExchangeEntry:
    parts = tuple(RoutingKeyPart(
        name=p["name"], multipleWords=bool(p.get("multipleWords")),
        required=bool(p.get("required")), constant=p.get("constant"),
        summary=p.get("summary", "")) for p in e["routingKey"])
    return ExchangeEntry(
        name=e["name"], exchange=e["exchange"], routingKey=parts,
        schema=e.get("schema"), title=e.get("title", ""),
        description=e.get("description", ""),
        raw_routing_key=_freeze(e["routingKey"]),
        wildcards=tuple(p.constant if p.constant else ("#" if p.multipleWords else "*")
                        for p in parts),
        free_parts=MappingProxyType({p.name: i for i, p in enumerate(parts)
                                     if not p.constant}))


def parse(className: str, kind: str, doc: Mapping[str, Any], mixed: bool = False) -> Reference:
    """Turn one reference document into a frozen :class:`Reference`: the
    entries of ``kind``'s type, or with ``mixed`` both ``function`` and
    ``topic-exchange`` entries (a document made by hand for createApiClient)."""
    service = doc["serviceName"]
    wanted = {"function", "topic-exchange"} if mixed else \
        {"function" if kind == "api" else "topic-exchange"}
    entries = {}
    for e in doc["entries"]:
        if e.get("type") not in wanted:
            continue
        entries[e["name"]] = _function(className, service, e) if e["type"] == "function" \
            else _exchange(e)
    return Reference(
        className=className, serviceName=service,
        apiVersion=doc.get("apiVersion", "v1"), kind=kind,
        title=doc.get("title", ""), description=doc.get("description", ""),
        exchangePrefix=doc.get("exchangePrefix"),
        entries=MappingProxyType(entries))


class BuildOnce:
    """A cache of values built at most once per key, even when threads ask
    at the same moment (a client class must be one class, not two)."""

    def __init__(self, build):
        self._build = build
        self._values: dict = {}
        self._lock = threading.Lock()

    def __call__(self, key):
        value = self._values.get(key)
        if value is None:
            with self._lock:
                value = self._values.get(key)
                if value is None:
                    value = self._values[key] = self._build(key)
        return value

    def built(self) -> list:
        """The keys built so far, sorted."""
        return sorted(self._values)


def read_from(directory: str, className: str) -> Reference:
    """The reference behind a client class, read from ``directory``."""
    service, kind = SERVICES[className]
    path = os.path.join(directory, service, "v1", kind + ".json")
    with open(path, encoding="utf-8") as fh:
        return parse(className, kind, json.load(fh))


def kind_of(doc: Mapping[str, Any]) -> str:
    """"api" or "exchanges", for a reference document of either kind."""
    if "exchangePrefix" in doc or any(e.get("type") == "topic-exchange"
                                      for e in doc.get("entries", ())):
        return "exchanges"
    return "api"


def _read(className: str) -> Reference:
    return read_from(references_dir(), className)


load = BuildOnce(_read)
load.__doc__ = "The reference behind a client class, read from disk on first use."
