"""Injection: route arguments and query values holding ``../``, ``?``, ``#``,
CR/LF, NUL and friends never change the path, the query or the headers of
what the server receives: they arrive percent-encoded, as data, and the
Hawk signature covers exactly what arrived (or the call is refused)."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, unquote

import pytest
from hawkcheck import verify_request

import taskcluster
from taskcluster import TaskclusterInputError

CREDS = {"clientId": "injector", "accessToken": "injection-token"}

HOSTILE = [
    "../../../etc/passwd",
    "../ping",
    "..%2F..%2Fping",
    "a/../../b",
    "./x",
    "...",
    "a?limit=1000",
    "?",
    "a#fragment",
    "#",
    "a&continuationToken=evil",
    "a=b",
    "a\r\nX-Injected: 1",
    "a\nX-Injected: 1",
    "a\rX-Injected: 1",
    "\r\n\r\nGET /evil HTTP/1.1\r\nHost: x\r\n\r\n",
    "a\x00b",
    "\x00",
    "a b\tc",
    "%00",
    "%2e%2e",
    "a%0d%0aX-Injected: 1",
    "a;b,c",
    "a\\..\\b",
    "'\"<>`{}|^",
    "http://evil.example.com/",
    "//evil.example.com",
    "@evil.example.com",
    "ü€😀",
    "\u2028\u2029\ufeff",
    " ",
]

# What encodeURIComponent leaves alone besides ASCII letters and digits.
_JS_SAFE = "-_.!~*'()"


def expected_segment(value: str) -> str:
    # ' is sent as %27, as Node's hawk signs it (see _urls.wire_url).
    return quote(value, safe=_JS_SAFE.replace("'", ""))


@pytest.fixture
def queue(server):
    with taskcluster.Queue({"rootUrl": server.url, "credentials": CREDS}) as q:
        yield q


@pytest.fixture
def baseline_headers(server, queue):
    """The header names of an ordinary call, to compare with."""
    queue.getArtifact("t", "0", "n")
    names = set(server.requests.pop().headers)
    assert "authorization" in names
    return names


def check_arrived(server, baseline_headers, path: str, query: str = "") -> None:
    rec = server.requests[-1]
    assert rec.path == path
    assert rec.query == query
    assert set(rec.headers) == baseline_headers
    assert not any("injected" in k or "injected" in v.lower() for k, v in rec.headers.items())
    verify_request(server, rec, CREDS["clientId"], CREDS["accessToken"])


@pytest.mark.parametrize("value", HOSTILE)
def test_a_route_argument_stays_one_path_segment(server, queue, baseline_headers, value):
    answer = queue.getArtifact(value, "0", value)
    seg = expected_segment(value)
    path = "/api/queue/v1/task/%s/runs/0/artifacts/%s" % (seg, seg)
    assert answer == {"method": "GET", "target": path}
    check_arrived(server, baseline_headers, path)
    segments = path.split("/")
    assert segments[:5] == ["", "api", "queue", "v1", "task"] and len(segments) == 10
    assert unquote(segments[5]) == value and unquote(segments[9]) == value
    assert len(server.requests) == 1


@pytest.mark.parametrize("value", HOSTILE)
def test_a_route_argument_with_a_payload_leaves_the_body_alone(server, queue,
                                                               baseline_headers, value):
    queue.createTask(value, {"value": value})
    rec = server.requests[-1]
    assert rec.method == "PUT"
    assert rec.path == "/api/queue/v1/task/" + expected_segment(value)
    assert rec.query == ""
    assert set(rec.headers) == baseline_headers | {"content-type", "content-length"}
    assert rec.headers["content-type"] == "application/json"
    assert rec.headers["content-length"] == str(len(rec.body))
    verify_request(server, rec, CREDS["clientId"], CREDS["accessToken"])


@pytest.mark.parametrize("value", HOSTILE)
def test_a_query_value_stays_one_query_value(server, queue, baseline_headers, value):
    queue.listTaskGroup("g/../x", query={"continuationToken": value, "limit": 5})
    path = "/api/queue/v1/task-group/g%2F..%2Fx/list"
    query = server.requests[-1].query
    check_arrived(server, baseline_headers, path, query)
    assert parse_qsl(query, keep_blank_values=True) == [("continuationToken", value),
                                                         ("limit", "5")]


def test_a_url_built_or_signed_carries_the_same_encoding(server, queue):
    value = "a/../b?c=d#e\r\nX: y"
    url = queue.buildUrl("task", value)
    assert url == server.url + "/api/queue/v1/task/" + expected_segment(value)
    signed = queue.buildSignedUrl("task", value)
    assert signed.startswith(url + "?bewit=")
    assert "#" not in signed and "\r" not in signed and "\n" not in signed


@pytest.mark.parametrize("value", [".", ".."])
@pytest.mark.parametrize("method", ["task", "buildUrl", "buildSignedUrl"])
def test_a_dot_segment_is_refused_for_calls_and_urls(server, queue, value, method):
    # "." and ".." are what encodeURIComponent leaves as they are and HTTP
    # clients resolve; Queue.task('..') would otherwise reach /api/queue/v1/.
    with pytest.raises(TaskclusterInputError) as info:
        if method == "task":
            queue.task(value)
        else:
            getattr(queue, method)("task", value)
    assert info.value.argument == "taskId"
    assert server.requests == []


def test_a_dot_segment_inside_a_longer_argument_is_only_data(server, queue):
    for value in ("...", ". ", " ..", "..a", ".%2e"):
        queue.task(value)
        assert server.requests[-1].path == "/api/queue/v1/task/" + expected_segment(value)
