"""Who is calling: Hawk headers, bewits and temporary credentials, checked
as the auth service's signature validator checks them
(``services/auth/src/signaturevalidator.js`` in the Taskcluster monorepo).

Pure functions of the request and of two callables the deployment passes:
``load_client(clientId)`` (the client's accessToken, its scopes already
expanded through roles, its expiry; raising :class:`AuthFailure` when it is
unknown, disabled or expired) and ``expand(scopes)`` (role expansion).

Clocks: the Hawk timestamp and a bewit's expiry are checked against the wall
clock (``wall``), with the real 15-minute skew, so that a request signed
with the real clock still authenticates after the deployment's clock was
advanced; a certificate's start and expiry, like a client's expiry, are
matters of the deployment's clock (``now_ms``).

No message here quotes an accessToken, a certificate's signature, a MAC or
a bewit.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
import time
from typing import Any, Callable, NamedTuple, Optional, Sequence, Tuple

__all__ = ["AuthFailure", "Identity", "authenticate", "normalized_mac", "certificate_key"]

SKEW_SECONDS = 15 * 60
_CERT_SKEW_MS = 5 * 60 * 1000
_MAX_CERT_MS = 31 * 24 * 60 * 60 * 1000
_HEADER_ATTRIBUTE = re.compile(r'(\w+)="([^"\\]*)"\s*(?:,\s*|$)')
_BEWIT = re.compile(r"^(/.*)([?&])bewit=([^&$]*)(?:&(.+))?$")
_VALID_SCOPE = re.compile(r"^[\x20-\x7e]*$")


class AuthFailure(Exception):
    """A request that does not authenticate: answered 401 AuthenticationFailed
    with this message."""


class Identity(NamedTuple):
    clientId: Optional[str]        # None for an anonymous call
    scopes: Tuple[str, ...]        # expanded, narrowed by certificate and authorizedScopes
    scheme: str                    # "hawk", "bewit" or "none"
    expires: Optional[int] = None  # ms since the epoch, when the credentials expire


class ClientRecord(NamedTuple):
    accessToken: str
    scopes: Tuple[str, ...]        # already expanded through roles
    expires: Optional[int] = None  # ms since the epoch


def normalized_mac(kind: str, key: str, ts: str, nonce: str, method: str, resource: str,
                   host: str, port: str, hash_: str = "", ext: str = "",
                   app: Optional[str] = None, dlg: Optional[str] = None) -> str:
    """Hawk 1's MAC (HMAC-SHA256, base64) over its normalized string, with
    the payload hash line and the optional app/dlg lines as Node's hawk
    writes them (a client may send a hash: it is signed, not checked, as
    Taskcluster checks no payload hash)."""
    text = "hawk.1.%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n" % (
        kind, ts, nonce, method.upper(), resource, host.lower(), port, hash_, ext)
    if app:
        text += "%s\n%s\n" % (app, dlg or "")
    digest = hmac.digest(key.encode("utf-8"), text.encode("utf-8"), "sha256")
    return base64.b64encode(digest).decode("ascii")


def certificate_key(accessToken: str, seed: str) -> str:
    """The accessToken of temporary credentials: HMAC-SHA256 of the seed
    under the issuer's accessToken, base64url without padding."""
    digest = hmac.digest(accessToken.encode("utf-8"), seed.encode("utf-8"), "sha256")
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _parse_ext(ext: str) -> Any:
    try:
        return json.loads(base64.b64decode(ext.encode("ascii"), validate=False).decode("utf-8"))
    except (ValueError, UnicodeError, binascii.Error):
        raise AuthFailure("Failed to parse ext") from None


def _satisfies_all(have: Sequence[str], wanted: Sequence[str]) -> bool:
    from ._scopecheck import satisfies
    return satisfies(have, {"AllOf": list(wanted)})


