"""Independent checks of what the client signs, for the tests.

Authorization headers are verified with mohawk's ``Receiver`` and bewits
with mohawk's ``check_bewit``, given the URL as the loopback server saw it.
Nothing here uses the package's own Hawk code.
"""

from __future__ import annotations

import base64
import time

import mohawk
from mohawk.bewit import check_bewit, strip_bewit

__all__ = [
    "decode_bewit",
    "hawk_attrs",
    "nonce",
    "mohawk_bewit_url",
    "parse_header",
    "verify_bewit",
    "verify_header",
    "verify_request",
]


def _lookup(client_id: str, access_token: str):
    def lookup(sender_id):
        if sender_id != client_id:
            raise LookupError(sender_id)
        return {"id": client_id, "key": access_token, "algorithm": "sha256"}
    return lookup


def verify_header(header: str, url: str, method: str, client_id: str, access_token: str,
                  body: bytes = b"", content_type: str = "",
                  now: float | None = None) -> mohawk.Receiver:
    """Verify an Authorization header as a Taskcluster service would.  Our
    header carries no payload ``hash`` (Node's sends none), so the Receiver
    must accept untrusted content.  ``now`` is the verifier's clock, for
    headers made with a pinned timestamp."""
    offset = 0.0 if now is None else now - time.time()
    return mohawk.Receiver(
        _lookup(client_id, access_token), header, url, method,
        content=body, content_type=content_type,
        accept_untrusted_content=True,
        seen_nonce=lambda sender, nonce, ts: False,
        localtime_offset_in_seconds=offset)


def verify_request(server, rec, client_id: str, access_token: str,
                   now: float | None = None) -> mohawk.Receiver:
    """Verify the recorded request ``rec``: the URL as the server saw it
    (``http://127.0.0.1:<port>`` + the request target), the body as it
    arrived."""
    return verify_header(rec.headers["authorization"], server.url + rec.target, rec.method,
                         client_id, access_token, body=rec.body,
                         content_type=rec.headers.get("content-type", ""), now=now)


def hawk_attrs(header: str) -> dict:
    """The attributes of a Hawk header, by name."""
    return dict(parse_header(header))


def nonce(rec) -> str:
    """The nonce of a recorded request's Authorization header."""
    return hawk_attrs(rec.headers["authorization"])["nonce"]


def parse_header(header: str) -> list:
    """The ``(name, value)`` attributes of a Hawk header, in order."""
    scheme, _, rest = header.partition(" ")
    assert scheme == "Hawk", header
    attrs = []
    for part in rest.split(", "):
        name, _, value = part.partition("=")
        assert value.startswith('"') and value.endswith('"'), header
        attrs.append((name, value[1:-1]))
    return attrs


def decode_bewit(bewit: str) -> list:
    """The four ``\\``-separated parts of an (unpadded, base64url) bewit."""
    raw = base64.urlsafe_b64decode(bewit + "=" * (-len(bewit) % 4))
    return raw.decode("utf-8").split("\\")


def mohawk_bewit_url(url: str) -> str:
    """``url`` with its bewit in the form mohawk's parser reads.

    Node's hawk (and this client) sends the bewit as base64url without
    padding; mohawk's ``parse_bewit`` decodes with ``b64decode``: standard
    alphabet, padding required, and '-' and '_' silently dropped.  So the test
    re-encodes the same bytes for mohawk; the client's output is unchanged."""
    bewit, _ = strip_bewit(url)
    standard = (bewit + "=" * (-len(bewit) % 4)).replace("-", "+").replace("_", "/")
    return url.replace("bewit=" + bewit, "bewit=" + standard)


def verify_bewit(url: str, client_id: str, access_token: str,
                 now: float | None = None) -> bool:
    return check_bewit(mohawk_bewit_url(url), _lookup(client_id, access_token), now=now)
