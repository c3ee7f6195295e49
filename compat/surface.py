"""Scenarios on the public surface: which names exist, what kind they are,
their parameters, the client classes' attributes, the exception classes.
No requests are made."""

from __future__ import annotations

import importlib
import pickle
import subprocess
import sys

from observe import describe, kind_of, parameters
from scenarios import scenario

# The `taskcluster` package's client classes (release 113).
CLASSES = ("Auth", "AuthEvents", "Github", "GithubEvents", "Hooks", "HooksEvents", "Index",
           "Notify", "NotifyEvents", "Object", "PurgeCache", "Queue", "QueueEvents", "Secrets",
           "WebServer", "WorkerManager", "WorkerManagerEvents")
EXCEPTIONS = ("TaskclusterFailure", "TaskclusterRestFailure", "TaskclusterAuthFailure",
              "TaskclusterConnectionError", "TaskclusterTopicExchangeFailure",
              "TaskclusterArtifactError", "ObjectHashVerificationError")
HELPERS = ("createTemporaryCredentials", "createSession", "optionsFromEnvironment", "slugId",
           "stableSlugId", "fromNow", "fromNowJSON", "stringDate", "scopeMatch", "scope_match",
           "isExpired", "dumpJson", "toStr", "makeB64UrlSafe", "makeB64UrlUnsafe",
           "encodeStringForB64Header", "calculateSleepTime", "makeHttpRequest",
           "makeSingleHttpRequest", "putFile")
CONSTANTS = ("MAX_RETRIES", "DELAY_FACTOR", "RANDOMIZATION_FACTOR", "MAX_DELAY")
# The package's per-service modules; the last three are stubs there whose
# import fails (their generated module is gone).
SERVICE_MODULES = ("auth", "authevents", "github", "githubevents", "hooks", "hooksevents",
                   "index", "notify", "notifyevents", "purgecache", "queue", "queueevents",
                   "secrets", "workermanager", "workermanagerevents",
                   "awsprovisioner", "ec2manager", "login")


def _name(module, name):
    """Kind, value (constants) and parameters (functions) of ``module.name``."""
    if not hasattr(module, name):
        return "missing"
    value = getattr(module, name)
    kind = kind_of(value)
    if kind == "constant":
        return {"kind": kind, "value": describe(value)}
    if kind == "function":
        return {"kind": kind, "parameters": parameters(value)}
    return {"kind": kind}


def _names(module, names):
    return {name: _name(module, name) for name in names}


@scenario()
def names_top_classes(ctx):
    return _names(ctx.tc, CLASSES)


@scenario()
def names_top_exceptions(ctx):
    return _names(ctx.tc, EXCEPTIONS)


@scenario()
def names_top_helpers(ctx):
    return _names(ctx.tc, HELPERS)


@scenario()
def names_top_constants(ctx):
    return _names(ctx.tc, CONSTANTS)


@scenario()
def names_utils_module(ctx):
    """``taskcluster.utils`` right after a bare ``import taskcluster``, in a
    fresh interpreter; and the helpers it holds."""
    fresh = subprocess.run(
        [sys.executable, "-c", "import taskcluster; print(hasattr(taskcluster, 'utils'))"],
        capture_output=True, text=True)
    utils = importlib.import_module("taskcluster.utils")
    return {"attribute_after_import": fresh.stdout.strip() or fresh.stderr.strip()[-200:],
            "names": _names(utils, HELPERS[2:] + CONSTANTS)}


@scenario()
def names_service_modules(ctx):
    out = {}
    for module_name in SERVICE_MODULES:
        try:
            module = importlib.import_module("taskcluster." + module_name)
        except Exception as exc:
            out[module_name] = {"import_raises": type(exc).__name__}
            continue
        exported = [n for n in CLASSES if hasattr(module, n)]
        out[module_name] = {"classes": exported,
                            "same_as_top": [getattr(module, n) is getattr(ctx.tc, n, None)
                                            for n in exported]}
    return out


@scenario()
def names_client_module(ctx):
    client = importlib.import_module("taskcluster.client")
    out = _names(client, ("BaseClient", "createApiClient", "config", "createSession",
                          "createTemporaryCredentials"))
    out["config_is_dict"] = isinstance(getattr(client, "config", None), dict)
    out["top_config_is_client_config"] = (getattr(ctx.tc, "config", None)
                                          is getattr(client, "config", "unset"))
    out["classes_subclass_BaseClient"] = (
        hasattr(client, "BaseClient")
        and all(issubclass(getattr(ctx.tc, n), client.BaseClient) for n in CLASSES
                if hasattr(ctx.tc, n)))
    return out


