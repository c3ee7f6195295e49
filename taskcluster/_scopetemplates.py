"""Scope expression templates, as the Taskcluster API library expands them.

A reference entry's ``scopes`` is a template (``libraries/api/src/expressions.js``
in the Taskcluster monorepo); a service fills it with parameters before it
checks the caller's scopes (``req.authorize(params)``):

- a string: each ``<name>`` is replaced by the parameter ``name``, which must
  be a string or a number (numbers as JavaScript writes them);
- ``{"AllOf": [...]}``, ``{"AnyOf": [...]}``: each member expanded; a member
  that expands to a list (a ``for``) is spliced in, one that expands to
  nothing (an ``if`` without ``else``) is left out;
- ``{"for": "x", "in": "xs", "each": "...<x>..."}``: the parameter ``xs``
  must be an array; ``each`` is expanded once per element, with ``x`` bound
  to it, and the results are spliced into the enclosing AllOf/AnyOf;
- ``{"if": "b", "then": ..., "else": ...}``: the parameter ``b`` must be
  ``True`` or ``False`` (no truthiness); without ``else``, False gives no
  expression (at the top: the call needs no scopes).

A parameter that is absent (or None) raises :class:`MissingScopeParameter`,
one of the wrong type a :class:`TaskclusterInputError`; both name it.

:func:`compile` turns a template into a :class:`Template` once;
:meth:`Template.render` fills it.  The per-method parameters (which the
services derive from the payload) and the entry points
(:func:`expressionFor`, :func:`requiredScopes`) in ``_requiredscopes``.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from .exceptions import MissingScopeParameter, TaskclusterInputError

__all__ = ["Template", "compile", "js_number"]

# As expressions.js: a parameter is <[a-zA-Z][a-zA-Z0-9_]*>; anything else
# in angle brackets is text.
_PARAM = re.compile(r"<([a-zA-Z][a-zA-Z0-9_]*)>")

_Render = Callable[[Mapping[str, Any], "_Context"], Any]


class _Context:
    """Who is asking, for the errors: ``label`` ("Queue.createTask"),
    ``service`` ("queue"), and ``hint(param)``, where the parameter comes
    from (a sentence, or "")."""
    __slots__ = ("label", "service", "hint")

    def __init__(self, label: str, service: str,
                 hint: Callable[[str], str] = lambda name: "") -> None:
        self.label, self.service, self.hint = label, service, hint

    def missing(self, name: str, wanted: str) -> MissingScopeParameter:
        hint = self.hint(name)
        return MissingScopeParameter(
            "%s: its scope expression needs the parameter %r (%s), which was not given%s"
            % (self.label, name, wanted, "; " + hint if hint else ""),
            method=self.label, argument=name, parameter=name, service=self.service)

    def wrong(self, name: str, wanted: str, value: Any) -> TaskclusterInputError:
        return TaskclusterInputError(
            "%s: the scope parameter %r must be %s, not %s"
            % (self.label, name, wanted, _kind(value)), method=self.label, argument=name)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "the boolean %s" % ("true" if value else "false")
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return "a " + type(value).__name__


def js_number(value: Any) -> str:
    """A number as JavaScript's ``String()`` writes it (ECMAScript's
    Number::toString): 2.0 -> "2", 1e-7 -> "1e-7", 1e21 -> "1e+21"."""
    if isinstance(value, int) and abs(value) < 10 ** 21:
        return str(value)
    value = float(value)
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    # repr gives the shortest digits that round-trip, as JavaScript's do
    from decimal import Decimal
    _, digit_tuple, exponent = Decimal(repr(abs(value))).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    k = len(digits)
    n = int(exponent) + len(digit_tuple)        # the decimal point's place
    sign = "-" if value < 0 else ""
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + digits
    e = n - 1
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return "%s%se%s%d" % (sign, mantissa, "+" if e >= 0 else "-", abs(e))


def _string_value(name: str, params: Mapping[str, Any], ctx: _Context) -> str:
    value = params.get(name)
    if type(value) is str:
        return value
    if value is None:
        raise ctx.missing(name, "a string")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return js_number(value)
    raise ctx.wrong(name, "a string or a number", value)


def _compile_string(text: str) -> _Render:
    parts = _PARAM.split(text)
    if len(parts) == 1:
        return lambda params, ctx: text
    if len(parts) == 3 and not parts[0] and not parts[2]:
        name = parts[1]
        return lambda params, ctx: _string_value(name, params, ctx)
    pieces: Tuple[str, ...] = tuple(parts)

    def render(params: Mapping[str, Any], ctx: _Context) -> str:
        out = list(pieces)
        for i in range(1, len(out), 2):
            out[i] = _string_value(pieces[i], params, ctx)
        return "".join(out)
    return render


def _compile_list(key: str, members: List[_Render]) -> _Render:
    def render(params: Mapping[str, Any], ctx: _Context) -> Dict[str, list]:
        out: list = []
        for member in members:
            value = member(params, ctx)
            if value is None:
                continue
            if type(value) is list:
                out.extend(value)
            else:
                out.append(value)
        return {key: out}
    return render


def _compile_for(var: str, over: str, each: _Render) -> _Render:
    def render(params: Mapping[str, Any], ctx: _Context) -> list:
        values = params.get(over)
        if values is None:
            raise ctx.missing(over, "an array")
        if not isinstance(values, (list, tuple)):
            raise ctx.wrong(over, "an array", values)
        nested = dict(params)
        out = []
        for value in values:
            nested[var] = value
            out.append(each(nested, ctx))
        return out
    return render


def _compile_if(cond: str, then: _Render, otherwise: Optional[_Render]) -> _Render:
    def render(params: Mapping[str, Any], ctx: _Context) -> Any:
        value = params.get(cond)
        if value is True:
            return then(params, ctx)
        if value is False:
            return otherwise(params, ctx) if otherwise is not None else None
        if value is None:
            raise ctx.missing(cond, "true or false")
        raise ctx.wrong(cond, "true or false", value)
    return render


def _merge(into: Dict[str, str], more: Mapping[str, str]) -> Dict[str, str]:
    # expressions.js's mergeParams: a parameter used as two types is an error
    for name, kind in more.items():
        if into.get(name, kind) != kind:
            raise ValueError("scope template parameter %r cannot be both %s and %s"
                             % (name, kind, into[name]))
        into[name] = kind
    return into


def _compile(template: Any) -> Tuple[_Render, Dict[str, str]]:
    """The renderer of ``template`` and its parameters ({name: type}, type
    one of "string", "array", "boolean"), as expressions.js's compileTemplate
    and extractParams."""
    if isinstance(template, str):
        names = _PARAM.findall(template)
        return _compile_string(template), {n: "string" for n in names}
    if not isinstance(template, Mapping):
        raise ValueError("a scope template is a string or an object, not %r" % (template,))
    keys = set(template)
    if keys in ({"AllOf"}, {"AnyOf"}):
        key = "AllOf" if "AllOf" in keys else "AnyOf"
        members: List[_Render] = []
        params: Dict[str, str] = {}
        for t in template[key]:
            render, p = _compile(t)
            members.append(render)
            _merge(params, p)
        return _compile_list(key, members), params
    if keys == {"for", "in", "each"}:
        each, inner = _compile(template["each"])
        params = {template["in"]: "array"}
        params[template["for"]] = "string"       # one key if "for" and "in" are the same
        _merge(params, inner)
        del params[template["for"]]              # bound here, not a parameter
        return _compile_for(template["for"], template["in"], each), params
    if keys in ({"if", "then"}, {"if", "then", "else"}):
        then, branches = _compile(template["then"])
        branches = dict(branches)
        otherwise = None
        if "else" in template:
            otherwise, p = _compile(template["else"])
            _merge(branches, p)
        return (_compile_if(template["if"], then, otherwise),
                _merge({template["if"]: "boolean"}, branches))
    raise ValueError("not a scope template: an object with keys %s" % sorted(keys))


class Template:
    """A compiled scope expression template: ``params`` names its parameters
    ({name: "string" | "array" | "boolean"}); :meth:`render` fills it."""
    __slots__ = ("template", "params", "_render")

    def __init__(self, template: Any) -> None:
        self.template = template
        self._render, self.params = _compile(template)

    def render(self, params: Mapping[str, Any], label: str = "scope template",
               service: str = "", hint: Callable[[str], str] = lambda name: "") -> Any:
        """The expression with ``params`` filled in: a string, an
        ``{"AllOf"|"AnyOf": [...]}`` dict, or None (an ``if`` without
        ``else`` whose condition is false: no scopes are needed).  ``label``
        and ``service`` name the method in errors, ``hint(param)`` says where
        a missing parameter would come from."""
        return self._render(params, _Context(label, service, hint))


def compile(template: Any) -> Template:   # noqa: A001 - named for what it does, as re.compile
    """A :class:`Template` for a reference's ``scopes`` value."""
    return Template(template)
