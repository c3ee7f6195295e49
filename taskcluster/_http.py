"""A lean HTTP transport: keep-alive ``http.client`` connections, shared by threads.

Same interface and error contract as :class:`~taskcluster._transport.RequestsTransport`
(``send`` returns a :class:`Response`, ``close`` releases the connections,
:class:`TransportError` when no complete response was had, ``timeout=True`` for
a timeout), at a fraction of the cost per call: requests spends most of each
call merging session and environment settings, and urllib3 wrapping
``http.client``, where a client of one root URL needs its settings only once.

What users rely on from requests is kept:

* proxies: ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` and ``NO_PROXY``
  (host suffixes, ``host:port``, CIDR blocks, ``*``) are read from the
  environment when the transport is made and decided once per origin, by
  requests' rules; credentials in a proxy URL become ``Proxy-Authorization``;
  ``https://`` targets are tunnelled (CONNECT).  Proxies reached over TLS
  (``https://proxy``) or SOCKS go through urllib3's proxy managers, as with
  requests (SOCKS needs PySocks, as with requests);
* TLS: certificates and host names are verified, against
  ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE`` when set, else certifi's bundle
  (requests' default), else the system's store; ``verify=`` takes False or a
  CA file or directory;
* connections are kept alive and reused by any thread, up to ``pool_maxsize``
  idle ones per origin (requests keeps 10); a connection the server has closed
  is noticed before it is reused; redirects are never followed; gzip and
  deflate bodies are decoded.
"""

from __future__ import annotations

import http.client
import os
import select
import socket
import threading
import zlib
from collections import deque
from typing import Any, Callable, Dict, Mapping, Optional, Tuple, Union

from ._transport import Response, TransportError
from ._urls import host_and_port, split_authority

__all__ = ["HttpTransport"]

_DEFAULT_HEADERS = {
    "User-Agent": "taskcluster-refclient (python http.client)",
    "Accept-Encoding": "gzip, deflate",
    "Accept": "*/*",
}


class HttpTransport:
    """Sends through pooled keep-alive connections, one pool per origin.

    ``proxies`` is None (from the environment, as requests does), or a dict
    as requests takes it (``{"https": "http://proxy:3128", "no_proxy": ...}``;
    ``{}`` for none).  ``verify`` is True, False, or the path of a CA bundle
    file or directory.  ``root_url`` lets the settings for that origin be
    decided at once rather than on the first call.
    """

    def __init__(self, root_url: Optional[str] = None, *,
                 proxies: Optional[Mapping[str, str]] = None,
                 verify: Union[bool, str] = True, pool_maxsize: int = 10):
        if proxies is None:
            self._proxies, self._no_proxy, self._system_bypass = _environment_proxies()
            if verify is True:
                verify = os.environ.get("REQUESTS_CA_BUNDLE") or \
                    os.environ.get("CURL_CA_BUNDLE") or True
        else:
            proxies = dict(proxies)
            self._no_proxy = proxies.pop("no_proxy", None)
            self._proxies, self._system_bypass = proxies, None
        if isinstance(verify, str) and not os.path.exists(verify):
            raise ValueError("the CA bundle %r does not exist" % (verify,))
        self._verify = verify
        self._ssl_context = None
        self._pool_maxsize = pool_maxsize
        self._lock = threading.Lock()
        self._routes: Dict[str, Any] = {}
        if root_url:
            self._route(_split(root_url)[0])

    def send(self, method: str, url: str, headers: Mapping[str, str],
             body: Optional[bytes], timeout: float) -> Response:
        origin, target = _split(url)
        route = self._routes.get(origin) or self._route(origin)
        all_headers = dict(_DEFAULT_HEADERS)
        all_headers.update(headers)
        return route.send(method, url, target, all_headers, body, timeout)

    def close(self) -> None:
        with self._lock:
            routes, self._routes = self._routes, {}
        for route in routes.values():
            route.close()

    def __del__(self):
        # A client dropped without close(): its idle connections go with it
        # (quietly; an unclosed socket would warn when collected).
        try:
            self.close()
        except Exception:
            pass

    # -- per-origin settings, decided once -------------------------------------
    def _route(self, origin: str):
        with self._lock:
            route = self._routes.get(origin)
            if route is None:
                route = self._routes[origin] = self._make_route(origin)
            return route

    def _make_route(self, origin: str):
        scheme, authority = origin.split("://", 1)
        if scheme not in ("http", "https"):
            return _Refusing("cannot send to %s: only http and https URLs" % origin)
        context = self._context() if scheme == "https" else None
        proxy = self._select_proxy(origin, scheme, authority)
        if proxy is None:
            return _Pool(_connection_factory(scheme, authority, context), False, {},
                         self._pool_maxsize)
        proxy_scheme, proxy_authority, auth = _parse_proxy(proxy)
        if proxy_scheme == "http":
            if scheme == "http":  # absolute-form request to the proxy
                return _Pool(_connection_factory("http", proxy_authority, None), True, auth,
                             self._pool_maxsize)
            return _Pool(_connection_factory("https", proxy_authority, context,
                                             tunnel=(authority, auth)),
                         False, {}, self._pool_maxsize)
        return _Urllib3Route(proxy, auth, self._verify, self._pool_maxsize)

    def _context(self):
        if self._ssl_context is None:
            self._ssl_context = _ssl_context(self._verify)
        return self._ssl_context

    def _select_proxy(self, origin: str, scheme: str, authority: str) -> Optional[str]:
        if not self._proxies:
            return None
        host, port = _host_port(authority)
        if _bypass(host, port, self._no_proxy, self._system_bypass):
            return None
        for key in (scheme + "://" + host, scheme, "all://" + host, "all"):  # requests' order
            proxy = self._proxies.get(key)
            if proxy:
                return proxy if "://" in proxy else "http://" + proxy
        return None


