"""Service and entry names as typed at a shell.

A service is named as in its references directory (``queue``,
``worker-manager``), as the Go shell client does, or as its class
(``WorkerManager``, ``workerManager``); case and dashes do not matter.
"""

from __future__ import annotations

from typing import Dict, List

from taskcluster._services import SERVICES

from ._common import CliError, unknown

__all__ = ["service_names", "class_for", "entry_named", "reference"]


def _norm(name: str) -> str:
    return name.replace("-", "").replace("_", "").lower()


def service_names(kind: str) -> List[str]:
    """The services with a reference of ``kind`` (``api`` or ``exchanges``)."""
    return sorted(service for service, k in SERVICES.values() if k == kind)


def _aliases(kind: str) -> Dict[str, str]:
    aliases = {}
    for class_name, (service, k) in SERVICES.items():
        if k == kind:
            aliases[_norm(service)] = aliases[_norm(class_name)] = class_name
            if kind == "exchanges":
                aliases[_norm(service + "events")] = class_name
    return aliases


def class_for(name: str, kind: str) -> str:
    """The client class name for a service typed as ``name``."""
    found = _aliases(kind).get(_norm(name))
    if found is None:
        raise unknown("service", name, service_names(kind))
    return found


def reference(class_name: str):
    from taskcluster._references import load
    return load(class_name)


def entry_named(class_name: str, name: str, what: str):
    """The entry ``name`` of a service (a method, or an exchange by its entry
    name or its exchange name); case-insensitive if not exact."""
    ref = reference(class_name)
    entry = ref.entries.get(name)
    if entry is None:
        for e in ref.entries.values():
            if name.lower() in (e.name.lower(), getattr(e, "exchange", "").lower()):
                entry = e
                break
    if entry is None:
        raise unknown("%s %s" % (ref.serviceName, what), name, list(ref.entries))
    return entry


def require(condition: bool, message: str) -> None:
    if not condition:
        raise CliError(message)
