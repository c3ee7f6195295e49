"""URL building, encoded exactly as the Node client encodes it.

Pure functions.  Route arguments go through JavaScript's ``encodeURIComponent``,
query strings through Node's ``querystring.stringify``; the Hawk signature is
computed over the resource as Node's legacy ``url.parse`` sees it, and the
request line carries the target as a WHATWG URL serializes it (what Node's HTTP
client sends).  Conformance cases pin each of these.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, NamedTuple, Optional, Tuple
from urllib.parse import quote

__all__ = ["encode_uri_component", "stringify_query", "api_url",
           "split_url", "split_authority", "host_and_port", "hawk_resource", "wire_url",
           "Origin", "origin_of", "locate"]

# encodeURIComponent and querystring.escape leave exactly these unescaped
# besides ASCII letters, digits and "-_.~" (which ``quote`` always keeps).
_JS_SAFE = "!*'()"


# A value made only of characters that need no escaping is its own encoding
# (slugids, names, numbers): checked in one regex match instead of quote().
_UNESCAPED = re.compile(r"[A-Za-z0-9\-_.~!*'()]*").fullmatch


def encode_uri_component(value: str) -> str:
    """JavaScript's ``encodeURIComponent`` (UTF-8, upper-case hex).

    Raises UnicodeEncodeError for a lone surrogate, as JavaScript throws
    URIError."""
    if _UNESCAPED(value):
        return value
    # Artifact names: "/" is often the only character to escape.
    if "/" in value and _UNESCAPED(value.replace("/", "")):
        return value.replace("/", "%2F")
    return quote(value, safe=_JS_SAFE, encoding="utf-8", errors="strict")


def _query_value(value: Any) -> str:
    # Node's querystring.stringify: booleans become "true"/"false".
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # JavaScript's String(2.0) is "2", not "2.0"
    return str(value)


def stringify_query(query: Mapping[str, Any]) -> str:
    """Node's ``querystring.stringify``: ``a=1&b=x%20y``; a list repeats its
    key; ``None`` values are left out (a Python caller's "not set")."""
    fields = []
    for key, value in query.items():
        if value is None:
            continue
        ks = encode_uri_component(key) + "="
        values: Iterable[Any] = value if isinstance(value, (list, tuple)) else (value,)
        for v in values:
            if v is not None:  # "not set" inside a list too, never "None"
                fields.append(ks + encode_uri_component(_query_value(v)))
    return "&".join(fields)


def api_url(root_url: str, service: str, version: str, path: str) -> str:
    """``taskcluster-lib-urls``' ``api()``: ``<rootUrl>/api/<service>/<version>/<path>``."""
    return "%s/api/%s/%s/%s" % (root_url.rstrip("/"), service, version, path.lstrip("/"))


def split_authority(url: str) -> Tuple[str, str, str]:
    """``(scheme, authority, rest)`` of an absolute URL; ``rest`` starts
    with ``/``, ``?``, ``#`` or is empty."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError("not an absolute URL")
    cut = len(rest)
    for ch in "/?#":
        i = rest.find(ch)
        if i != -1 and i < cut:
            cut = i
    return scheme, rest[:cut], rest[cut:]


def host_and_port(authority: str) -> Tuple[str, str]:
    """The lower-cased hostname (IPv6 without brackets) and the port as
    written (``""`` when none) of an authority, userinfo dropped."""
    host = authority.rpartition("@")[2]
    if host.startswith("["):
        hostname, _, port = host[1:].partition("]")
        port = port[1:]
    else:
        hostname, _, port = host.partition(":")
    return hostname.lower(), port


def split_url(url: str) -> Tuple[str, str, int, str, str]:
    """Split an absolute http(s) URL into (scheme, hostname, port, path, query).

    ``hostname`` is lower-cased and ``port`` defaulted by scheme, as Hawk does;
    ``query`` excludes the ``?``."""
    scheme, authority, rest = split_authority(url)
    path, _, query = rest.split("#", 1)[0].partition("?")
    hostname, port_s = host_and_port(authority)
    scheme = scheme.lower()
    port = int(port_s) if port_s else (80 if scheme == "http" else 443)
    return scheme, hostname, port, path or "/", query


class Origin(NamedTuple):
    """The scheme and authority of a URL, parsed once per client."""
    prefix: str        # "scheme://authority" exactly as the URL has it
    host: str          # lower-cased hostname: what Hawk signs
    port: int          # explicit, or the scheme's default: what Hawk signs
    node_prefix: str   # as Node's url.format(url.parse(...)) writes it back


def origin_of(url: str) -> Origin:
    scheme, authority, _ = split_authority(url)
    host, port_s = host_and_port(authority)
    port = int(port_s) if port_s else (80 if scheme.lower() == "http" else 443)
    userinfo, at, _ = authority.rpartition("@")
    hostpart = ("[%s]" % host) if ":" in host else host
    node = "%s://%s%s%s" % (scheme.lower(), userinfo + at, hostpart,
                            ":" + port_s if port_s else "")
    return Origin(scheme + "://" + authority, host, port, node)


def locate(url: str, origin: Optional[Origin] = None) -> Tuple[Origin, str]:
    """``url``'s origin (``origin`` when the URL is under it, as a client's
    URLs are under its rootUrl) and the resource Node's hawk signs for it."""
    if origin is None or not url.startswith(origin.prefix):
        origin = origin_of(url)
    rest = url[len(origin.prefix):].split("#", 1)[0]
    if not rest.startswith("/"):
        rest = "/" + rest
    path, _, query = rest.partition("?")
    return origin, hawk_resource(path, query)


# Node's legacy url.parse escapes these characters in the path and query
# ("unwise" characters of RFC 2396, and the single quote).
_NODE_AUTO_ESCAPE = {ord(c): "%%%02X" % ord(c) for c in "\t\n\r \"'<>\\^`{|}"}
_NODE_UNWISE = re.compile("[%s]" % re.escape("\t\n\r \"'<>\\^`{|}")).search


def hawk_resource(path: str, query: str) -> str:
    """The resource that Node's hawk signs: ``url.parse(url)``'s pathname and
    search, where the parse has escaped ``'`` (and other unwise characters)."""
    resource = path + ("?" + query if query else "")
    # translate() walks every character; most resources hold none of these.
    return resource.translate(_NODE_AUTO_ESCAPE) if _NODE_UNWISE(resource) else resource


def wire_url(url: str) -> str:
    """The URL as sent: ``'`` escaped wherever Node's hawk signs it escaped.

    Node's HTTP client escapes ``'`` in the query but not in the path, while
    its hawk signs the path with ``%27``, so Node's own request for a route
    argument holding ``'`` fails verification.  Sending what is signed keeps
    the Authorization header identical to Node's and makes the request valid;
    it is the one place where the wire differs from Node's (a conformance case
    shows it)."""
    return url.replace("'", "%27")
