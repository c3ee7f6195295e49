"""Hawk request signing: Authorization headers, bewits and the ``ext`` data.

Pure functions of their inputs; the clock and the nonce are parameters with
real defaults.  The MAC is HMAC-SHA256 over Hawk 1's normalized string,
written here as Node's hawk and mohawk write it.  mohawk is not used at run
time: its ``calculate_mac`` logs the normalized string at DEBUG, and that
string's ``ext`` carries the certificate with its signature; building its
objects also cost more than the whole signature (see README, Performance).
The tests verify every header and bewit with mohawk, and the conformance
suite with Node's hawk.

Headers and bewits are formatted to match what Node's ``hawk`` (9.x) produces
for the Taskcluster client: attributes in the order id, ts, nonce, ext, mac;
no payload ``hash`` (the Node client sends none); no ``ext`` at all when
there is nothing to carry; bewits base64url without padding.
"""

from __future__ import annotations

import base64
import hmac
import json
import math
import secrets
import time
from typing import Any, Callable, Optional, Sequence

from ._urls import Origin, locate

__all__ = ["make_ext", "parse_certificate", "authorization_header", "bewit", "signed_url", "mac",
           "random_nonce", "compact_json"]


def compact_json(value: Any) -> str:
    """JSON as JavaScript's ``JSON.stringify`` writes it for JSON data:
    no spaces, non-ASCII characters kept as they are."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


_INVALID = object()


def parse_certificate(certificate: Any) -> Optional[dict]:
    """A temporary credential's certificate as a dict (given as str or dict).

    Raises ValueError when a string is not a JSON object."""
    if certificate is None or certificate == "":
        return None
    if isinstance(certificate, bytes):
        certificate = certificate.decode("utf-8", "replace")
    if isinstance(certificate, str):
        try:
            # NaN and Infinity are not JSON (Python's json reads them).
            certificate = json.loads(certificate, parse_constant=_not_json)
        except (ValueError, RecursionError):
            certificate = _INVALID
        # Raised outside the except block: the JSON error's ``doc`` is the
        # certificate text, signature included, and must not ride along as
        # the new exception's context.
        if certificate is _INVALID:
            raise ValueError("the certificate is not valid JSON")
    if not isinstance(certificate, dict):
        raise ValueError("the certificate must be a JSON object")
    try:
        compact_json(certificate)   # as ext will carry it
    except (TypeError, ValueError, RecursionError):
        raise ValueError("the certificate holds a value JSON cannot carry (NaN, Infinity, "
                         "or a non-JSON type)") from None
    return certificate


def _not_json(constant: str):
    raise ValueError("%s is not JSON" % constant)


def make_ext(certificate: Optional[dict], authorized_scopes: Optional[Sequence[str]]) -> Optional[str]:
    """The Hawk ``ext`` string: base64 (standard alphabet) of compact JSON
    ``{"certificate": ..., "authorizedScopes": [...]}`` with the keys that
    apply, in that order, or None when neither applies (as the Node client)."""
    ext = {}
    if certificate:
        ext["certificate"] = certificate
    if authorized_scopes is not None:
        ext["authorizedScopes"] = list(authorized_scopes)
    if not ext:
        return None
    return base64.b64encode(compact_json(ext).encode("utf-8")).decode("ascii")


def random_nonce() -> str:
    """Six URL-safe random characters, as Node's hawk (cryptiles) makes them."""
    return secrets.token_urlsafe(6)[:6]


def mac(kind: str, access_token: str, ts: int, nonce: str, method: str,
        resource: str, host: str, port: int, ext: Optional[str]) -> str:
    """HMAC-SHA256 (base64) of Hawk 1's normalized string, as mohawk's
    ``normalize_string`` and Node's hawk write it: no payload hash (the Node
    client sends none), no app or dlg.  ``resource`` is path and query as
    Node's hawk sees them (see ``_urls.locate``)."""
    normalized = "hawk.1.%s\n%s\n%s\n%s\n%s\n%s\n%s\n\n%s\n" % (
        kind, ts, nonce, method.upper(), resource, host, port, ext or "")
    # hmac.digest: the one-shot C path, a third of hmac.new(...).digest()'s cost
    digest = hmac.digest(access_token.encode("ascii"), normalized.encode("utf-8"), "sha256")
    return base64.b64encode(digest).decode("ascii")


def authorization_header(method: str, url: str, client_id: str, access_token: str,
                         ext: Optional[str] = None, *,
                         ts: Optional[int] = None, nonce: Optional[str] = None,
                         clock: Callable[[], float] = time.time,
                         origin: Optional[Origin] = None) -> str:
    """The ``Authorization`` header for one request attempt.  ``origin``:
    the client's parsed rootUrl, to spare parsing every URL."""
    if ts is None:
        ts = int(math.floor(clock()))
    if nonce is None:
        nonce = random_nonce()
    origin, resource = locate(url, origin)
    m = mac("header", access_token, ts, nonce, method, resource, origin.host, origin.port, ext)
    parts = ['Hawk id="', client_id, '", ts="', str(ts), '", nonce="', nonce]
    if ext:
        parts += ['", ext="', ext]
    parts += ['", mac="', m, '"']
    return "".join(parts)


def _bewit(client_id: str, access_token: str, ttl_sec: int, ext: Optional[str],
           now: Optional[float], clock: Callable[[], float], origin: Origin,
           resource: str) -> str:
    if now is None:
        now = clock()
    exp = int(math.floor(now)) + int(ttl_sec)
    ext = ext or ""
    m = mac("bewit", access_token, exp, "", "GET", resource, origin.host, origin.port, ext)
    raw = "%s\\%d\\%s\\%s" % (client_id, exp, m, ext)
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")


def bewit(url: str, client_id: str, access_token: str, ttl_sec: int,
          ext: Optional[str] = None, *, now: Optional[float] = None,
          clock: Callable[[], float] = time.time,
          origin: Optional[Origin] = None) -> str:
    """The ``bewit`` query value for a GET of ``url`` valid ``ttl_sec`` seconds:
    base64url, unpadded (as Node's hawk), of ``id\\exp\\mac\\ext``."""
    origin, resource = locate(url, origin)
    return _bewit(client_id, access_token, ttl_sec, ext, now, clock, origin, resource)


def signed_url(url: str, client_id: str, access_token: str, ttl_sec: int,
               ext: Optional[str] = None, *, now: Optional[float] = None,
               clock: Callable[[], float] = time.time,
               origin: Optional[Origin] = None) -> str:
    """``url`` with a ``bewit`` valid ``ttl_sec`` seconds, as Node's client
    writes it: ``url.format(url.parse(url))`` (host lower-cased, ``'``
    escaped) with ``?bewit=`` or ``&bewit=`` appended."""
    origin, resource = locate(url, origin)
    value = _bewit(client_id, access_token, ttl_sec, ext, now, clock, origin, resource)
    return "%s%s%sbewit=%s" % (origin.node_prefix, resource,
                               "&" if "?" in resource else "?", value)
