"""The deployment's blob store: what S3 is to the real queue and object
service.

Bytes are kept in memory under a key and reached through URLs the store
signs itself (``<rootUrl>/_storage/<key>?expires=...&signature=...``), as
S3 presigned URLs are: the URL's signature is its only authorization, and it
holds for one method until the deployment's clock passes ``expires``.  The
transfer helpers PUT to and GET from these URLs unchanged.  An object keeps
the Content-Type it was uploaded with.
"""

from __future__ import annotations

import datetime
import hmac
import secrets
import threading
from typing import Callable, Dict, Optional, Tuple
from urllib.parse import parse_qsl, quote, unquote

__all__ = ["Storage", "PREFIX"]

PREFIX = "/_storage/"


class Storage:
    def __init__(self, url: Callable[[str], str],
                 now: Callable[[], datetime.datetime]) -> None:
        self._url = url
        self._now = now
        self._key = secrets.token_bytes(32)
        self._blobs: Dict[str, Tuple[bytes, str]] = {}
        self._lock = threading.Lock()

    def _sign(self, method: str, key: str, expires: int, contentType: str = "") -> str:
        text = "%s\n%s\n%d\n%s" % (method, key, expires, contentType)
        return hmac.new(self._key, text.encode("utf-8"), "sha256").hexdigest()

    def _signed(self, method: str, key: str, expires: datetime.datetime) -> str:
        stamp = int(expires.timestamp())
        return "%s%s%s?expires=%d&signature=%s" % (
            self._url(""), PREFIX, quote(key, safe="/"), stamp, self._sign(method, key, stamp))

    def putUrl(self, key: str, contentType: Optional[str], expires: datetime.datetime) -> str:
        """A URL to PUT the object's bytes to, until ``expires``."""
        return self._signed("PUT", key, expires)

    def getUrl(self, key: str, expires: datetime.datetime) -> str:
        """A URL to GET the object's bytes from, until ``expires``."""
        return self._signed("GET", key, expires)

    def get(self, key: str) -> Optional[Tuple[bytes, str]]:
        with self._lock:
            return self._blobs.get(key)

    def put(self, key: str, data: bytes, contentType: str) -> None:
        with self._lock:
            self._blobs[key] = (bytes(data), contentType)

    def delete(self, key: str) -> None:
        with self._lock:
            self._blobs.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._blobs.clear()

    def serve(self, method: str, target: str, headers, body: bytes) -> Tuple[int, dict, bytes]:
        """Answer one HTTP request to a storage URL, as S3 would."""
        path, _, query = target.partition("?")
        key = unquote(path[len(PREFIX):])
        fields = dict(parse_qsl(query, keep_blank_values=True))
        verb = "GET" if method in ("GET", "HEAD") else method
        try:
            expires = int(fields.get("expires", ""))
        except ValueError:
            return _error(403, "AccessDenied", "the URL carries no valid expires")
        signature = fields.get("signature", "")
        if not hmac.compare_digest(signature.encode("ascii", "replace"),
                                   self._sign(verb, key, expires).encode("ascii")):
            return _error(403, "SignatureDoesNotMatch", "the URL's signature does not match")
        if expires < self._now().timestamp():
            return _error(403, "AccessDenied", "the URL has expired")
        if verb == "PUT":
            self.put(key, body, headers.get("Content-Type") or "application/octet-stream")
            return 200, {}, b""
        if verb != "GET":
            return _error(405, "MethodNotAllowed", "storage URLs take GET and PUT")
        found = self.get(key)
        if found is None:
            return _error(404, "NoSuchKey", "no object under this key")
        data, contentType = found
        return 200, {"Content-Type": contentType}, data


def _error(status: int, code: str, message: str) -> Tuple[int, dict, bytes]:
    text = "<?xml version=\"1.0\"?><Error><Code>%s</Code><Message>%s</Message></Error>" % (
        code, message)
    return status, {"Content-Type": "application/xml"}, text.encode("utf-8")
