"""Known differences between this library and the ``taskcluster`` package
(113.2.0), each with its reason.  ``nox -s compat`` fails on any difference
not covered here, and on any entry here that covers nothing (the difference
is gone: remove the entry).  The compatibility table of docs/guide/moving.md
is generated from this list (``python compat/run.py --table``).

An entry covers the fields matching its globs (scenario name, field path as
the diff prints it) where its check, if any, holds: keep checks narrow, so
that an entry explains one difference and not whatever else lands there.
An entry without ``what`` continues the one before it (one table row).
"""

from __future__ import annotations

import json

from judge import MISSING, Difference, Field

__all__ = ["KNOWN"]

ABSENT = "<absent>"
# Methods that differ between the bundled references (release 106) and the
# package's (113): removed Azure methods, new batch and webhook entries.
RELEASE_DELTA = {"azureAccounts", "azureContainerSAS", "azureContainers", "azureTableSAS",
                 "azureTables", "taskQueueCountsBatch", "taskclusterYmlUpdate"}
# What the package says where it has nothing better (its message is
# str(None) when an error body has no "message").
PACKAGE_GENERIC = {"None", "Unknown Server Error", "Authentication Error",
                   "Internal Server Error", "Failed to establish connection"}


def _message_kept(f: Field) -> bool:
    """Same class, and our message holds the package's (or the package's is
    a generic one)."""
    return (f.sibling("class") == f.sibling("class", "theirs")
            and isinstance(f.ours, str) and bool(f.ours)
            and (f.theirs in f.ours or f.theirs in PACKAGE_GENERIC))


def _is_input_error(raised) -> bool:
    return isinstance(raised, dict) and (
        raised.get("class") == "TaskclusterInputError"
        or "TaskclusterInputError" in (raised.get("taskcluster_bases") or []))


def _input_error_catchable(f: Field) -> bool:
    """We raise TaskclusterInputError (or a subclass of it that is also the
    package's class) where the package raises a class our exception also is:
    ``except <the package's class>`` still catches it."""
    theirs = f.sibling("class", "theirs")
    bases = (f.sibling("taskcluster_bases") or []) + (f.sibling("builtin_bases") or [])
    ours = {"class": f.sibling("class"), "taskcluster_bases": f.sibling("taskcluster_bases")}
    return _is_input_error(ours) and (theirs in bases or theirs == "Exception")


def _same_json(a, b) -> bool:
    try:
        return isinstance(a, str) and isinstance(b, str) and json.loads(a) == json.loads(b)
    except ValueError:
        return False


def _json_of(text) -> dict:
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _field_added(f: Field) -> bool:
    return f.theirs == ABSENT and f.ours is None


def _parameters_extended(f: Field) -> bool:
    """The package's parameters, in order, then only optional ones."""
    ours, theirs = f.ours, f.theirs
    if not (isinstance(ours, list) and isinstance(theirs, list)) or ours[:len(theirs)] != theirs:
        return False
    return all("=" in p or p.startswith("*") for p in ours[len(theirs):])


def _release_delta(f: Field) -> bool:
    return (isinstance(f.ours, list) and isinstance(f.theirs, list)
            and set(f.ours) ^ set(f.theirs) <= RELEASE_DELTA)


def _milliseconds_kept(f: Field) -> bool:
    return isinstance(f.ours, int) and isinstance(f.theirs, int) and f.ours // 1000 * 1000 == f.theirs


def _refused_instead(f: Field) -> bool:
    """We raised TaskclusterInputError (and sent nothing) where the package
    returned a value (after sending)."""
    if f.parts[0] == "requests":
        raised, sent_nothing = f.ours_all.get("result", {}).get("raised"), f.ours == MISSING
    elif f.parts[-1] in ("raised", "value"):
        raised, sent_nothing = f.sibling("raised"), True
    else:
        return False
    return sent_nothing and _is_input_error(raised)


