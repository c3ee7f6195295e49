"""The sync HTTP layer: send one prepared request through ``requests``.

Every call goes through a ``requests.Session`` (one per client, keep-alive
and pooled) by its public ``Session.send``, so that ``responses``,
``httmock`` and ``requests-mock`` see every call, as they do for the
``taskcluster`` package.  Nothing here knows about Taskcluster.

For a session of its own, requests' environment rules (proxies and
``NO_PROXY``, ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``, ``.netrc``) are
applied once for the client's rootUrl instead of on every call, and each
attempt is bounded as a whole by its timeout (``_deadline``).  A session
passed in is used as it is: its own settings, requests' per-operation
timeout.

A transport raises :class:`TransportError` when no (complete) answer was
had, with ``retriable=False`` when sending again cannot help (a refused
certificate, a request the HTTP library cannot build, an answer over the
size limit).  Its message never quotes a header.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from . import _deadline, _trace
from ._netreason import plain_reason

__all__ = ["Response", "TransportError", "RequestsTransport", "read_limited"]


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]      # lower-cased names
    body: bytes
    raw: Any = None                 # the HTTP library's response, body read


class TransportError(Exception):
    """No (complete) response.  ``timeout`` tells a timeout apart;
    ``retriable`` is False when sending again cannot help; ``too_large``
    marks an answer over the size limit (``status`` is its status)."""

    def __init__(self, message: str, timeout: bool = False, retriable: bool = True,
                 too_large: bool = False, status: Optional[int] = None):
        super().__init__(message)
        self.timeout = timeout
        self.retriable = retriable
        self.too_large = too_large
        self.status = status


def too_large(limit: int, status: int, declared: Optional[int] = None) -> TransportError:
    what = ("declares %d bytes" % declared) if declared is not None else \
        "went on past %d bytes" % limit
    return TransportError("the answer %s, over the maxResponseBytes option (%d)"
                          % (what, limit), retriable=False, too_large=True, status=status)


def declared_length(headers: Mapping[str, str]) -> Optional[int]:
    value = headers.get("content-length")
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def read_limited(response, limit: int) -> bytes:
    """Read a streamed ``requests.Response`` whole, decompressed, in bounded
    pieces, and refuse it past ``limit`` bytes: memory stays bounded
    whatever the server sends (a huge body, an endless stream, a
    decompression bomb)."""
    declared = declared_length(response.headers)
    if declared is not None and declared > limit and \
            "content-encoding" not in response.headers:
        response.close()
        raise too_large(limit, response.status_code, declared)
    chunks = []
    total = 0
    # 64 KiB pieces; urllib3 (2.6+) bounds each decompressed piece likewise.
    for chunk in response.iter_content(65536):
        total += len(chunk)
        if total > limit:
            response.close()
            raise too_large(limit, response.status_code)
        chunks.append(chunk)
    body = b"".join(chunks)
    # What Response.content would have read: callers given the response
    # (``{"response": r}``) read r.content, r.text and r.json() as usual.
    response._content = body
    response._content_consumed = True
    return body


class RequestsTransport:
    """Sends through one ``requests.Session``, so connections are reused.

    ``verify`` and ``proxies`` override what the environment says (for a
    session of its own); ``root_url`` is accepted for the environment to be
    read up front."""

    def __init__(self, session=None, root_url: Optional[str] = None, *, verify=None,
                 proxies: Optional[Mapping[str, str]] = None):
        import requests  # imported on first use: it dominates import time

        self._requests = requests
        self._owned = session is None
        self._verify = verify
        self._proxies = dict(proxies) if proxies is not None else None
        self._by_origin: dict = {}       # origin -> (proxies, verify, netrc auth, problem)
        if session is None:
            session = requests.Session()
            # requests' environment rules are applied once per origin below,
            # not on every call (they cost more than the rest of a call).
            session.trust_env = False
            _deadline.mount(session)
            _trace.watch_session(session)
        self.session = session
        if self._owned and root_url:
            self._settings(root_url)

    def _settings(self, url: str):
        origin = url[:url.find("/", url.find("//") + 2)] if url.count("/") >= 3 else url
        settings = self._by_origin.get(origin)
        if settings is None:
            requests = self._requests
            env = requests.Session().merge_environment_settings(origin + "/", {}, None, None,
                                                                None)
            proxies = self._proxies if self._proxies is not None else (env.get("proxies") or {})
            verify = self._verify if self._verify is not None else env.get("verify", True)
            netrc = requests.utils.get_netrc_auth(origin + "/")
            problem = None
            if isinstance(verify, str) and not os.path.exists(verify):
                # A CA bundle that does not exist fails every https call; say
                # which setting named it (only where TLS is used).
                problem = ("the CA bundle %s does not exist; point it at a PEM file or unset "
                           "it" % _verify_source(verify))
            settings = self._by_origin[origin] = (proxies, verify, netrc, problem)
        return settings

    def _prepare(self, method: str, url: str, headers: Mapping[str, str],
                 body: Optional[bytes], auth):
        """The request as ``Session.prepare_request`` would make it for a
        session of our own (its default headers, a Content-Length, no
        cookies), without its generic merging, which cost a third of a
        call.  It is sent through ``Session.send``, where ``responses``,
        ``requests-mock`` and ``httmock`` see it.  The URL is sent as built:
        already percent-encoded as Node's client encodes it."""
        requests = self._requests
        prepared = requests.PreparedRequest()
        prepared.method = method
        prepared.url = url
        merged = dict(self.session.headers)
        merged.update(headers)
        prepared.prepare_headers(merged)      # requests' header checks (no CR/LF, ...)
        prepared.prepare_cookies(requests.cookies.RequestsCookieJar())
        prepared.body = body
        if body is not None:
            prepared.headers["Content-Length"] = str(len(body))
        elif method not in ("GET", "HEAD"):
            prepared.headers["Content-Length"] = "0"
        if auth is not None:
            prepared.prepare_auth(auth, url)
        if self.session.hooks["response"]:
            prepared.prepare_hooks(self.session.hooks)    # as Session.prepare_request would
        return prepared

    def describe_verify(self, verify) -> str:
        if verify is False:
            return "verification off"
        if isinstance(verify, str):
            return "CA bundle " + _verify_source(verify)
        try:
            import certifi
            return "certifi's CA bundle %s" % certifi.where()
        except ImportError:  # pragma: no cover - requests depends on certifi
            return "the default CA bundle"

    def send(self, method: str, url: str, headers: Mapping[str, str],
             body: Optional[bytes], timeout: float, limit: int = 64 * 2**20) -> Response:
        requests = self._requests
        verify = None
        per_operation = min(timeout, _deadline.LONGEST)
        try:
            if self._owned:
                proxies, verify, netrc, problem = self._settings(url)
                if problem and url.startswith("https:"):
                    raise TransportError(problem, retriable=False)
                auth = netrc if netrc and "Authorization" not in headers else None
                with _deadline.Watch(timeout) as watch:
                    try:
                        r = self.session.send(self._prepare(method, url, headers, body, auth),
                                              stream=True, allow_redirects=False,
                                              timeout=(per_operation, per_operation),
                                              proxies=proxies, verify=verify)
                        content = read_limited(r, limit)
                    except requests.RequestException:
                        if watch.expired:
                            raise requests.Timeout("deadline") from None
                        raise
                    if watch.expired:
                        # A body that ends when the connection closes
                        # (HTTP/1.0, or Connection: close without a length)
                        # ends "normally" when the deadline shuts it down.
                        raise requests.Timeout("deadline")
            else:
                r = self.session.request(method, url, headers=headers, data=body, stream=True,
                                         allow_redirects=False, timeout=per_operation)
                content = read_limited(r, limit)
        except requests.Timeout as e:
            raise TransportError("timed out: no complete answer within the %ss timeout (%s)"
                                 % (timeout, type(e).__name__), timeout=True) from None
        except requests.exceptions.SSLError as e:
            verify = verify if verify is not None else self.session.verify
            reason = _certificate_problem(e)
            if reason is not None:
                host = url.split("/")[2] if "//" in url else url
                raise TransportError("TLS certificate verification failed for %s: %s (%s)"
                                     % (host, reason, self.describe_verify(verify)),
                                     retriable=False) from None
            unusable = _bundle_problem(verify)
            if unusable is not None:
                raise TransportError("the CA bundle %s cannot be used (%s); point it at a PEM "
                                     "file of CA certificates or unset it"
                                     % (_verify_source(verify), unusable),
                                     retriable=False) from None
            raise TransportError("%s: %s" % (type(e).__name__, _short(e))) from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError) as e:
            raise TransportError(plain_reason(e, url) or
                                 "%s: %s" % (type(e).__name__, _short(e))) from None
        except requests.exceptions.InvalidHeader as e:
            cause = e.args[0] if e.args else None
            if not isinstance(cause, _urllib3_error()):
                raise _refused(e) from None
            # An answer urllib3 would not read (two different Content-Length
            # headers: taking either could split the stream wrongly).  It
            # quotes the server's header, never ours.  Retried like any
            # failure without an answer, as Node's client does.
            raise TransportError("the answer was malformed: %s" % _short(cause)) from None
        except requests.RequestException as e:
            raise _refused(e) from None
        except OSError as e:
            # requests raises a bare OSError for a CA bundle it cannot read.
            raise TransportError("%s: %s" % (type(e).__name__, _short(e)),
                                 retriable=False) from None
        return Response(r.status_code, _lower(r.headers), content, r)

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


