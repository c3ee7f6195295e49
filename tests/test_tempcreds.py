"""Temporary credentials: the certificate's structure, its signature checked
with an independent HMAC, the limits, and a real signed call with them."""

import base64
import datetime as dt
import hashlib
import hmac
import json
import re

import pytest
from hawkcheck import verify_request

import taskcluster
from taskcluster import TaskclusterInputError
from taskcluster._tempcreds import MAX_SPAN_MS, to_millis

ISSUER, KEY = "issuer", "the-issuers-access-token"
START = dt.datetime(2026, 11, 24, 10, 0, 0, 123000, tzinfo=dt.timezone.utc)
START_MS = 1795514400123
EXPIRY = START + dt.timedelta(hours=1)
SCOPES = ["queue:create-task:*", "ü:scope"]


def create(**kw):
    args = {"clientId": ISSUER, "accessToken": KEY, "start": START, "expiry": EXPIRY,
            "scopes": SCOPES}
    args.update(kw)
    return taskcluster.createTemporaryCredentials(**args)


def expected_signature(cert, name=None):
    """The signature as Taskcluster's auth service checks it, written out here."""
    lines = ["version:1"]
    if name:
        lines += ["clientId:" + name, "issuer:" + ISSUER]
    lines += ["seed:" + cert["seed"], f"start:{cert['start']}",
              f"expiry:{cert['expiry']}", "scopes:"]
    text = "\n".join(lines) + "\n" + "\n".join(cert["scopes"])
    digest = hmac.new(KEY.encode(), text.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def test_unnamed_credentials():
    creds = create()
    assert list(creds) == ["clientId", "accessToken", "certificate"]
    assert creds["clientId"] == ISSUER
    text = creds["certificate"]
    cert = json.loads(text)
    assert list(cert) == ["version", "scopes", "start", "expiry", "seed", "signature"]
    assert text == json.dumps(cert, separators=(",", ":"), ensure_ascii=False)
    assert cert["version"] == 1 and cert["scopes"] == SCOPES
    assert (cert["start"], cert["expiry"]) == (START_MS, START_MS + 3600 * 1000)
    assert re.fullmatch(r"[A-Za-z0-9_-]{44}", cert["seed"])   # two slug ids
    assert cert["signature"] == expected_signature(cert)


def test_named_credentials_carry_the_issuer():
    creds = create(name="worker/1")
    assert creds["clientId"] == "worker/1"
    cert = json.loads(creds["certificate"])
    assert list(cert) == ["version", "scopes", "start", "expiry", "seed", "signature",
                          "issuer"]
    assert cert["issuer"] == ISSUER
    assert cert["signature"] == expected_signature(cert, name="worker/1")
    assert cert["signature"] != expected_signature(cert)


def test_access_token_is_the_unpadded_base64url_hmac_of_the_seed():
    creds = create()
    seed = json.loads(creds["certificate"])["seed"]
    digest = hmac.new(KEY.encode(), seed.encode(), hashlib.sha256).digest()
    assert creds["accessToken"] == base64.urlsafe_b64encode(digest).decode().rstrip("=")
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", creds["accessToken"])


def test_a_pinned_seed_gives_the_same_credentials_and_a_fresh_one_differs():
    assert create(seed="s" * 44) == create(seed="s" * 44)
    assert create() != create()
    assert json.loads(create(seed="x" * 44)["certificate"])["seed"] == "x" * 44


def test_naive_datetimes_are_utc_and_aware_ones_are_converted():
    naive = create(start=START.replace(tzinfo=None), expiry=EXPIRY.replace(tzinfo=None),
                   seed="s")
    other_zone = dt.timezone(dt.timedelta(hours=-5))
    aware = create(start=START.astimezone(other_zone), expiry=EXPIRY.astimezone(other_zone),
                   seed="s")
    assert naive == aware == create(seed="s")


def test_thirty_one_days_at_most():
    limit = START + dt.timedelta(days=31)
    assert json.loads(create(expiry=limit)["certificate"])["expiry"] - START_MS == MAX_SPAN_MS
    with pytest.raises(TaskclusterInputError, match="31 days") as info:
        create(expiry=limit + dt.timedelta(milliseconds=1))
    assert info.value.argument == "expiry"


@pytest.mark.parametrize("kw,argument", [
    ({"name": ISSUER}, "name"),
    ({"certificate": '{"version":1}'}, "certificate"),
    ({"scopes": "queue:*"}, "scopes"),
    ({"scopes": [1]}, "scopes"),
    ({"clientId": ""}, "clientId"),
    ({"accessToken": None}, "accessToken"),
    ({"name": 7}, "name"),
    ({"start": "2026-11-24"}, "start"),
])
def test_refusals_name_the_argument(kw, argument):
    with pytest.raises(TaskclusterInputError) as info:
        create(**kw)
    assert info.value.argument == argument
    assert str(info.value).startswith("createTemporaryCredentials: ")
    assert KEY not in str(info.value)


def test_to_millis():
    assert to_millis(dt.datetime(1970, 1, 1, 0, 0, 1, 999999)) == 1999
    assert to_millis(START) == START_MS
    assert to_millis(5) == 5
    with pytest.raises(TaskclusterInputError):
        to_millis(True)


def test_temporary_credentials_sign_a_real_call(server):
    now = dt.datetime.now(dt.timezone.utc)
    creds = create(start=now - dt.timedelta(minutes=5), expiry=now + dt.timedelta(hours=1),
                   name="temp-client")
    with taskcluster.Queue({"rootUrl": server.url, "credentials": creds,
                            "authorizedScopes": ["queue:create-task:*"]}) as queue:
        queue.createTask("abc", {"x": 1})
    rec = server.requests[0]
    receiver = verify_request(server, rec, "temp-client", creds["accessToken"])
    ext = json.loads(base64.b64decode(receiver.parsed_header["ext"]))
    assert list(ext) == ["certificate", "authorizedScopes"]
    # the certificate travels as a JSON object, not as a string
    assert ext["certificate"] == json.loads(creds["certificate"])
    assert ext["authorizedScopes"] == ["queue:create-task:*"]