def _accepted_instead(f: Field) -> bool:
    """The package raised where ours returns a value (a more lenient input)."""
    if f.parts[-1] == "raised":
        return f.ours == MISSING and f.sibling("value") is not MISSING
    if f.parts[-1] == "value":
        return f.theirs == MISSING and f.sibling("raised", "theirs") not in (None, MISSING)
    return False





KNOWN = [
    Difference(
        "*", "*raised.str",
        "Error messages name the method, the URL, the status and the error code",
        "Ours say what was called and what came back; each holds the package's text "
        "(or replaces its generic one, such as `None` for a body without a message).",
        _message_kept),
    Difference(
        "*", "*raised.*",
        "Bad input raises `TaskclusterInputError`, with a message naming the method and "
        "argument",
        "It subclasses the class the package raises there (`TaskclusterFailure`, or "
        "`ValueError` for `fromNow`), so `except` clauses written for the package still "
        "catch it.",
        _input_error_catchable),
    Difference(
        "call_undeclared_query_key", "*",
        "Bad input refused before sending where the package sends: an undeclared query key, "
        "a string where `scopeMatch` wants lists",
        "Stricter checks that catch real mistakes (a misspelt query key is silently ignored "
        "by the service).",
        _refused_instead),
    Difference("util_scopeMatch", "*", check=_refused_instead),
    Difference(
        "*", "*.status_code", "Every exception has `status_code` and `body` (None where they "
        "do not apply)", "A handler of `TaskclusterFailure` reads them without `hasattr`.",
        _field_added),
    Difference("*", "*.body", check=_field_added),
    Difference(
        "names_*", "*.parameters",
        "Some helpers take more optional arguments (`fromNowJSON(offset, dateObj=None)`; "
        "`createTemporaryCredentials(..., seed=...)` and the like)",
        "To pin time and randomness (the Node cross-check does); every call written for the "
        "package means the same.", _parameters_extended),
    Difference(
        "class_*", "result.method.parameters.*",
        "API methods have their real signatures (`task(self, taskId, *, params=None)`) "
        "instead of `(*args, **kwargs)`",
        "`help()` and editors show the arguments; every calling form of the package is still "
        "accepted (the `call_*` scenarios).",
        lambda f: f.theirs == ["self", "*args", "**kwargs"]),
    Difference(
        "class_*", "result.*", "Methods of the bundled release 106, not 113: no "
        "`Queue.taskQueueCountsBatch`, `GithubEvents.taskclusterYmlUpdate`; the Azure methods "
        "`Auth` dropped in 113 are kept",
        "The bundled references are release 106; a deployment's own references can replace "
        "them.", _release_delta),
    Difference(
        "util_fromNowJSON", "result.value.pattern",
        "`fromNowJSON` writes milliseconds (`...T05:06:07.891Z`), not microseconds",
        "The Node client writes dates that way, and it is this project's oracle.",
        lambda f: f.ours == "9999-99-99T99:99:99.999Z"),
    Difference(
        "cred_temporary_*", "*certificate.*",
        "Temporary credentials keep the milliseconds of `start` and `expiry`",
        "As the Node client does (byte-identical certificates for the same seed); the package "
        "truncates to the second.", _milliseconds_kept),
    Difference(
        "*", "requests[*].authorization.*",
        "The Hawk header is the Node client's: no `hash` attribute, and no `ext` when there "
        "is nothing to put in it", "The services accept both; ours is checked byte for byte "
        "against the Node client.",
        lambda f: (f.path.endswith(".attributes") and set(f.theirs) - set(f.ours) <= {"ext", "hash"}
                   and set(f.ours) <= set(f.theirs))
        or (f.path.endswith(".ext") and f.ours is None and f.theirs == {})),
    Difference(
        "url_buildSignedUrl*", "*bewit.ext",
        "A bewit carries an empty `ext` where the package encodes `{}`",
        "As the Node client's bewits (checked byte for byte); the services accept both.",
        lambda f: f.ours == "" and f.theirs == {}),
    Difference(
        "opt_config_defaults", "result.*",
        "`taskcluster.client.config` also holds this library's extra options (`timeout`, "
        "`delayFactor`, `randomizationFactor`, `maxDelay`, `authorizedScopes`)",
        "Their defaults, so that setting them once applies to every client.",
        lambda f: f.theirs == MISSING),
    Difference("names_client_module", "result.config.value.*",
               check=lambda f: f.theirs == MISSING),
    Difference(
        "*", "requests[*].body",
        "Request bodies carry non-ASCII characters as UTF-8, not `\\u` escapes",
        "Compact UTF-8 JSON, as the Node client sends; the same JSON value.",
        lambda f: _same_json(f.ours, f.theirs) and f.ours != f.theirs),
    Difference(
        "names_client_module", "result.top_config_is_client_config",
        "`taskcluster.config` is `taskcluster.client.config`",
        "The package has only `taskcluster.client.config`; both names reach the same dict here.",
        lambda f: f.ours is True and f.theirs is False),
    Difference(
        "opt_caller_dicts_after_construction", "result.credentials.*",
        "The caller's options dict is left as it was given",
        "The package encodes the credentials in it to bytes; a caller has no use for that.",
        lambda f: f.theirs == {"type": "bytes", "value": f.ours}),
    Difference(
        "*", "*.routingKeyReference",
        "A routing-key binding also carries `routingKeyReference`",
        "As the Node client's bindings do; the `exchange` and `routingKeyPattern` keys are "
        "the package's.", lambda f: f.theirs == MISSING),
    Difference("*", "*.superExc", check=_field_added),
    Difference(
        "error_connection_*", "result.raised.superExc",
        "`TaskclusterConnectionError.superExc` is None, not the requests exception",
        "The requests exception holds the signed request, Authorization header included; the "
        "message says what failed and after how many attempts.",
        lambda f: f.ours is None and f.theirs == "requests.ConnectionError"),
    Difference(
        "call_str_payload", "*",
        "A payload that is not a JSON object (a `str` of JSON, a list, `None`) is refused "
        "before sending",
        "Every input schema is an object; the package sent a `str` JSON-encoded a second "
        "time, which the service refuses with a 400.", _refused_instead),
    Difference(
        "exc_*_forms", "result.*",
        "Exceptions can be built with the message alone (`TaskclusterRestFailure('m')`)",
        "`superExc` is optional here; every form the package takes is taken the same way.",
        lambda f: _accepted_instead(f) or (f.parts[-1] == "pickled" and f.theirs == MISSING)),
    Difference(
        "util_stringDate", "result.*",
        "`stringDate` and `dumpJson` write a plain `date` (`2026-03-04`)",
        "The package fails on one with `AttributeError`.", _accepted_instead),
    Difference("util_dumpJson", "result.*", check=_accepted_instead),
    Difference(
        "cred_temporary_*", "result.value.accessToken.type",
        "Temporary credentials' `accessToken` is a `str`, not `bytes`",
        "As the Node client's (this project's oracle), and as every client option takes it.",
        lambda f: f.ours == "str" and f.theirs == "bytes"),
    Difference(
        "exch_routing_keys", "result.dict_and_kwargs.*",
        "A routing key may be given as a dict and keywords together (keywords win)",
        "The package refuses the mix; ours builds the pattern.", _accepted_instead),
    Difference(
        "auth_certificate_dict", "*",
        "A certificate given as a dict (parsed JSON) is accepted",
        "The package accepts only the JSON text; ours signs with either.",
        lambda f: _accepted_instead(f) or (f.parts[0] == "requests" and f.theirs == MISSING)),
    Difference(
        "call_payload_then_keywords", "result.warnings",
        "`method(payload, k=v)` gives no `PendingDeprecationWarning`",
        "It is one of this library's documented calling forms, not a deprecated one.",
        lambda f: f.ours == MISSING),
    Difference(
        "opt_options_dict", "result.*",
        "`client.options` holds every option with its default, credentials as given (`str`)",
        "The package encodes credentials to `bytes` in its options; ours keeps them as given "
        "and shows this library's extra options.",
        lambda f: f.parts[-1] == "keys" or f.theirs == {"type": "bytes", "value": f.ours}),
    Difference(
        "opt_missing_root_url", "result.*",
        "A client can be made without a rootUrl; a call or URL without one is refused",
        "Routing-key methods need none; the refusal names the option and "
        "`TASKCLUSTER_ROOT_URL`.", _accepted_instead),
    Difference(
        "opt_session", "result.value.hooks_saw",
        "A `session=` passed in carries the calls",
        "The package never sends through it; ours does, as its documentation says.",
        lambda f: f.theirs == [] and f.ours),
    Difference(
        "class_funcinfo_entries", "result.*",
        "`funcinfo` entries are the reference's whole entries (with `title`, `description`, "
        "`scopes`, `category`, `type`, `query`)",
        "A superset of the package's keys, copied, so editing them changes no call.",
        lambda f: f.theirs == MISSING),
    Difference(
        "names_helper_and_retry", "*load_secrets*",
        "`load_secrets` takes its defaults as tuples and None, not `[]` and `{}`",
        "The same meaning without mutable default arguments.",
        lambda f: isinstance(f.ours, list) and len(f.ours) == len(f.theirs)),
    Difference(
        "helper_load_secrets", "result.value.missing_required",
        "A required secret that is missing raises `TaskclusterInputError` naming the keys",
        "The package raises a bare `Exception`; ours is one too, and never shows the values.",
        lambda f: f.ours == "TaskclusterInputError" and f.theirs == "Exception"),
    Difference(
        "transfer_*_storage_error", "result.TaskclusterFailure",
        "A storage server's 4xx or 5xx during a download is also a `TaskclusterFailure`",
        "It is `aiohttp.ClientResponseError` with `.status`, as the package raises, sync and "
        "async; also a `TaskclusterRestFailure`, so this library's own handlers catch it.",
        lambda f: f.ours is True and f.theirs is False),
    Difference(
        "transfer_*_storage_error", "requests[0].body",
        "`startDownload` offers the `simple` method as well as `getUrl`",
        "The object service may answer either, and the helpers download both.",
        lambda f: _json_of(f.ours).get("acceptDownloadMethods", {}).get("simple") is True
        and _json_of(f.theirs).get("acceptDownloadMethods", {}).get("simple") is None),
    Difference(
        "transfer_hashing_reader_wrong_length", "result.*",
        "`HashingReader.hashes(n)` with the wrong length raises `TaskclusterInputError`, "
        "also a `RuntimeError`",
        "`except RuntimeError` catches it, as the package's; the message names the helper.",
        lambda f: (f.parts[-1] == "TaskclusterFailure" and f.ours is True
                   and f.theirs is False)
        or (f.parts[-1] == "str" and "5" in f.ours and "0 bytes" in f.ours)),
    Difference(
        "patch_sync_download_object", "*",
        "Patching `taskcluster.download.Object` (or `Queue`) changes the client the sync "
        "helpers build",
        "The package's sync helpers run its async ones, which build "
        "`taskcluster.aio.download.Object` (patched the same way here, for the async "
        "helpers); ours build sync clients, named in the sync module.",
        lambda f: f.parts[0] in ("requests", "result")),
    Difference(
        "transfer_async_*", "result.warnings",
        "No `ResourceWarning` after an async client's calls",
        "The package's async clients given no session open an aiohttp session per call and "
        "leave it for the garbage collector; ours close what they open.",
        lambda f: f.ours == MISSING and f.theirs == ["ResourceWarning"]),
    Difference("patch_aio_*", "result.warnings",
               check=lambda f: f.ours == MISSING and f.theirs == ["ResourceWarning"]),
]
