"""The HTTP layer: send one prepared request, return status, headers, body.

Nothing here knows about Taskcluster.  A transport raises
:class:`TransportError` when no response was had (refused, reset, timeout,
truncated body), or with ``retriable=False`` when the request could not even
be made (a URL or header the HTTP library refuses); the client decides what
to retry.  Its message never quotes a header.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

__all__ = ["Response", "TransportError", "RequestsTransport"]


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]      # lower-cased names
    body: bytes


class TransportError(Exception):
    """No (complete) response.  ``timeout`` tells a timeout apart;
    ``retriable`` is False when sending again cannot help."""

    def __init__(self, message: str, timeout: bool = False, retriable: bool = True):
        super().__init__(message)
        self.timeout = timeout
        self.retriable = retriable


class RequestsTransport:
    """Sends through one ``requests.Session``, so connections are reused.

    For a session of its own, proxy and CA-bundle settings are read from the
    environment once (for ``root_url``), not on every call as requests does
    by default.  A session passed in is used as it is.
    """

    def __init__(self, session=None, root_url: Optional[str] = None):
        import requests  # imported on first use: it dominates import time

        self._requests = requests
        self._owned = session is None
        if session is None:
            session = requests.Session()
            if root_url:
                env = session.merge_environment_settings(root_url, {}, None, None, None)
                session.proxies.update(env.get("proxies") or {})
                if env.get("verify") not in (None, True):
                    session.verify = env["verify"]
            session.trust_env = False
        self.session = session

    def send(self, method: str, url: str, headers: Mapping[str, str],
             body: Optional[bytes], timeout: float) -> Response:
        requests = self._requests
        try:
            r = self.session.request(method, url, headers=headers, data=body,
                                     timeout=timeout, allow_redirects=False)
            content = r.content
        except requests.Timeout as e:
            raise TransportError("timed out after %ss (%s)" % (timeout, type(e).__name__),
                                 timeout=True) from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError) as e:
            raise TransportError("%s: %s" % (type(e).__name__, _short(e))) from None
        except requests.RequestException as e:
            # Refused before sending.  requests quotes an invalid header's
            # value, and that may be the Authorization header: leave it out.
            detail = "" if isinstance(e, requests.exceptions.InvalidHeader) else ": " + _short(e)
            raise TransportError("%s%s" % (type(e).__name__, detail), retriable=False) from None
        return Response(r.status_code, {k.lower(): v for k, v in r.headers.items()}, content)

    def close(self) -> None:
        if not self._owned:
            return
        # Session.close() only drops urllib3's pools (urllib3 2 closes a
        # pool's connections when the pool is collected), and after a timeout
        # the exception's traceback keeps the pool in a cycle: its sockets
        # stayed open until the cycle collector ran.  Close each pool now.
        for adapter in self.session.adapters.values():
            managers = [getattr(adapter, "poolmanager", None)]
            managers += list(getattr(adapter, "proxy_manager", {}).values())
            for manager in managers:
                pools = getattr(manager, "pools", None)
                for key in pools.keys() if pools is not None else ():
                    pool = pools.get(key)
                    if pool is not None:
                        pool.close()
        self.session.close()


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 300 else text[:297] + "..."