def _limit(credentialName: str, issuer: str, accessToken: str, scopes: Tuple[str, ...],
           ext: dict, expand: Callable, now_ms: int,
           expires: Optional[int]) -> Tuple[str, Tuple[str, ...], Optional[int]]:
    """Certificate and authorizedScopes: the key to check the MAC with and
    the scopes left (limitClientWithExt)."""
    if not isinstance(ext, dict):
        raise AuthFailure("Failed to parse ext")
    cert = ext.get("certificate")
    if cert:
        if not isinstance(cert, dict):
            raise AuthFailure("ext.certificate must be a JSON object")
        if cert.get("version") != 1:
            raise AuthFailure("ext.certificate.version must be 1")
        seed = cert.get("seed")
        if not isinstance(seed, str):
            raise AuthFailure("ext.certificate.seed must be a string")
        if len(seed) != 44:
            raise AuthFailure("ext.certificate.seed must be 44 characters")
        for key in ("start", "expiry"):
            if isinstance(cert.get(key), bool) or not isinstance(cert.get(key), (int, float)):
                raise AuthFailure("ext.certificate.%s must be a number" % key)
        certScopes = cert.get("scopes")
        if not isinstance(certScopes, list):
            raise AuthFailure("ext.certificate.scopes must be an array")
        if not all(isinstance(s, str) and _VALID_SCOPE.match(s) for s in certScopes):
            raise AuthFailure("ext.certificate.scopes must be an array of valid scopes")
        if cert["start"] > now_ms + _CERT_SKEW_MS:
            raise AuthFailure("ext.certificate.start > now")
        if cert["expiry"] < now_ms - _CERT_SKEW_MS:
            raise AuthFailure("ext.certificate.expiry < now")
        if cert["expiry"] - cert["start"] > _MAX_CERT_MS:
            raise AuthFailure("ext.certificate cannot last longer than 31 days!")
        if issuer != credentialName:
            createScope = "auth:create-client:%s" % credentialName
            if not _satisfies_all(scopes, [createScope]):
                raise AuthFailure("ext.certificate issuer `%s` doesn't have `%s` for supplied "
                                  "clientId." % (issuer, createScope))
        elif "clientId" in cert:
            raise AuthFailure("ext.certificate.clientId must only be used with "
                              "ext.certificate.issuer")
        if not _satisfies_all(scopes, certScopes):
            raise AuthFailure("ext.certificate issuer `%s` doesn't satisfy all certificate "
                              "scopes %s.  The temporary credentials were not generated "
                              "correctly." % (issuer, ", ".join(certScopes)))
        lines = ["version:1"]
        if cert.get("issuer"):
            lines += ["clientId:%s" % credentialName, "issuer:%s" % cert["issuer"]]
        lines += ["seed:%s" % seed, "start:%s" % _js_number(cert["start"]),
                  "expiry:%s" % _js_number(cert["expiry"]), "scopes:"]
        lines += certScopes
        expected = base64.b64encode(hmac.digest(
            accessToken.encode("utf-8"), "\n".join(lines).encode("utf-8"), "sha256"))
        signature = cert.get("signature")
        if not isinstance(signature, str) or \
                not hmac.compare_digest(signature.encode("utf-8"), expected):
            if cert.get("issuer"):
                raise AuthFailure("ext.certificate.signature is not valid, or wrong "
                                  "clientId provided")
            raise AuthFailure("ext.certificate.signature is not valid")
        accessToken = certificate_key(accessToken, seed)
        scopes = tuple(certScopes)
        if expires is None or cert["expiry"] < expires:
            expires = int(cert["expiry"])
    authorized = ext.get("authorizedScopes")
    if authorized:
        if not isinstance(authorized, list):
            raise AuthFailure("ext.authorizedScopes must be an array")
        if not all(isinstance(s, str) and _VALID_SCOPE.match(s) for s in authorized):
            raise AuthFailure("ext.authorizedScopes must be an array of valid scopes")
        have = expand(tuple(scopes) + ("assume:anonymous",))
        if not _satisfies_all(have, authorized):
            raise AuthFailure("\n".join([
                "Supplied credentials do not satisfy authorizedScopes; credentials have "
                "scopes:", "", "```", "\n".join(have), "```", "", "authorizedScopes are:", "",
                "```", "\n".join(authorized), "```"]))
        scopes = tuple(authorized)
    return accessToken, scopes, expires


