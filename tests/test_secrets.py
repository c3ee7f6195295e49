"""Secrets kept: for permanent and temporary credentials, the accessToken,
the certificate (and its signature), the Authorization headers (and their
MACs and ``ext``) and bewits appear in no exception (message, repr, args,
fields, pickle, formatted traceback with its whole chain), no ``repr`` of a
client or its options, and no log record of any logger at DEBUG.

Every call path that can speak is driven: successes, retries, 4xx and 5xx
answers, resets, truncations, timeouts, refused connections, signed URLs,
and refusals of bad input and of bad credentials.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import pickle
import traceback

import pytest
from loopback import Hang, Reply, Reset, Truncate, closed_port
from hawkcheck import hawk_attrs

import taskcluster
from taskcluster import TaskclusterFailure

ISSUER = {"clientId": "issuer-client", "accessToken": "ISSUERsecretTOKENaaaaaaaaaaaaaaaaaaaaaaaaa"}
PERMANENT = {"clientId": "permanent-client",
             "accessToken": "PERMANENTsecretTOKENbbbbbbbbbbbbbbbbbbbbbbbbbbb"}
NOW = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def temporary(name=None) -> dict:
    return taskcluster.createTemporaryCredentials(
        ISSUER["clientId"], ISSUER["accessToken"], NOW - dt.timedelta(minutes=5),
        NOW + dt.timedelta(hours=1), ["queue:*", "index:*"], name)


CREDENTIALS = {
    "permanent": (PERMANENT, None),
    "permanent-authorized-scopes": (PERMANENT, ["queue:get-task:*"]),
    "temporary": (temporary(), None),
    "temporary-named": (temporary("named-temp-client"), None),
    "temporary-authorized-scopes": (temporary(), ["queue:get-task:*"]),
}

LOGGERS = ["taskcluster", "urllib3", "urllib3.connectionpool", "requests", "mohawk"]


def static_secrets(creds: dict) -> set[str]:
    found = {creds["accessToken"], ISSUER["accessToken"], PERMANENT["accessToken"]}
    if "certificate" in creds:
        found.add(creds["certificate"])
        found.add(json.loads(creds["certificate"])["signature"])
    return found


def wire_secrets(server, bewits) -> set[str]:
    """What the client sent or made that must stay on the wire."""
    found = set()
    for rec in server.requests:
        header = rec.headers.get("authorization")
        if header:
            attrs = hawk_attrs(header)
            found |= {header, header[len("Hawk "):], attrs["mac"]}
            if "ext" in attrs:
                found.add(attrs["ext"])
    for url in bewits:
        bewit = url.split("bewit=", 1)[1]
        found.add(bewit)
    return found


def chain(e: BaseException):
    seen = []
    while e is not None and e not in seen:
        seen.append(e)
        e = e.__cause__ or e.__context__
    return seen


def exception_texts(e: BaseException) -> list[str]:
    texts = ["".join(traceback.format_exception(type(e), e, e.__traceback__))]
    for link in chain(e):
        texts += [str(link), repr(link), repr(link.args)]
    if isinstance(e, TaskclusterFailure):
        texts.append(repr(vars(e)))
        texts.append(repr(pickle.dumps(e)))
    return texts


def log_texts(records) -> list[str]:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    texts = []
    for record in records:
        texts += [formatter.format(record), record.getMessage(), repr(record.args),
                  repr(vars(record))]
    return texts


def assert_kept(texts, secrets) -> None:
    for secret in secrets:
        assert secret
        leaks = [t for t in texts if secret in t]
        assert not leaks, "secret %r leaked in %r" % (secret[:12] + "...", leaks[0][:300])


@pytest.fixture
def debug_logs(caplog):
    caplog.set_level(logging.DEBUG)  # the root logger, where every record propagates
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.mark.parametrize("kind", CREDENTIALS)
def test_secrets_stay_out_of_exceptions_reprs_and_logs(server, debug_logs, kind):
    creds, scopes = CREDENTIALS[kind]
    options = {"rootUrl": server.url, "credentials": dict(creds), "maxRetries": 1,
               "timeout": 0.2}
    if scopes:
        options["authorizedScopes"] = scopes
    texts: list[str] = []
    errors: list[BaseException] = []

    def expect_failure(fn):
        with pytest.raises(TaskclusterFailure) as info:
            fn()
        errors.append(info.value)

    with taskcluster.Queue(options, sleep=lambda s: None) as queue, \
            taskcluster.Queue(dict(options, rootUrl="http://127.0.0.1:%d" % closed_port()),
                              sleep=lambda s: None) as refused:
        texts += [repr(queue), str(queue), repr(queue.options), str(queue.options),
                  repr(refused), repr(refused.options)]
        # answers
        assert queue.task("abc")["target"] == "/api/queue/v1/task/abc"
        assert queue.createTask("abc", {"note": "hello"})["method"] == "PUT"
        server.plan(Reply(503), Reply(200, {"taskId": "abc"}))
        assert queue.task("abc") == {"taskId": "abc"}
        # failures of every kind
        server.plan(Reply(503, {"code": "Busy", "message": "later"}), Reply(500))
        expect_failure(lambda: queue.task("abc"))
        server.plan(Reply(401, {"code": "AuthenticationFailed", "message": "bad mac"}))
        expect_failure(lambda: queue.task("abc"))
        server.plan(Reply(404, "not json at all"))
        expect_failure(lambda: queue.task("abc"))
        server.plan(Reset(), Reset(after_headers=True))
        expect_failure(lambda: queue.task("abc"))
        server.plan(Truncate(), Hang(1))
        expect_failure(lambda: queue.task("abc"))
        expect_failure(lambda: refused.task("abc"))
        # refusals, with the secrets at hand
        expect_failure(lambda: queue.task(None))
        expect_failure(lambda: queue.createTask("abc", {"x": float("nan")}))
        expect_failure(lambda: queue.buildSignedUrl("task", "abc", expiration=-1))
        # signed URLs
        bewits = [queue.buildSignedUrl("task", "abc"),
                  queue.buildSignedUrl("listTaskGroup", "g", query={"limit": 2},
                                       expiration=60)]
        texts += [repr(queue), repr(queue.options)]

    for e in errors:
        texts += exception_texts(e)
    texts += log_texts(debug_logs.records)
    assert any(r.name == "taskcluster" and r.levelno == logging.DEBUG
               for r in debug_logs.records), "DEBUG logging was not captured"
    secrets = static_secrets(creds) | wire_secrets(server, bewits)
    assert len(wire_secrets(server, [])) >= 3 * len(server.requests)
    assert_kept(texts, secrets)


def bad_credentials():
    cert = temporary()["certificate"]
    signature = json.loads(cert)["signature"]
    token = "LEAKYsecretTOKENccccccccccccccccccccccc"
    return [
        ("token-with-newline", {"clientId": "c", "accessToken": token + "\n"}, {token}),
        ("token-with-quote", {"clientId": "c", "accessToken": token + '"'}, {token}),
        ("token-non-ascii", {"clientId": "c", "accessToken": token + "é"}, {token}),
        ("certificate-truncated", {"clientId": "c", "accessToken": token,
                                   "certificate": cert[:-1]}, {token, signature}),
        ("certificate-not-an-object", {"clientId": "c", "accessToken": token,
                                       "certificate": json.dumps([signature])},
         {token, signature}),
    ]


def half_credentials():
    cert = temporary()["certificate"]
    token = "LEAKYsecretTOKENccccccccccccccccccccccc"
    return [("token-without-client-id", {"accessToken": token}, {token}),
            ("certificate-without-token", {"clientId": "c", "certificate": cert},
             {json.loads(cert)["signature"]})]


@pytest.mark.parametrize("name, creds, secrets", bad_credentials(),
                         ids=[c[0] for c in bad_credentials()])
def test_refused_credentials_are_not_echoed(debug_logs, name, creds, secrets):
    with pytest.raises(TaskclusterFailure) as info:
        taskcluster.Queue({"rootUrl": "https://tc.example.com", "credentials": creds})
    assert_kept(exception_texts(info.value) + log_texts(debug_logs.records), secrets)


@pytest.mark.parametrize("name, creds, secrets", half_credentials(),
                         ids=[c[0] for c in half_credentials()])
def test_half_credentials_warn_without_echoing_them(debug_logs, name, creds, secrets):
    # Accepted as the package accepts them (calls go unauthenticated), with
    # one warning that shows none of what was given.
    taskcluster.Queue({"rootUrl": "https://tc.example.com", "credentials": creds})
    assert any(r.levelname == "WARNING" for r in debug_logs.records)
    assert_kept(log_texts(debug_logs.records), secrets)


def test_the_secret_search_finds_a_leak():
    """The checks above would see a secret if one were there."""
    with pytest.raises(AssertionError):
        assert_kept(["Hawk id=..., mac=SECRET"], {"SECRET"})
    e = TaskclusterFailure("a message")
    try:
        try:
            raise KeyError("SECRET")
        except KeyError:
            raise TaskclusterFailure("outer") from None
    except TaskclusterFailure as caught:
        e = caught
    assert any("SECRET" in t for t in exception_texts(e))
