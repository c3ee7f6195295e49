"""What a caller observes, as JSON: values, exceptions and types, described the
same way under either library so that two runs compare key by key.

Runs inside the scenario interpreter (ours or the ``taskcluster`` package's):
standard library only.
"""

from __future__ import annotations

import datetime
import inspect

__all__ = ["ABSENT", "describe", "describe_exception", "type_name", "kind_of", "parameters"]

# A field the object does not have at all (not the same as a None value).
ABSENT = "<absent>"

# Exceptions whose fields a caller reads.
_EXCEPTION_FIELDS = ("status_code", "body", "reason")


def type_name(t: type) -> str:
    """A type's name as a caller would write it.  Modules under ``requests``
    and ``taskcluster`` are folded (``requests.models.Response`` is
    ``requests.Response``; a client class is ``taskcluster:Queue`` wherever the
    library defines it), since each library lays out its modules its own way."""
    module = t.__module__ or ""
    top = module.split(".", 1)[0]
    if top == "requests":
        return "requests." + t.__name__
    if top == "taskcluster":
        return "taskcluster:" + t.__name__
    if module == "builtins":
        return t.__name__
    return "%s.%s" % (module, t.__qualname__)


def describe(value):
    """``value`` as JSON-able data, keeping what a caller can tell apart."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, bytes):
        return {"type": "bytes", "value": value.decode("utf-8", "backslashreplace")}
    if isinstance(value, tuple):
        return {"type": "tuple", "items": [describe(v) for v in value]}
    if isinstance(value, list):
        return [describe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): describe(v) for k, v in value.items()}
    if isinstance(value, (datetime.datetime, datetime.date)):
        return {"type": type(value).__name__, "iso": value.isoformat()}
    if isinstance(value, BaseException):
        return describe_exception(value)
    out = {"type": type_name(type(value))}
    if hasattr(value, "status_code") and hasattr(value, "headers"):  # an HTTP response
        out["status"] = value.status_code
        out["headers.location"] = value.headers.get("location")
        out["headers.content-type"] = value.headers.get("content-type")
        out["text"] = getattr(value, "text", ABSENT)
    return out


def describe_exception(exc: BaseException) -> dict:
    """Class, the names of its bases that a caller can catch, and its fields.
    Builtin bases are kept apart from the library's own (``except ValueError``
    and ``except TaskclusterFailure`` are both things a caller writes)."""
    mro = type(exc).__mro__
    out = {
        "class": type(exc).__name__,
        "taskcluster_bases": [c.__name__ for c in mro
                              if (c.__module__ or "").split(".")[0] == "taskcluster"],
        "builtin_bases": [c.__name__ for c in mro if c.__module__ == "builtins"
                          and c not in (object, BaseException, Exception)],
        "str": str(exc),
    }
    for name in _EXCEPTION_FIELDS:
        out[name] = describe(getattr(exc, name, ABSENT))
    if hasattr(exc, "superExc"):
        sup = exc.superExc
        out["superExc"] = None if sup is None else type_name(type(sup))
    else:
        out["superExc"] = ABSENT
    return out


def kind_of(value) -> str:
    if inspect.ismodule(value):
        return "module"
    if inspect.isclass(value):
        return "class"
    if callable(value):
        return "function"
    return "constant"


def parameters(fn):
    """A callable's parameters as ``['a', 'b=None', '*args', '**kwargs']``
    (annotations left out: they are not part of how it is called)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    out = []
    for p in sig.parameters.values():
        prefix = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "")
        text = prefix + p.name
        if p.default is not p.empty:
            text += "=" + repr(p.default)
        if p.kind == p.KEYWORD_ONLY:
            text = "kw:" + text
        out.append(text)
    return out
