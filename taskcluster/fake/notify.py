"""The notify service's backend: records what it was asked to send
(``FakeDeployment.notifications`` reads it) instead of sending it, keeps
the denylist, and publishes ``pulse`` notifications as the real service
does (exchange ``notification``, routing key ``primary.<routingKey>``, CC
``route.<routingKey>``).
"""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Tuple

from ._paging import page
from ._service import Backend, Call, FakeError

__all__ = ["NotifyBackend"]

EXCHANGE = "exchange/taskcluster-notify/v1/notification"


class NotifyBackend(Backend):
    name = "notify"

    def reset(self) -> None:
        self._sent: List[Dict[str, Any]] = []
        self._denied: List[Tuple[str, str]] = []

    def sent(self) -> List[Dict[str, Any]]:
        """What was sent, oldest first: ``{"method": ..., "payload": ...}``."""
        return copy.deepcopy(self._sent)

    def _refuse(self, kind: str, address: str, what: str) -> None:
        if (kind, address) in self._denied:
            raise FakeError(400, "DenylistedAddress", "%s %s is denylisted" % (what, address))

    def _record(self, call: Call) -> None:
        self._sent.append({"method": call.method, "payload": copy.deepcopy(call.payload)})

    def email(self, call: Call) -> Any:
        self._refuse("email", call.payload["address"], "Email")
        self._record(call)
        return None

    def pulse(self, call: Call) -> Any:
        routingKey = call.payload["routingKey"]
        self._refuse("pulse", routingKey, "Pulse routing key pattern")
        self._record(call)
        self.deployment.publish(EXCHANGE, "primary.%s" % routingKey,
                                {"message": copy.deepcopy(call.payload["message"])},
                                ["route.%s" % routingKey])
        return None

    def matrix(self, call: Call) -> Any:
        self._refuse("matrix-room", call.payload["roomId"], "Matrix room")
        self._record(call)
        return None

    def slack(self, call: Call) -> Any:
        self._refuse("slack-channel", call.payload["channelId"], "Slack channel")
        self._record(call)
        return None

    def addDenylistAddress(self, call: Call) -> Any:
        key = (call.payload["notificationType"], call.payload["notificationAddress"])
        if key not in self._denied:
            self._denied.append(key)
        return None

    def deleteDenylistAddress(self, call: Call) -> Any:
        key = (call.payload["notificationType"], call.payload["notificationAddress"])
        if key in self._denied:
            self._denied.remove(key)
        return None

    def listDenylist(self, call: Call) -> Any:
        chunk, more = page(call, self._denied)
        return dict({"addresses": [{"notificationType": t, "notificationAddress": a}
                                   for t, a in chunk]}, **more)
