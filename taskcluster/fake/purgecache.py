"""The purge-cache service's backend: records what workers are asked to
purge (``FakeDeployment.purgeCacheRequests`` reads it).

A request for a worker pool and cache name is kept one day, as the real
service keeps it; asking again moves its ``before`` to now.
"""

from __future__ import annotations

import datetime
from typing import Any, Dict, List, Tuple

from ._paging import page
from ._service import Backend, Call, FakeError, jsonDate

__all__ = ["PurgeCacheBackend"]


class PurgeCacheBackend(Backend):
    name = "purge-cache"

    def reset(self) -> None:
        # (workerPoolId, cacheName) -> (before, expires)
        self._requests: Dict[Tuple[str, str], Tuple[datetime.datetime, datetime.datetime]] = {}

    def tick(self, now: datetime.datetime) -> None:
        for key in [k for k, (_, expires) in self._requests.items() if expires <= now]:
            del self._requests[key]

    def requests(self) -> List[Dict[str, Any]]:
        """The standing requests, oldest first."""
        items = sorted(self._requests.items(), key=lambda kv: kv[1][0])
        return [{"workerPoolId": pool, "cacheName": name, "before": jsonDate(before)}
                for (pool, name), (before, _) in items]

    def _view(self, pool: str, name: str, before: datetime.datetime) -> Dict[str, Any]:
        provisionerId, _, workerType = pool.partition("/")
        return {"provisionerId": provisionerId, "workerType": workerType, "cacheName": name,
                "before": jsonDate(before)}

    def purgeCache(self, call: Call) -> Any:
        pool = call.params["workerPoolId"]
        if "/" not in pool:
            raise FakeError(400, "InputError", "workerPoolId must be <provisionerId>/<workerType>")
        now = self.deployment.now()
        self._requests[(pool, call.payload["cacheName"])] = (now, now + datetime.timedelta(days=1))
        return None

    def allPurgeRequests(self, call: Call) -> Any:
        items = sorted(self._requests.items())
        chunk, more = page(call, items)
        return dict({"requests": [self._view(pool, name, before)
                                  for (pool, name), (before, _) in chunk]}, **more)

    def purgeRequests(self, call: Call) -> Any:
        pool = call.params["workerPoolId"]
        since = call.query.get("since")
        try:
            start = (datetime.datetime.fromisoformat(since.replace("Z", "+00:00"))
                     if since else datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc))
        except ValueError:
            raise FakeError(400, "InvalidRequestArguments",
                            "purge-cache.purgeRequests: since must be a date, not %r"
                            % since) from None
        if start.tzinfo is None:
            start = start.replace(tzinfo=datetime.timezone.utc)
        return {"requests": [self._view(p, name, before)
                             for (p, name), (before, _) in sorted(self._requests.items())
                             if p == pool and before >= start]}