def _js_number(value: Any) -> str:
    """A number as JavaScript's template strings write it (1.0 -> "1")."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _load(clientId: str, ext: Optional[str], load_client: Callable, expand: Callable,
          now_ms: int) -> Tuple[str, Tuple[str, ...], Optional[int]]:
    """loadCredentials: (the key, the caller's final scopes, their expiry)."""
    issuer = clientId
    parsed = None
    if ext:
        parsed = _parse_ext(ext)
        cert = parsed.get("certificate") if isinstance(parsed, dict) else None
        if isinstance(cert, dict) and cert.get("issuer"):
            issuer = cert["issuer"]
            if not isinstance(issuer, str):
                raise AuthFailure("ext.certificate.issuer must be a string")
            if issuer == clientId:
                raise AuthFailure("ext.certificate.issuer must differ from the supplied "
                                  "clientId")
    record: ClientRecord = load_client(issuer)
    key, scopes, expires = record.accessToken, record.scopes, record.expires
    if parsed is not None:
        key, scopes, expires = _limit(clientId, issuer, key, scopes, parsed, expand, now_ms,
                                      expires)
    return key, tuple(expand(tuple(scopes) + ("assume:anonymous",))), expires


def _parse_header(header: str) -> dict:
    scheme, _, rest = header.partition(" ")
    if scheme.lower() != "hawk":
        raise AuthFailure("Unauthorized")
    attributes = {}
    remainder = _HEADER_ATTRIBUTE.sub(
        lambda m: attributes.__setitem__(m.group(1), m.group(2)) or "", rest.strip())
    if remainder.strip():
        raise AuthFailure("Bad header format")
    for name in attributes:
        if name not in ("id", "ts", "nonce", "hash", "ext", "mac", "app", "dlg"):
            raise AuthFailure("Unknown attribute: %s" % name)
    return attributes


def authenticate(method: str, resource: str, host: str, port: str,
                 authorization: Optional[str], *, load_client: Callable,
                 expand: Callable, now_ms: int,
                 wall: Callable[[], float] = time.time) -> Identity:
    """The caller of one request, or :class:`AuthFailure`.  ``resource`` is
    the request target as sent (path and query, undecoded)."""
    if authorization:
        a = _parse_header(authorization)
        for name in ("id", "ts", "nonce", "mac"):
            if not a.get(name):
                raise AuthFailure("Missing attributes")
        key, scopes, expires = _load(a["id"], a.get("ext"), load_client, expand, now_ms)
        expected = normalized_mac("header", key, a["ts"], a["nonce"], method, resource, host,
                                  port, a.get("hash", ""), a.get("ext", ""), a.get("app"),
                                  a.get("dlg"))
        if not hmac.compare_digest(expected.encode("ascii"), a["mac"].encode("utf-8")):
            raise AuthFailure("Unauthorized: Bad mac")
        try:
            ts = int(a["ts"])
        except ValueError:
            raise AuthFailure("Unauthorized: Stale timestamp") from None
        if abs(ts - wall()) > SKEW_SECONDS:
            raise AuthFailure("Unauthorized: Stale timestamp")
        return Identity(a["id"], scopes, "hawk", expires)
    m = _BEWIT.match(resource) if "bewit=" in resource else None
    if m:
        if method.upper() not in ("GET", "HEAD"):
            raise AuthFailure("Unauthorized: Invalid method")
        if not re.match(r"^[\w-]*$", m.group(3)):
            raise AuthFailure("Unauthorized: Invalid bewit encoding")
        try:
            raw = base64.urlsafe_b64decode(m.group(3) + "=" * (-len(m.group(3)) % 4))
            parts = raw.decode("utf-8").split("\\")
        except (ValueError, UnicodeError, binascii.Error):
            raise AuthFailure("Unauthorized: Invalid bewit encoding") from None
        if len(parts) != 4 or not parts[0] or not parts[1] or not parts[2]:
            raise AuthFailure("Unauthorized: Invalid bewit structure")
        clientId, exp, given, ext = parts
        try:
            expires = int(exp)
        except ValueError:
            raise AuthFailure("Unauthorized: Invalid bewit structure") from None
        if expires * 1000 <= wall() * 1000:
            raise AuthFailure("Unauthorized: Access expired")
        key, scopes, expires = _load(clientId, ext or None, load_client, expand, now_ms)
        url = m.group(1) + (m.group(2) + m.group(4) if m.group(4) else "")
        expected = normalized_mac("bewit", key, exp, "", "GET", url, host, port, "", ext)
        if not hmac.compare_digest(expected.encode("ascii"), given.encode("utf-8")):
            raise AuthFailure("Unauthorized: Bad mac")
        return Identity(clientId, scopes, "bewit", expires)
    return Identity(None, tuple(expand(("assume:anonymous",))), "none")


def strip_bewit(resource: str) -> str:
    """The request target without its bewit (what the handler sees)."""
    m = _BEWIT.match(resource)
    if not m:
        return resource
    return m.group(1) + (m.group(2) + m.group(4) if m.group(4) else "")

