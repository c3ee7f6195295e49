"""Client options: defaults, validation, and the resolved, read-only form.

Options are plain dicts (compatible with the ``taskcluster`` package)::

    {
        "rootUrl": "https://tc.example.com",
        "credentials": {"clientId": ..., "accessToken": ..., "certificate": ...},
        "authorizedScopes": ["scope", ...],   # optional
        "maxRetries": 5,                      # retries after the first attempt
        "timeout": 30,                        # seconds, per attempt
        "delayFactor": 0.1,                   # seconds; backoff 2**n * delayFactor
        "randomizationFactor": 0.25,          # jitter, as Node's client
        "maxDelay": 30,                       # seconds, cap on one backoff
        "signedUrlExpiration": 900,           # seconds, for buildSignedUrl
        "maxResponseBytes": 64 * 2**20,       # an API answer larger than this is refused
        "validatePayloads": False,            # check payloads against their schemas
        "validateResponses": False,           # check answers against their schemas
        "referencesDir": None,                # a deployment's references (see below)
    }

A client's ``options`` is an :class:`Options` dict, readable and changeable
as the package's: a change takes effect at the next call.  :func:`resolve`
checks options and returns :class:`Resolved`, the frozen form a call reads.
Neither shows a secret in its ``repr`` or ``str``.  The caller's dicts are
never modified.

The two checks are off unless the option is true or, when it is not given,
``TASKCLUSTER_VALIDATE_PAYLOADS=1`` / ``TASKCLUSTER_VALIDATE_RESPONSES=1``.
"""

from __future__ import annotations

import logging
import math
import os
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Tuple

from ._hawk import make_ext, parse_certificate
from .exceptions import TaskclusterCredentialsError, TaskclusterInputError

__all__ = ["DEFAULTS", "Options", "Resolved", "resolve", "options_from_environment",
           "hide_secrets"]

DEFAULTS: Mapping[str, Any] = {
    "rootUrl": None,
    "credentials": None,
    "authorizedScopes": None,
    "maxRetries": 5,
    "timeout": 30,
    "delayFactor": 0.1,
    "randomizationFactor": 0.25,
    "maxDelay": 30,
    "signedUrlExpiration": 15 * 60,
    "maxResponseBytes": 64 * 2**20,
    # None: from TASKCLUSTER_VALIDATE_PAYLOADS / _RESPONSES, else off
    "validatePayloads": None,
    "validateResponses": None,
    "referencesDir": None,
}
log = logging.getLogger("taskcluster")

_VALIDATE_ENV = {"validatePayloads": "TASKCLUSTER_VALIDATE_PAYLOADS",
                 "validateResponses": "TASKCLUSTER_VALIDATE_RESPONSES"}

# Keys the ``taskcluster`` package's clients carry in their options that the
# checks leave alone (``exchangePrefix`` is read by the exchange methods).
IGNORED = frozenset({"exchangePrefix"})

_SECRET_KEYS = ("accessToken", "certificate")


def hide_secrets(value: Any) -> Any:
    """A copy of an options or credentials value fit to show: the
    accessToken and certificate are replaced by ``'<hidden>'``."""
    if isinstance(value, Mapping):
        shown = {}
        for k, v in value.items():
            if k in _SECRET_KEYS and v:
                shown[k] = "<hidden>"
            else:
                shown[k] = hide_secrets(v)
        return shown
    return value


class Options(dict):
    """A plain dict of options, except that its ``repr`` and ``str`` (and so
    a log line or a traceback that shows it) hide the accessToken and
    certificate, at any depth."""
    __slots__ = ()

    def __repr__(self) -> str:
        return repr(hide_secrets(self))

    __str__ = __repr__

    def copy(self) -> "Options":
        return type(self)(self)

# What a Hawk header attribute can carry (printable ASCII but '"' and '\').
# \Z, not $: "$" also matches before a trailing newline.
_HEADER_SAFE = re.compile(r'^[\x20-\x21\x23-\x5b\x5d-\x7e]+\Z')
# http(s), a DNS name or IP address (nothing a resolver would be asked about
# in vain, such as "*.example"), an optional port and path.
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?"
# No control character anywhere: the HTTP library would refuse the request
# only after it was signed, and retrying cannot help.  (C1 controls too:
# sent percent-encoded, they would only turn up in messages and logs.)
_ROOT_URL = re.compile(r"^(https?://(?:%s(?:\.%s)*\.?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?)"
                       r"(?:/[^?#\s\x00-\x1f\x7f-\x9f]*)?\Z" % (_LABEL, _LABEL), re.IGNORECASE)


def _error(context: str, argument: str, what: str) -> TaskclusterInputError:
    return TaskclusterInputError("%s: %s" % (context, what), method=context, argument=argument)