def _refused(e) -> TransportError:
    """A request the HTTP library refused to build or send."""
    import requests

    # requests quotes an invalid header's value, and that may be the
    # Authorization header: leave it out.
    detail = "" if isinstance(e, requests.exceptions.InvalidHeader) else ": " + _short(e)
    return TransportError("the HTTP library refused to send it (%s%s)"
                          % (type(e).__name__, detail), retriable=False)


def _urllib3_error() -> type:
    from urllib3.exceptions import HTTPError
    return HTTPError


def _verify_source(path: str) -> str:
    source = next((v for v in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
                   if os.environ.get(v) == path), "verify")
    return "%s=%s" % (source, path)


def _lower(headers) -> dict:
    return {k.lower(): v for k, v in headers.items()}


def _certificate_problem(exc: BaseException) -> Optional[str]:
    """The reason, when ``exc`` is (or wraps) a certificate verification
    failure: sending again cannot succeed."""
    import ssl

    seen = set()
    stack = [exc]
    while stack:
        e = stack.pop()
        if id(e) in seen or e is None:
            continue
        seen.add(id(e))
        if isinstance(e, ssl.SSLCertVerificationError):
            return getattr(e, "verify_message", None) or str(e)
        # urllib3 keeps the cause in ``reason``; ssl.SSLError's ``reason``
        # is a string ("PEM lib"): follow exceptions only.
        linked = list(getattr(e, "args", ())) + [getattr(e, "reason", None), e.__cause__,
                                                 e.__context__]
        stack.extend(a for a in linked if isinstance(a, BaseException))
    if "CERTIFICATE_VERIFY_FAILED" in str(exc):
        return "certificate verify failed"
    return None


def _bundle_problem(verify) -> Optional[str]:
    """Why the CA bundle ``verify`` names cannot be loaded (not PEM, empty,
    unreadable), or None.  Asked only after a TLS failure, which urllib3
    reports like any other: loading it again tells them apart, and sending
    again cannot help."""
    if not isinstance(verify, str) or os.path.isdir(verify):
        return None
    import ssl

    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=verify)
    except (OSError, ValueError) as e:
        return _short(e)
    return None


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 300 else text[:297] + "..."