class _Pool:
    """Idle keep-alive connections to one place, taken and given back by any thread."""

    def __init__(self, factory: Callable[[float], http.client.HTTPConnection],
                 absolute_form: bool, extra_headers: Mapping[str, str], maxsize: int):
        self._factory = factory
        self._absolute_form = absolute_form
        self._extra_headers = dict(extra_headers)
        self._maxsize = maxsize
        self._idle: deque = deque()
        self._closed = False

    def send(self, method, url, target, headers, body, timeout) -> Response:
        if self._extra_headers:
            headers.update(self._extra_headers)
        conn = self._take(timeout)
        try:
            conn.request(method, url if self._absolute_form else target, body, headers)
        except socket.timeout:
            conn.close()
            raise TransportError("timed out after %ss" % timeout, timeout=True) from None
        except (OSError, http.client.HTTPException) as e:  # TLS failures included
            conn.close()
            raise TransportError("%s: %s" % (type(e).__name__, _short(e))) from None
        except ValueError:
            # http.client refused a header or the target before sending; its
            # message quotes the value, which may be the Authorization header.
            conn.close()
            raise TransportError("the HTTP library refused to send the request (a header or "
                                 "the URL holds characters HTTP cannot carry)",
                                 retriable=False) from None
        try:
            r = conn.getresponse()
            data = r.read()
        except socket.timeout:  # TimeoutError from Python 3.10
            conn.close()
            raise TransportError("timed out after %ss" % timeout, timeout=True) from None
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            raise TransportError("%s: %s" % (type(e).__name__, _short(e))) from None
        response_headers = {k.lower(): v for k, v in _merged(r.msg)}
        if r.will_close:
            conn.close()
        else:
            self._give_back(conn)
        encoding = response_headers.get("content-encoding")
        if encoding and data:
            data = _decode(encoding, data)
        return Response(r.status, response_headers, data)

    def _take(self, timeout: float):
        idle = self._idle
        while True:
            try:
                conn = idle.pop()
            except IndexError:
                return self._factory(timeout)
            sock = conn.sock
            if sock is not None and not _dropped(sock):
                sock.settimeout(timeout)
                return conn
            conn.close()

    def _give_back(self, conn) -> None:
        if self._closed or len(self._idle) >= self._maxsize:
            conn.close()
        else:
            self._idle.append(conn)

    def close(self) -> None:
        self._closed = True
        while self._idle:
            try:
                self._idle.pop().close()
            except IndexError:
                break