@dataclass(frozen=True)
class Resolved:
    """Checked options.  Secrets are excluded from ``repr``."""
    rootUrl: Optional[str]
    clientId: Optional[str]
    accessToken: Optional[str] = field(repr=False)
    certificate: Optional[dict] = field(repr=False)
    authorizedScopes: Optional[Tuple[str, ...]]
    maxRetries: int
    timeout: float
    delayFactor: float
    randomizationFactor: float
    maxDelay: float
    signedUrlExpiration: int
    ext: Optional[str] = field(repr=False)
    maxResponseBytes: int = 64 * 2**20
    validatePayloads: bool = False
    validateResponses: bool = False

    @property
    def has_credentials(self) -> bool:
        return bool(self.clientId and self.accessToken)

    def __getitem__(self, key: str) -> Any:
        """Read as the ``taskcluster`` package's options dict reads:
        ``client.options['rootUrl']``, ``client.options['credentials']``."""
        if key == "credentials":
            return {"clientId": self.clientId, "accessToken": self.accessToken,
                    "certificate": self.certificate}
        if key in DEFAULTS:
            value = getattr(self, key)
            return list(value) if isinstance(value, tuple) else value
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default


def _number(context, name, value, *, minimum=0.0, integer=False, allow_zero=True):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            (isinstance(value, float) and not math.isfinite(value)):
        raise _error(context, name, "option %r must be a number, not %r" % (name, value))
    if integer and value != int(value):
        raise _error(context, name, "option %r must be a whole number, not %r" % (name, value))
    if value < minimum or (not allow_zero and value == 0):
        raise _error(context, name, "option %r must be %s, not %r"
                     % (name, "positive" if not allow_zero else ">= %s" % minimum, value))
    return int(value) if integer else value


def _switch(context: str, name: str, value: Any) -> bool:
    if value is None:
        return os.environ.get(_VALIDATE_ENV[name], "") == "1"
    if not isinstance(value, bool):
        raise _error(context, name, "option %r must be True or False, not %r" % (name, value))
    return value


def check_root_url(context: str, root_url: Any) -> str:
    """The rootUrl without a trailing "/".  (URLs keep its case, as Node's
    ``buildUrl`` does; requests are sent with the host in lower case.)"""
    if not isinstance(root_url, str) or not _ROOT_URL.match(root_url):
        raise _error(context, "rootUrl", "rootUrl must be an http:// or https:// URL "
                     "such as 'https://tc.example.com', not %r" % (root_url,))
    root_url = root_url.rstrip("/")
    path = root_url[len(_ROOT_URL.match(root_url).group(1)):]
    if path:
        # Calls go to <rootUrl>/api/<service>/<version>/...: a service's own
        # base URL (or any URL of a deployment's) given as the rootUrl would
        # have that part twice.
        api = _API_PATH.search(path)
        if api:
            raise _error(context, "rootUrl", "rootUrl is the deployment's root URL, such as "
                         "%r, not a URL inside it: drop %r from %r"
                         % (root_url[:len(root_url) - len(path) + api.start()],
                            path[api.start():], root_url))
        if root_url not in _PATH_WARNED:
            # Allowed, as Taskcluster's URL rules allow it (a deployment
            # behind a path prefix), but rare enough to be a mistake.
            import logging
            _PATH_WARNED.add(root_url)
            logging.getLogger("taskcluster").warning(
                "%s: rootUrl %r has a path (%r); calls go to %s/api/<service>/v1/...: a "
                "deployment's rootUrl is usually its origin alone", context, root_url, path,
                root_url)
    return root_url

_API_PATH = re.compile(r"/(?:api|references|schemas)(?:/|\Z)")
_PATH_WARNED: set = set()


def _cred_error(context: str, argument: str, what: str) -> TaskclusterCredentialsError:
    return TaskclusterCredentialsError("%s: %s" % (context, what), method=context,
                                       argument=argument)


def _credentials(context: str, creds: Any):
    if creds is None:
        return None, None, None
    if not isinstance(creds, Mapping):
        raise _cred_error(context, "credentials", "credentials must be a dict with clientId "
                     "and accessToken, not %s" % type(creds).__name__)
    # Other keys are ignored, as the package ignores them: test fixtures pass
    # placeholders such as {"a": "b"}.
    client_id, token, cert = (creds.get("clientId"), creds.get("accessToken"),
                              creds.get("certificate"))
    if isinstance(client_id, bytes):
        client_id = client_id.decode("utf-8", "replace")
    if isinstance(token, bytes):
        token = token.decode("utf-8", "replace")
    if not client_id or not token:
        # Half a pair signs nothing: as in the package, calls go out
        # unauthenticated.  Said once, here; a call that needs credentials
        # still refuses with its own clear error.
        if client_id or token or cert:
            given = "a clientId (%r)" % (client_id,) if client_id else \
                "an accessToken" if token else "a certificate"
            log.warning("%s: the credentials have %s but no %s, so calls are sent "
                        "unauthenticated", context, given,
                        "accessToken" if client_id else "clientId")
        return None, None, None
    if not isinstance(client_id, str) or not _HEADER_SAFE.match(client_id):
        raise _cred_error(context, "clientId", "clientId must be printable ASCII without '\"' "
                     "or '\\' (a Hawk header carries it), not %r" % (client_id,))
    if not isinstance(token, str) or not _HEADER_SAFE.match(token):
        # Never echo the token itself.
        raise _cred_error(context, "accessToken", "the accessToken of %r must be printable ASCII "
                     "without '\"' or '\\'" % (client_id,))
    try:
        certificate = parse_certificate(cert)
    except ValueError as e:
        raise _cred_error(context, "certificate", "%s (clientId %r)" % (e, client_id)) from None
    return client_id, token, certificate