@scenario()
def names_helper_and_retry(ctx):
    out = {}
    for module_name, names in (("helper", ("TaskclusterConfig", "load_secrets",
                                           "upload_artifact")),
                               ("retry", ("retry",))):
        try:
            module = importlib.import_module("taskcluster." + module_name)
        except Exception as exc:
            out[module_name] = {"import_raises": type(exc).__name__}
            continue
        out[module_name] = _names(module, names)
    helper = sys.modules.get("taskcluster.helper")
    if helper is not None and hasattr(helper, "TaskclusterConfig"):
        cls = helper.TaskclusterConfig
        out["TaskclusterConfig"] = {m: parameters(getattr(cls, m, None))
                                    for m in ("__init__", "auth", "get_service",
                                              "load_secrets", "upload_artifact")}
    return out


def _class_attributes(ctx, name):
    cls = getattr(ctx.tc, name, None)
    if cls is None:
        return "missing"
    out = {}
    for attr in ("classOptions", "serviceName", "apiVersion"):
        out[attr] = describe(getattr(cls, attr, "<absent>"))
    funcinfo = getattr(cls, "funcinfo", None)
    out["funcinfo.type"] = type(funcinfo).__name__
    if isinstance(funcinfo, dict):
        out["funcinfo.names"] = sorted(funcinfo)
    base = cls.__mro__[1]
    out["methods"] = sorted(n for n in vars(cls) if not n.startswith("_")
                            and callable(getattr(cls, n)) and not hasattr(base, n))
    out["method.parameters"] = {n: parameters(getattr(cls, n)) for n in out["methods"][:1]}
    return out


def _class_scenario(name):
    def fn(ctx):
        return _class_attributes(ctx, name)
    fn.__name__ = "class_" + name
    scenario()(fn)


for _class in CLASSES:
    _class_scenario(_class)


@scenario()
def class_funcinfo_entries(ctx):
    """A few entries, whole, as a caller reading ``funcinfo`` sees them."""
    out = {}
    for cls_name, method in (("Queue", "createTask"), ("Queue", "listTaskGroup"),
                             ("Index", "findArtifactFromTask"), ("Auth", "currentScopes")):
        funcinfo = getattr(getattr(ctx.tc, cls_name), "funcinfo", None)
        out[cls_name + "." + method] = (describe(funcinfo.get(method))
                                        if isinstance(funcinfo, dict) else "no funcinfo")
    return out


# -- exceptions --------------------------------------------------------------

@scenario()
def exc_hierarchy(ctx):
    out = {}
    for name in EXCEPTIONS:
        cls = getattr(ctx.tc, name, None)
        out[name] = "missing" if cls is None else [
            c.__name__ for c in cls.__mro__ if c not in (object, BaseException)]
    exc = ctx.tc.exceptions if hasattr(ctx.tc, "exceptions") else None
    out["module_taskcluster.exceptions"] = None if exc is None else sorted(
        n for n in EXCEPTIONS if hasattr(exc, n))
    return out


def _pickled(exc):
    return pickle.loads(pickle.dumps(exc))


def _forms(ctx, name, *calls):
    """Each (args, kwargs) given to ``name``, and that instance after a pickle
    round trip."""
    cls = getattr(ctx.tc, name, None)
    if cls is None:
        return "missing"
    out = {}
    for args, kwargs in calls:
        key = ", ".join([repr(a) for a in args] + ["%s=%r" % kv for kv in kwargs.items()])
        made = ctx.call(cls, *args, **kwargs)
        if "value" in made:
            made["pickled"] = ctx.call(_pickled, cls(*args, **kwargs))
        out[key] = made
    return out


@scenario()
def exc_rest_failure_forms(ctx):
    return _forms(ctx, "TaskclusterRestFailure",
                  (("m", None, 404, {"message": "gone"}), {}),
                  (("m",), {"superExc": None, "status_code": 404, "body": {"a": 1}}),
                  (("m", None), {}),
                  (("m",), {}),
                  ((), {"msg": "m", "superExc": None}))


@scenario()
def exc_auth_failure_forms(ctx):
    return _forms(ctx, "TaskclusterAuthFailure",
                  (("m",), {}),
                  (("m", None, 401, {"message": "no"}), {}),
                  (("m",), {"superExc": None, "status_code": 401, "body": {}}))


@scenario()
def exc_connection_error_forms(ctx):
    return _forms(ctx, "TaskclusterConnectionError",
                  (("m", ValueError("boom")), {}),
                  (("m",), {"superExc": None}),
                  (("m",), {}))


@scenario()
def exc_other_forms(ctx):
    out = {}
    out.update(_forms(ctx, "TaskclusterFailure", (("m",), {})))
    out["TaskclusterTopicExchangeFailure"] = _forms(ctx, "TaskclusterTopicExchangeFailure",
                                                    (("m",), {}))
    out["TaskclusterArtifactError"] = _forms(ctx, "TaskclusterArtifactError",
                                             (("m", "why"), {}))
    out["ObjectHashVerificationError"] = _forms(ctx, "ObjectHashVerificationError",
                                                (("m",), {}))
    return out