def _connection_factory(scheme: str, authority: str, context, tunnel=None):
    if scheme == "https":
        def https(timeout):
            conn = http.client.HTTPSConnection(authority, timeout=timeout, context=context)
            if tunnel:
                host, port = _host_port(tunnel[0])
                conn.set_tunnel(host, port, headers=tunnel[1] or None)
            return conn
        return https

    def plain(timeout):
        return http.client.HTTPConnection(authority, timeout=timeout)
    return plain


def _dropped(sock) -> bool:
    """Whether an idle connection was closed by the server (or has stray data):
    it must not be reused.  As urllib3's ``is_connection_dropped``."""
    try:
        if hasattr(select, "poll"):
            p = select.poll()
            p.register(sock, select.POLLIN)
            return bool(p.poll(0))
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):
        return True


def _merged(msg):
    """Response headers, repeated ones joined with ", " as requests joins them."""
    seen: Dict[str, str] = {}
    for k, v in msg.items():
        key = k.lower()
        seen[key] = seen[key] + ", " + v if key in seen else v
    return seen.items()


def _decode(encoding: str, data: bytes) -> bytes:
    encoding = encoding.strip().lower()
    try:
        if encoding in ("gzip", "x-gzip"):
            return zlib.decompress(data, 16 + zlib.MAX_WBITS)
        if encoding == "deflate":
            try:
                return zlib.decompress(data)
            except zlib.error:  # raw deflate, as some servers send it
                return zlib.decompress(data, -zlib.MAX_WBITS)
    except zlib.error as e:
        raise TransportError("the %s-encoded body does not decode: %s" % (encoding, e)) \
            from None
    return data


class _Urllib3Route:
    """Through a proxy reached over TLS or SOCKS: urllib3's managers, as requests."""

    def __init__(self, proxy: str, auth: Mapping[str, str], verify, maxsize: int):
        import urllib3
        self._urllib3 = urllib3
        tls: Dict[str, Any] = {"cert_reqs": "CERT_NONE"} if verify is False else \
            {"cert_reqs": "CERT_REQUIRED", **_ca_location(verify)}
        kw = {"maxsize": maxsize, "block": False, **tls}
        if proxy.lower().startswith("socks"):
            import importlib.util
            # Asked first: urllib3 warns (an error in tests) before it fails.
            if importlib.util.find_spec("socks") is None:
                self._manager = None
                self._why = "the proxy %s needs PySocks (pip install 'requests[socks]')" \
                    % proxy.partition("://")[0]
                return
            from urllib3.contrib.socks import SOCKSProxyManager
            self._manager = SOCKSProxyManager(proxy, **kw)
        else:
            self._manager = urllib3.ProxyManager(proxy, proxy_headers=dict(auth), **kw)

    def send(self, method, url, target, headers, body, timeout) -> Response:
        if self._manager is None:
            raise TransportError(self._why)
        exc = self._urllib3.exceptions
        try:
            r = self._manager.urlopen(method, url, body=body, headers=headers, retries=False,
                                      redirect=False, preload_content=True,
                                      timeout=self._urllib3.Timeout(connect=timeout,
                                                                    read=timeout))
        # NewConnectionError subclasses urllib3's TimeoutError: a refused
        # connection is not a timeout.
        except exc.NewConnectionError as e:
            raise TransportError("cannot connect: %s" % _short(e)) from None
        except exc.TimeoutError as e:
            raise TransportError("timed out after %ss (%s)" % (timeout, type(e).__name__),
                                 timeout=True) from None
        except (exc.HTTPError, OSError) as e:
            raise TransportError("%s: %s" % (type(e).__name__, _short(e))) from None
        return Response(r.status, {k.lower(): v for k, v in r.headers.itermerged()}, r.data)

    def close(self) -> None:
        if self._manager is not None:
            self._manager.clear()


