"""The scenario registry and what a scenario is given.

A scenario is a function ``(ctx) -> observations`` registered with
``@scenario(*replies)``; ``replies`` are the loopback server's answers, in
order, to the requests the scenario makes (then the server's default: 200
echoing the request as JSON).  Replies are plain data, so that the runner
(which never imports ``taskcluster``) reads them from here::

    @scenario(reply(303, headers={"Location": "https://example.com/x"}))
    def shape_303(ctx):
        return ctx.attempt(lambda: ctx.tc.Queue(ctx.options()).task("abc"))

Standard library only: the same file runs under either library.
"""

from __future__ import annotations

import datetime
import importlib
import warnings
from dataclasses import dataclass
from typing import Callable, Dict, Tuple

from observe import describe

__all__ = ["Scenario", "SCENARIOS", "load_all", "scenario", "reply", "reset", "Ctx"]

_UNSET = object()


@dataclass(frozen=True)
class Scenario:
    name: str
    fn: Callable
    replies: Tuple[dict, ...]


SCENARIOS: Dict[str, Scenario] = {}

# The modules that register scenarios, in the order they run.  None imports
# ``taskcluster`` when imported, so the runner can read their replies.
MODULES = ("surface", "values", "urls", "calls", "options", "helpers", "mocks", "dropin")


def load_all() -> Dict[str, Scenario]:
    for name in MODULES:
        importlib.import_module(name)
    return SCENARIOS


def scenario(*replies: dict):
    def register(fn):
        if fn.__name__ in SCENARIOS:
            raise ValueError("two scenarios named %s" % fn.__name__)
        SCENARIOS[fn.__name__] = Scenario(fn.__name__, fn, tuple(replies))
        return fn
    return register


def reply(status: int = 200, json=_UNSET, text=None, raw=None, headers=None) -> dict:
    """One answer.  ``json``: a JSON-able body sent as application/json;
    ``text``: text/plain; ``raw``: a str sent as is, with no Content-Type
    unless ``headers`` gives one; none of them: an empty body."""
    body = None
    if json is not _UNSET:
        body = {"json": json}
    elif text is not None:
        body = {"text": text}
    elif raw is not None:
        body = {"raw": raw}
    return {"status": status, "body": body, "headers": dict(headers or {})}


def reset() -> dict:
    """Close the connection without an answer."""
    return {"reset": True}


# Fixed instants: what a scenario passes as "now" or as dates.
T0 = datetime.datetime(2026, 3, 4, 5, 6, 7, 891234)
T0_UTC = T0.replace(tzinfo=datetime.timezone.utc)

CREDENTIALS = {"clientId": "compat-client", "accessToken": "compat-token"}


class Ctx:
    """What a scenario is given: the library (``ctx.tc``), the server's root
    URL, options to build clients from, and ``attempt`` to record a value or
    the exception raised instead."""

    def __init__(self, tc, url: str, closed_url: str):
        self.tc = tc
        self.url = url
        self.closed_url = closed_url

    def options(self, **extra) -> dict:
        """Options for a client of the loopback server, with one retry (a 5xx
        costs one ~0.1 s back-off under either library)."""
        options = {"rootUrl": self.url, "maxRetries": 1}
        options.update(extra)
        return options

    def credentials(self, **extra) -> dict:
        creds = dict(CREDENTIALS)
        creds.update(extra)
        return creds

    def call(self, fn: Callable, *args, **kwargs) -> dict:
        """:meth:`attempt` of ``fn(*args, **kwargs)``."""
        return self.attempt(lambda: fn(*args, **kwargs))

    @staticmethod
    def attempt(fn: Callable) -> dict:
        """``{"value": ...}`` or ``{"raised": ...}``, plus any warnings."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                out = {"value": describe(fn())}
            except Exception as exc:  # the exception is the observation
                out = {"raised": describe(exc)}
        if caught:
            out["warnings"] = [w.category.__name__ for w in caught]
        return out
