"""The secrets service's backend: named JSON secrets with an expiry.

An expired secret answers 410 ResourceExpired to ``get`` (as the real
service does until its expiry job removes it) and is left out of ``list``.
"""

from __future__ import annotations

import datetime
from typing import Any, Dict

from ._paging import page
from ._service import Backend, Call, FakeError, jsonDate

__all__ = ["SecretsBackend"]


def _parse_date(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


class SecretsBackend(Backend):
    name = "secrets"

    def reset(self) -> None:
        self.secrets: Dict[str, Dict[str, Any]] = {}

    def set(self, call: Call) -> Any:
        p = call.payload
        self.secrets[call.params["name"]] = {"secret": p["secret"],
                                             "expires": _parse_date(p["expires"])}
        return None

    def remove(self, call: Call) -> Any:
        # "It will succeed whether or not the secret exists"
        self.secrets.pop(call.params["name"], None)
        return None

    def get(self, call: Call) -> Any:
        found = self.secrets.get(call.params["name"])
        if found is None:
            raise FakeError(404, "ResourceNotFound", "Secret not found")
        if found["expires"] <= self.deployment.now():
            raise FakeError(410, "ResourceExpired", "The requested resource has expired.")
        return {"secret": found["secret"], "expires": jsonDate(found["expires"])}

    def list(self, call: Call) -> Any:
        now = self.deployment.now()
        names = sorted(n for n, s in self.secrets.items() if s["expires"] > now)
        chunk, more = page(call, names)
        return dict({"secrets": chunk}, **more)