class _Refusing:
    def __init__(self, why: str):
        self._why = why

    def send(self, *args) -> Response:
        raise TransportError(self._why)

    def close(self) -> None:
        pass


# -- URLs, proxies and certificates --------------------------------------------------

def _split(url: str) -> Tuple[str, str]:
    """``("scheme://authority", "/path?query")`` of an absolute URL."""
    try:
        scheme, authority, rest = split_authority(url)
    except ValueError:
        raise TransportError("not an absolute URL: %r" % url[:200]) from None
    target = rest.split("#", 1)[0]
    if not target.startswith("/"):
        target = "/" + target
    return scheme.lower() + "://" + authority, target


def _host_port(authority: str) -> Tuple[str, Optional[int]]:
    host, port = host_and_port(authority)
    return host, int(port) if port.isdigit() else None


def _parse_proxy(proxy: str) -> Tuple[str, str, Dict[str, str]]:
    """(scheme, authority without credentials, Proxy-Authorization header)."""
    from urllib.parse import unquote, urlsplit
    parts = urlsplit(proxy)
    auth = {}
    if parts.username:
        import base64
        pair = "%s:%s" % (unquote(parts.username), unquote(parts.password or ""))
        auth["Proxy-Authorization"] = "Basic " + base64.b64encode(
            pair.encode("latin-1")).decode("ascii")
    authority = parts.netloc.rpartition("@")[2]
    if parts.port is None and parts.scheme.lower() == "http":
        authority += ":80"
    return parts.scheme.lower(), authority, auth


def _environment_proxies():
    import urllib.request
    proxies = {k: v for k, v in urllib.request.getproxies().items() if k != "no"}
    no_proxy = os.environ.get("no_proxy") or os.environ.get("NO_PROXY")
    return proxies, no_proxy, urllib.request.proxy_bypass


def _bypass(host: str, port: Optional[int], no_proxy: Optional[str], system_bypass) -> bool:
    """requests' ``should_bypass_proxies`` for one host."""
    if not host:
        return True
    if no_proxy:
        entries = [h for h in no_proxy.replace(" ", "").split(",") if h]
        if _is_ipv4(host):
            import ipaddress
            for entry in entries:
                if "/" in entry:
                    try:
                        if ipaddress.ip_address(host) in ipaddress.ip_network(entry,
                                                                              strict=False):
                            return True
                    except ValueError:
                        continue
                elif host == entry:
                    return True
        else:
            host_with_port = host + (":%d" % port if port else "")
            for entry in entries:
                if host.endswith(entry) or host_with_port.endswith(entry):
                    return True
    if system_bypass is not None:
        # urllib's own rules ("*", leading dots), and on macOS and Windows the
        # system's proxy exceptions.
        try:
            return bool(system_bypass(host))
        except (TypeError, OSError):
            return False
    return False


def _is_ipv4(host: str) -> bool:
    parts = host.split(".")
    return len(parts) == 4 and all(p.isdigit() and int(p) < 256 for p in parts)


def _ca_location(verify: Union[bool, str]) -> Dict[str, str]:
    if verify is True:
        try:
            import certifi
        except ImportError:  # the system's store
            return {}
        return {"ca_certs": certifi.where()}
    if os.path.isdir(verify):
        return {"ca_cert_dir": verify}
    return {"ca_certs": verify}


def _ssl_context(verify: Union[bool, str]):
    """A client context as requests would verify with it."""
    import ssl
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        where = _ca_location(verify)
        if where:
            context = ssl.create_default_context(cafile=where.get("ca_certs"),
                                                 capath=where.get("ca_cert_dir"))
        else:
            context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["http/1.1"])
    return context


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 300 else text[:297] + "..."
