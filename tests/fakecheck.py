"""Helpers for the fake deployment's tests: every JSON answer checked
against its method's output schema with ``jsonschema`` (the reference
validator, independent of the fastjsonschema the package compiles), and a
record of which methods a test called."""

from __future__ import annotations

import functools
from typing import Any, Set, Tuple

import jsonschema
import referencing
from referencing.jsonschema import DRAFT6

from taskcluster import _references, _schemas
from taskcluster.fake._router import SERVICES


@functools.lru_cache(maxsize=None)
def _validator(path: str):
    def retrieve(uri):
        return DRAFT6.create_resource(_schemas._from_shipped(uri))
    return jsonschema.Draft6Validator(_schemas._absolute(path),
                                      registry=referencing.Registry(retrieve=retrieve),
                                      format_checker=jsonschema.Draft6Validator.FORMAT_CHECKER)


def entry(service: str, method: str):
    return _references.load(SERVICES[service]).entries[method]


def methods(service: str) -> Set[str]:
    return set(_references.load(SERVICES[service]).entries)


def check_output(service: str, method: str, value: Any) -> Any:
    """Assert ``value`` is valid against the method's output schema (an
    answer of a method without one must be empty or absent)."""
    e = entry(service, method)
    if e.output:
        _validator(_schemas.schema_path(service, e.output)).validate(value)
    elif method not in ("ping", "version", "lbheartbeat", "heartbeat"):
        assert value in (None, {}), (service, method, value)
    return value


def check_message(service_exchanges: str, exchange_name: str, payload: Any) -> None:
    """Assert a pulse message's payload is valid against its exchange's schema."""
    ref = _references.load(service_exchanges)
    for e in ref.entries.values():
        if e.exchange == exchange_name:
            _validator(_schemas.schema_path(ref.serviceName, e.schema)).validate(payload)
            return
    raise AssertionError("no exchange %s in %s" % (exchange_name, service_exchanges))


class Checked:
    """A client whose every answer is checked, recording the methods called."""

    def __init__(self, client: Any, service: str) -> None:
        self._client = client
        self._service = service
        self.called: Set[str] = set()

    def __getattr__(self, name: str):
        method = getattr(self._client, name)

        def call(*args, **kwargs):
            value = method(*args, **kwargs)
            self.called.add(name)
            return check_output(self._service, name, value)
        return call

    def missing(self) -> Tuple[str, ...]:
        return tuple(sorted(methods(self._service) - self.called))
