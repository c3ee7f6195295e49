"""Scenarios on values computed without a server: the utilities
(``stringDate``, ``dumpJson``, ``fromNow``, ``slugId``, ...) and temporary
credentials (compared by structure: their seed is random)."""

from __future__ import annotations

import datetime
import importlib
import json
import re
import time

from observe import describe
from scenarios import T0, T0_UTC, scenario

SLUG = re.compile(r"^[A-Za-f][A-Za-z0-9_-]{7}[Q-T][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{10}[AQgw]$")


def _utils(ctx):
    return importlib.import_module("taskcluster.utils")


def _each(ctx, fn, cases):
    return {repr(case): ctx.call(fn, *case) for case in cases}


@scenario()
def util_stringDate(ctx):
    tz2 = datetime.timezone(datetime.timedelta(hours=2))
    return _each(ctx, ctx.tc.stringDate, [
        (T0,), (T0_UTC,), (T0.replace(microsecond=0),), (T0.replace(tzinfo=tz2),),
        (datetime.date(2026, 3, 4),)])


@scenario()
def util_dumpJson(ctx):
    return _each(ctx, ctx.tc.dumpJson, [
        ({"b": T0, "a": [T0_UTC, T0.replace(microsecond=0)], "c": b"bytes", "d": "é"},),
        ({"date": datetime.date(2026, 3, 4)},),
        ([1, 2.5, None, True],)])


@scenario()
def util_fromNow(ctx):
    cases = ["1 day", "-2 hours", "3 months", "1 year", "2w", "1d 2h 3m 4s", " 5 minutes",
             "-1 y", "nonsense"]
    return {case: ctx.call(ctx.tc.fromNow, case, T0_UTC) for case in cases}


@scenario()
def util_fromNow_default_now(ctx):
    """Without a reference time: the result's distance from now, and tz."""
    def run():
        value = ctx.tc.fromNow("1 hour")
        now = datetime.datetime.now(value.tzinfo) if value.tzinfo else datetime.datetime.utcnow()
        return {"seconds_ahead": round((value - now).total_seconds() / 60) * 60,
                "aware": value.tzinfo is not None}
    return ctx.attempt(run)


@scenario()
def util_fromNowJSON(ctx):
    def run():
        value = ctx.tc.fromNowJSON("1 day")
        return {"type": type(value).__name__,
                "pattern": re.sub(r"\d", "9", value)}
    return ctx.attempt(run)


@scenario()
def util_slugId(ctx):
    def run():
        ids = [ctx.tc.slugId() for _ in range(50)]
        stable = ctx.tc.stableSlugId()
        return {"type": type(ids[0]).__name__, "length": sorted({len(i) for i in ids}),
                "nice": all(SLUG.match(i) for i in ids), "distinct": len(set(ids)),
                "stable_same": stable("a") == stable("a"), "stable_differs": stable("a") != stable("b")}
    return ctx.attempt(run)


@scenario()
def util_isExpired(ctx):
    now_ms = int(time.time() * 1000)
    cases = {"in an hour": {"expiry": now_ms + 3_600_000},
             "an hour ago": {"expiry": now_ms - 3_600_000},
             "in 10 minutes": {"expiry": now_ms + 600_000},
             "in an hour, as JSON text": json.dumps({"expiry": now_ms + 3_600_000}),
             "no expiry": {}}
    return {label: ctx.call(ctx.tc.isExpired, cert) for label, cert in cases.items()}


@scenario()
def util_toStr(ctx):
    return _each(ctx, ctx.tc.toStr, [(b"bytes",), ("str",), (12,), (None,), ("é".encode(),)])


@scenario()
def util_b64(ctx):
    return {
        "makeB64UrlSafe": _each(ctx, ctx.tc.makeB64UrlSafe, [("a+b/c=",), (b"a+b/c=",)]),
        "makeB64UrlUnsafe": _each(ctx, ctx.tc.makeB64UrlUnsafe, [("a-b_c=",), (b"a-b_c=",)]),
        "encodeStringForB64Header": _each(ctx, ctx.tc.encodeStringForB64Header,
                                          [("x" * 100,), (b"\x00\xff",)]),
    }