def resolve(options: Optional[Mapping[str, Any]], context: str = "options") -> Resolved:
    """Check ``options`` (over :data:`DEFAULTS`) and freeze them."""
    merged = dict(DEFAULTS)
    if options:
        if not isinstance(options, Mapping):
            raise _error(context, "options", "options must be a dict, not %s"
                         % type(options).__name__)
        unknown = sorted(k for k in options if k not in DEFAULTS and k not in IGNORED)
        if unknown:
            if unknown[0] == "baseUrl":
                raise _error(context, "baseUrl", "baseUrl is no longer supported: use rootUrl")
            raise _error(context, unknown[0], "unknown option %r (known: %s)"
                         % (unknown[0], ", ".join(DEFAULTS)))
        merged.update((k, v) for k, v in options.items() if k not in IGNORED)
    root_url = merged["rootUrl"]
    if root_url is not None:
        root_url = check_root_url(context, root_url)
    client_id, token, certificate = _credentials(context, merged["credentials"])
    scopes = merged["authorizedScopes"]
    if scopes is not None:
        if not isinstance(scopes, (list, tuple)) or not all(isinstance(s, str) for s in scopes):
            raise _error(context, "authorizedScopes", "authorizedScopes must be a list of "
                         "strings, not %r" % (scopes,))
        scopes = tuple(scopes)
    rf = _number(context, "randomizationFactor", merged["randomizationFactor"])
    if rf >= 1:
        raise _error(context, "randomizationFactor", "randomizationFactor must be in [0, 1)")
    return Resolved(
        rootUrl=root_url, clientId=client_id, accessToken=token, certificate=certificate,
        authorizedScopes=scopes,
        maxRetries=_number(context, "maxRetries", merged["maxRetries"], integer=True),
        timeout=_number(context, "timeout", merged["timeout"], allow_zero=False),
        delayFactor=_number(context, "delayFactor", merged["delayFactor"]),
        randomizationFactor=rf,
        maxDelay=_number(context, "maxDelay", merged["maxDelay"]),
        signedUrlExpiration=_number(context, "signedUrlExpiration",
                                    merged["signedUrlExpiration"], integer=True,
                                    allow_zero=False),
        ext=make_ext(certificate, scopes) if client_id else None,
        maxResponseBytes=_number(context, "maxResponseBytes", merged["maxResponseBytes"],
                                 integer=True, allow_zero=False),
        validatePayloads=_switch(context, "validatePayloads", merged["validatePayloads"]),
        validateResponses=_switch(context, "validateResponses", merged["validateResponses"]),
    )



def options_from_environment(defaults: Optional[Mapping[str, Any]] = None) -> dict:
    """``defaults`` (copied, never changed) with ``TASKCLUSTER_ROOT_URL``,
    ``TASKCLUSTER_CLIENT_ID``, ``TASKCLUSTER_ACCESS_TOKEN`` and
    ``TASKCLUSTER_CERTIFICATE`` set over them, each credential on its own, as
    the ``taskcluster`` package's ``optionsFromEnvironment`` does.  Returns a
    new :class:`Options` dict (its credentials one too), whose ``repr`` and
    ``str`` hide the accessToken and certificate."""
    result: dict = Options(defaults) if defaults else Options()
    env = os.environ
    if env.get("TASKCLUSTER_ROOT_URL"):
        result["rootUrl"] = env["TASKCLUSTER_ROOT_URL"].rstrip("/")
    given = result.get("credentials")
    creds = dict(given) if isinstance(given, Mapping) else {}
    for var, key in (("TASKCLUSTER_CLIENT_ID", "clientId"),
                     ("TASKCLUSTER_ACCESS_TOKEN", "accessToken"),
                     ("TASKCLUSTER_CERTIFICATE", "certificate")):
        if env.get(var):
            creds[key] = env[var]
    if creds:
        result["credentials"] = Options(creds)
    return result
