"""Hawk signing: headers and bewits checked by structure, by an independent
HMAC, and by mohawk's own verifiers."""

import base64
import binascii
import hashlib
import hmac
import itertools
import json
import re

import mohawk
import pytest
from hawkcheck import (
    decode_bewit,
    mohawk_bewit_url,
    parse_header,
    verify_bewit,
    verify_header,
    verify_request,
)
from loopback import Reply
from mohawk.bewit import parse_bewit
from mohawk.exc import MacMismatch, TokenExpired

import taskcluster
from taskcluster._hawk import (
    authorization_header,
    bewit,
    compact_json,
    make_ext,
    parse_certificate,
    random_nonce,
)

ID, KEY = "tester", "a-key-not-a-secret"
TS = 1700000000
URL = "https://tc.example.com/api/queue/v1/task/abc?x=1"
CERT = {"version": 1, "scopes": ["a"], "start": 1, "expiry": 2, "seed": "s",
        "signature": "sig", "issuer": "boss"}


def hawk_mac(kind, ts, nonce, method, resource, host, port, ext=""):
    """The Hawk 1 MAC, computed here from the specification, not by mohawk."""
    normalized = f"hawk.1.{kind}\n{ts}\n{nonce}\n{method}\n{resource}\n{host}\n{port}\n\n{ext}\n"
    digest = hmac.new(KEY.encode(), normalized.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


# -- ext -----------------------------------------------------------------------------

def test_no_ext_without_certificate_or_authorized_scopes():
    assert make_ext(None, None) is None
    assert make_ext({}, None) is None


def test_ext_is_standard_base64_of_compact_json_in_node_key_order():
    scopes = ["a?", "x~~~", "ü"]
    ext = make_ext(CERT, scopes)
    # these scopes make base64 use the characters where the alphabets differ
    assert "+" in ext or "/" in ext
    raw = base64.b64decode(ext, validate=True)   # strict standard alphabet
    assert base64.b64encode(raw).decode() == ext  # padded, as Node's Buffer
    text = raw.decode("utf-8")
    assert list(json.loads(text)) == ["certificate", "authorizedScopes"]
    assert json.loads(text) == {"certificate": CERT, "authorizedScopes": scopes}
    assert text == json.dumps({"certificate": CERT, "authorizedScopes": scopes},
                              separators=(",", ":"), ensure_ascii=False)
    assert "ü" in text  # UTF-8, not \\u escapes


def test_ext_with_one_part_only():
    only_scopes = json.loads(base64.b64decode(make_ext(None, ["s"])))
    assert only_scopes == {"authorizedScopes": ["s"]}
    only_cert = json.loads(base64.b64decode(make_ext(CERT, None)))
    assert only_cert == {"certificate": CERT}
    # an empty list still restricts (to nothing): it is sent, as Node sends []
    assert json.loads(base64.b64decode(make_ext(None, []))) == {"authorizedScopes": []}


# -- Authorization header ------------------------------------------------------------

def test_header_attributes_in_node_order_without_hash():
    header = authorization_header("GET", URL, ID, KEY, make_ext(None, ["s"]),
                                  ts=TS, nonce="abc123")
    assert [name for name, _ in parse_header(header)] == ["id", "ts", "nonce", "ext", "mac"]
    header = authorization_header("GET", URL, ID, KEY, None, ts=TS, nonce="abc123")
    attrs = parse_header(header)
    assert [name for name, _ in attrs] == ["id", "ts", "nonce", "mac"]
    assert dict(attrs)["id"] == ID and dict(attrs)["ts"] == str(TS)
    assert re.fullmatch(r'Hawk id="[^"]+", ts="\d+", nonce="[^"]+", mac="[A-Za-z0-9+/]+="',
                        header)


def test_pinned_ts_and_nonce_give_a_deterministic_header():
    def make(nonce):
        return authorization_header("POST", URL, ID, KEY, "ZXh0", ts=TS, nonce=nonce)

    assert make("n1") == make("n1")
    assert make("n1") != make("n2")


@pytest.mark.parametrize("method,url,ext,resource,host,port", [
    ("GET", "https://tc.example.com/api/queue/v1/ping", None,
     "/api/queue/v1/ping", "tc.example.com", 443),
    ("POST", "http://TC.example.com:8080/api/x/v1/a%2Fb?q=a%20b&r=1", "ZXh0",
     "/api/x/v1/a%2Fb?q=a%20b&r=1", "tc.example.com", 8080),
    ("DELETE", "http://127.0.0.1/it's", None, "/it%27s", "127.0.0.1", 80),
])
def test_mac_is_the_hawk_mac_of_the_request(method, url, ext, resource, host, port):
    header = authorization_header(method, url, ID, KEY, ext, ts=TS, nonce="Nonce1")
    assert dict(parse_header(header))["mac"] == \
        hawk_mac("header", TS, "Nonce1", method, resource, host, port, ext or "")


def test_mohawk_receiver_accepts_the_header():
    ext = make_ext(CERT, ["queue:*"])
    header = authorization_header("PUT", URL, ID, KEY, ext, ts=TS, nonce="xyz")
    receiver = verify_header(header, URL, "PUT", ID, KEY, body=b'{"a":1}',
                             content_type="application/json", now=TS)
    assert receiver.parsed_header["ext"] == ext
    # ... and refuses it for another URL, method or key
    with pytest.raises(MacMismatch):
        verify_header(header, URL + "2", "PUT", ID, KEY, now=TS)
    with pytest.raises(MacMismatch):
        verify_header(header, URL, "POST", ID, KEY, now=TS)
    with pytest.raises(MacMismatch):
        verify_header(header, URL, "PUT", ID, KEY + "x", now=TS)


def test_clock_and_nonce_are_injectable():
    header = authorization_header("GET", URL, ID, KEY, clock=lambda: TS + 0.999)
    attrs = dict(parse_header(header))
    assert attrs["ts"] == str(TS)
    assert re.fullmatch(r"[A-Za-z0-9_-]{6}", attrs["nonce"])
    verify_header(header, URL, "GET", ID, KEY, now=TS)


def test_default_nonce_is_six_url_safe_characters_and_fresh():
    nonces = {random_nonce() for _ in range(200)}
    assert len(nonces) == 200
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{6}", n) for n in nonces)


def test_default_clock_is_the_real_time():
    header = authorization_header("GET", URL, ID, KEY)
    verify_header(header, URL, "GET", ID, KEY)   # within mohawk's 60 s skew


# -- through a client, against the loopback server ----------------------------------

def test_each_attempt_is_signed_afresh(server):
    server.plan(Reply(503), Reply(503))
    nonces = itertools.count()
    queue = taskcluster.Queue({"rootUrl": server.url,
                               "credentials": {"clientId": ID, "accessToken": KEY}},
                              sleep=lambda s: None, random=lambda: 0.5,
                              nonce=lambda: f"n{next(nonces):05d}")
    with queue:
        queue.createTask("abc", {"a": 1})
    assert len(server.requests) == 3
    seen = []
    for rec in server.requests:
        receiver = verify_request(server, rec, ID, KEY)
        seen.append(receiver.parsed_header["nonce"])
    assert seen == ["n00000", "n00001", "n00002"]


def test_each_attempt_gets_a_fresh_default_nonce(server):
    server.plan(Reply(500), Reply(502), Reply(503))
    queue = taskcluster.Queue({"rootUrl": server.url,
                               "credentials": {"clientId": ID, "accessToken": KEY}},
                              sleep=lambda s: None, random=lambda: 0.5)
    with queue:
        queue.ping()
    headers = [rec.headers["authorization"] for rec in server.requests]
    assert len(headers) == 4
    assert len({dict(parse_header(h))["nonce"] for h in headers}) == 4
    for rec in server.requests:
        verify_request(server, rec, ID, KEY)


def test_pinned_clock_and_nonce_through_a_client(server):
    queue = taskcluster.Queue({"rootUrl": server.url,
                               "credentials": {"clientId": ID, "accessToken": KEY},
                               "authorizedScopes": ["queue:get-artifact:*"]},
                              clock=lambda: TS + 0.5, nonce=lambda: "pinned")
    with queue:
        queue.getArtifact("t", 0, "it's/here")
        queue.getArtifact("t", 0, "it's/here")
    first, second = server.requests
    assert first.headers["authorization"] == second.headers["authorization"]
    attrs = dict(parse_header(first.headers["authorization"]))
    assert (attrs["ts"], attrs["nonce"]) == (str(TS), "pinned")
    assert json.loads(base64.b64decode(attrs["ext"])) == \
        {"authorizedScopes": ["queue:get-artifact:*"]}
    # the quote travels escaped, as it was signed
    assert first.path == "/api/queue/v1/task/t/runs/0/artifacts/it%27s%2Fhere"
    verify_request(server, first, ID, KEY, now=TS)


def test_no_authorization_header_without_credentials(server):
    with taskcluster.Queue({"rootUrl": server.url, "authorizedScopes": ["a"]}) as queue:
        queue.ping()
    assert "authorization" not in server.requests[0].headers


# -- bewits -------------------------------------------------------------------------

def test_bewit_is_unpadded_base64url_of_id_exp_mac_ext():
    ext = make_ext(None, ["s"])
    for cid in ("a", "ab", "abc"):
        b = bewit(URL, cid, KEY, 900, ext, now=TS + 0.7)
        assert re.fullmatch(r"[A-Za-z0-9_-]+", b)      # no '=', no '+', no '/'
        got_id, exp, mac, got_ext = decode_bewit(b)
        assert (got_id, exp, got_ext) == (cid, str(TS + 900), ext)
        assert mac == hawk_mac("bewit", TS + 900, "", "GET", "/api/queue/v1/task/abc?x=1",
                               "tc.example.com", 443, ext)


def test_bewit_without_ext_ends_with_an_empty_part():
    assert decode_bewit(bewit(URL, ID, KEY, 60, None, now=TS))[3] == ""


def test_bewit_clock_is_injectable():
    assert decode_bewit(bewit(URL, ID, KEY, 60, clock=lambda: TS))[1] == str(TS + 60)


def test_mohawk_reads_bewits_only_padded_and_in_the_standard_alphabet():
    lengths = set()
    for cid in ("a", "ab", "abc"):
        b = bewit(URL, cid, KEY, 900, now=TS)
        lengths.add(len(b) % 4)
        if len(b) % 4:
            with pytest.raises(binascii.Error):
                parse_bewit(b)
        url = URL + "&bewit=" + b
        fixed = parse_bewit(mohawk_bewit_url(url).split("bewit=")[1])
        assert list(fixed) == decode_bewit(b)
    assert lengths != {0}   # the unpadded case did occur


def test_mohawk_check_bewit_accepts_the_bewit_until_it_expires():
    ext = make_ext(CERT, None)
    b = bewit(URL, ID, KEY, 900, ext, now=TS)
    url = URL + "&bewit=" + b
    assert verify_bewit(url, ID, KEY, now=TS)
    assert verify_bewit(url, ID, KEY, now=TS + 900)
    with pytest.raises(TokenExpired):
        verify_bewit(url, ID, KEY, now=TS + 901)
    with pytest.raises(MacMismatch):
        verify_bewit(url.replace("task/abc", "task/abd"), ID, KEY, now=TS)
    with pytest.raises(mohawk.exc.HawkFail):
        verify_bewit(url, ID, "another key", now=TS)


# -- certificates and JSON ----------------------------------------------------------

def test_parse_certificate():
    assert parse_certificate(None) is None
    assert parse_certificate("") is None
    assert parse_certificate(CERT) is CERT
    assert parse_certificate(json.dumps(CERT)) == CERT
    assert parse_certificate(json.dumps(CERT).encode()) == CERT


@pytest.mark.parametrize("bad", ['{"signature": "s3cr3t"', "[1, 2]", 42])
def test_parse_certificate_refuses_what_is_not_a_json_object(bad):
    with pytest.raises(ValueError) as info:
        parse_certificate(bad)
    assert "s3cr3t" not in str(info.value)


def test_compact_json_is_what_json_stringify_writes():
    assert compact_json({"a": 1, "b": "ü", "c": [True, None]}) == '{"a":1,"b":"ü","c":[true,null]}'
    with pytest.raises(ValueError):
        compact_json(float("nan"))