@scenario()
def util_scopeMatch(ctx):
    return _each(ctx, ctx.tc.scopeMatch, [
        (["a:*"], [["a:b", "a:c"]]), (["a:b"], [["a:b", "a:c"]]), (["a:b"], [["a:c"], ["a:b"]]),
        ([], [[]]), ([], []), (["*"], [["anything"]]), (["a"], "a"), (["a"], ["a"])])


@scenario()
def util_scope_match_deprecated(ctx):
    return ctx.attempt(lambda: ctx.tc.scope_match(["a:*"], [["a:b"]]))


@scenario()
def util_calculateSleepTime(ctx):
    def run():
        out = {}
        for attempt in (-1, 0, 1, 2, 5, 20):
            values = [ctx.tc.calculateSleepTime(attempt) for _ in range(200)]
            out[str(attempt)] = [round(min(values), 1), round(max(values), 1)]
        return out
    return ctx.attempt(run)


@scenario()
def util_constants(ctx):
    return {n: describe(getattr(ctx.tc, n, "missing"))
            for n in ("MAX_RETRIES", "DELAY_FACTOR", "RANDOMIZATION_FACTOR", "MAX_DELAY")}


# -- temporary credentials ----------------------------------------------------

def _cred_structure(creds):
    """Types, fixed fields and lengths (the seed is random)."""
    out = {"keys": sorted(creds)}
    for key, value in creds.items():
        out[key + ".type"] = type(value).__name__
    out["clientId"] = describe(creds["clientId"])
    token = creds["accessToken"]
    token = token.decode() if isinstance(token, bytes) else token
    out["accessToken.length"] = len(token)
    out["accessToken.urlsafe"] = bool(re.match(r"^[A-Za-z0-9_-]+$", token))
    cert = creds["certificate"]
    cert = json.loads(cert) if isinstance(cert, (str, bytes)) else cert
    out["certificate.keys"] = sorted(cert)
    for key in ("version", "scopes", "start", "expiry", "issuer"):
        out["certificate." + key] = describe(cert.get(key, "<absent>"))
    out["certificate.seed.length"] = len(cert["seed"])
    out["certificate.signature.length"] = len(cert["signature"])
    return out


@scenario()
def cred_temporary_unnamed(ctx):
    return ctx.attempt(lambda: _cred_structure(ctx.tc.createTemporaryCredentials(
        "issuer", "issuer-token", T0_UTC, T0_UTC + datetime.timedelta(hours=1), ["queue:*"])))


@scenario()
def cred_temporary_named(ctx):
    return ctx.attempt(lambda: _cred_structure(ctx.tc.createTemporaryCredentials(
        "issuer", "issuer-token", T0, T0 + datetime.timedelta(days=2), ["a", "b:*"],
        name="my-temp")))


@scenario()
def cred_temporary_refused(ctx):
    mk = ctx.tc.createTemporaryCredentials
    return {"over_31_days": ctx.attempt(lambda: mk("i", "t", T0, T0 + datetime.timedelta(days=32),
                                                   ["a"])),
            "non_str_scope": ctx.attempt(lambda: mk("i", "t", T0, T0 + datetime.timedelta(days=1),
                                                    [1]))}


@scenario()
def cred_temporary_from_client_module(ctx):
    client = importlib.import_module("taskcluster.client")
    return ctx.attempt(lambda: _cred_structure(client.createTemporaryCredentials(
        "issuer", "issuer-token", T0_UTC, T0_UTC + datetime.timedelta(hours=1), ["queue:*"])))


@scenario()
def cred_temporary_used_by_client(ctx):
    """Temporary credentials given to a client: the Hawk ext carries the
    certificate (its random parts are compared by shape by the runner)."""
    def run():
        creds = ctx.tc.createTemporaryCredentials(
            "issuer", "issuer-token", T0_UTC, T0_UTC + datetime.timedelta(hours=1), ["queue:*"])
        return ctx.tc.Queue(ctx.options(credentials=creds)).task("abc")
    return ctx.attempt(run)
