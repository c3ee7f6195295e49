"""URL encoding as Node encodes it: encodeURIComponent, querystring.stringify,
the resource hawk signs, and the target that goes on the wire."""

import string

import pytest

from taskcluster._urls import (
    api_url,
    encode_uri_component,
    hawk_resource,
    split_url,
    stringify_query,
    wire_url,
)

# ECMA-262 encodeURIComponent leaves exactly these unescaped.
UNESCAPED = set(string.ascii_letters + string.digits + "-_.!~*'()")


def test_encode_uri_component_follows_the_ecmascript_unescaped_set():
    for code in range(0x80):
        ch = chr(code)
        expected = ch if ch in UNESCAPED else f"%{code:02X}"
        assert encode_uri_component(ch) == expected, repr(ch)


@pytest.mark.parametrize("value,encoded", [
    ("a/b", "a%2Fb"),
    ("a b", "a%20b"),
    ("ü", "%C3%BC"),
    ("€", "%E2%82%AC"),
    ("😀", "%F0%9F%98%80"),
    ("!*'()", "!*'()"),
    ("-_.~", "-_.~"),
    ("a+b=c&d?e#f:g@h;i,j$k", "a%2Bb%3Dc%26d%3Fe%23f%3Ag%40h%3Bi%2Cj%24k"),
    ("100%", "100%25"),
    ("", ""),
])
def test_encode_uri_component_examples(value, encoded):
    assert encode_uri_component(value) == encoded


def test_encode_uri_component_refuses_a_lone_surrogate_as_javascript_throws():
    with pytest.raises(UnicodeEncodeError):
        encode_uri_component("a\ud800b")


@pytest.mark.parametrize("query,expected", [
    ({"a": "x y"}, "a=x%20y"),
    ({"a": "x/y"}, "a=x%2Fy"),
    ({"a": "ü"}, "a=%C3%BC"),
    ({"a": "!*'()"}, "a=!*'()"),
    ({"a": 1, "b": "2"}, "a=1&b=2"),
    ({"b": 1, "a": 2}, "b=1&a=2"),               # insertion order, as Node
    ({"a": True, "b": False}, "a=true&b=false"),
    ({"a": ["x", "y z"]}, "a=x&a=y%20z"),
    ({"a": []}, ""),
    ({"a": None, "b": "1"}, "b=1"),               # None: not set
    ({"k y": "v"}, "k%20y=v"),
    ({"a": ""}, "a="),
    ({"a": 2.0}, "a=2"),                          # JavaScript has no 2.0
    ({"a": [1, None, "x"]}, "a=1&a=x"),           # None: not set, in a list too
])
def test_stringify_query_as_node_querystring(query, expected):
    assert stringify_query(query) == expected


@pytest.mark.parametrize("root", ["https://tc.example.com", "https://tc.example.com/"])
def test_api_url(root):
    assert api_url(root, "queue", "v1", "/task/x") == \
        "https://tc.example.com/api/queue/v1/task/x"
    assert api_url(root, "queue", "v1", "ping") == "https://tc.example.com/api/queue/v1/ping"


@pytest.mark.parametrize("url,parts", [
    ("https://TC.Example.com/a/b?c=d", ("https", "tc.example.com", 443, "/a/b", "c=d")),
    ("http://h/x", ("http", "h", 80, "/x", "")),
    ("HTTP://h:8080", ("http", "h", 8080, "/", "")),
    ("http://u:p@h:81/x#frag", ("http", "h", 81, "/x", "")),
    ("http://h?q=1", ("http", "h", 80, "/", "q=1")),
    ("http://[::1]:9000/p", ("http", "::1", 9000, "/p", "")),
])
def test_split_url(url, parts):
    assert split_url(url) == parts


def test_split_url_refuses_a_relative_url():
    with pytest.raises(ValueError):
        split_url("/api/queue/v1/ping")


def test_hawk_resource_escapes_what_node_url_parse_escapes():
    assert hawk_resource("/a/b", "") == "/a/b"
    assert hawk_resource("/a/b", "x=1") == "/a/b?x=1"
    assert hawk_resource("/it's", "q='") == "/it%27s?q=%27"
    assert hawk_resource("/a b", "") == "/a%20b"
    # what encodeURIComponent leaves alone, besides the quote, stays
    assert hawk_resource("/!*()~", "") == "/!*()~"


def test_wire_url_escapes_the_single_quote_only():
    assert wire_url("http://h/a'b?c='d'") == "http://h/a%27b?c=%27d%27"
    assert wire_url("http://h/a!*()") == "http://h/a!*()"
