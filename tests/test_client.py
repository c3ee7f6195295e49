"""Whole clients against the loopback server: every reference entry, what
arrives on the wire, the answers, pagination, sessions and signed URLs."""

import inspect

import pytest
import requests
from hawkcheck import decode_bewit, verify_bewit, verify_request
from loopback import LoopbackServer, Reply

import taskcluster
from taskcluster import (TaskclusterAuthFailure, TaskclusterInputError,
                         TaskclusterRestFailure)
from taskcluster._references import SERVICES, load

ID, KEY = "client-tester", "client-token"
CREDS = {"clientId": ID, "accessToken": KEY}
NOW = 1700000000

FUNCTIONS = [(cls, name) for cls in sorted(SERVICES) if SERVICES[cls][1] == "api"
             for name in load(cls).entries]


def test_there_are_192_functions():
    assert len(FUNCTIONS) == 192


def route_values(entry):
    """A value for each route argument that needs encoding, and its encoding."""
    values = {a: f"{a}/x y" for a in entry.args}
    path = entry.route
    for a in entry.args:
        path = path.replace(f"<{a}>", f"{a}%2Fx%20y")
    return values, path


@pytest.fixture(scope="module")
def shared_server():
    with LoopbackServer() as server:
        yield server


@pytest.fixture(scope="module")
def clients(shared_server):
    made = {}

    def get(cls):
        if cls not in made:
            made[cls] = getattr(taskcluster, cls)(
                {"rootUrl": shared_server.url, "credentials": CREDS, "maxRetries": 0})
        return made[cls]
    yield get
    for client in made.values():
        client.close()


@pytest.mark.parametrize("cls,name", FUNCTIONS)
def test_every_function_builds_its_url(cls, name):
    entry = load(cls).entries[name]
    values, path = route_values(entry)
    client = getattr(taskcluster, cls)({"rootUrl": "https://tc.example.com/"})
    expected = f"https://tc.example.com/api/{load(cls).serviceName}/v1{path}"
    assert client.buildUrl(name, *[values[a] for a in entry.args]) == expected
    assert client.buildUrl(name, **values) == expected
    assert client.buildUrl(getattr(client, name), params=values) == expected


@pytest.mark.parametrize("cls,name", FUNCTIONS)
def test_every_function_is_called_and_signed(cls, name, shared_server, clients):
    entry = load(cls).entries[name]
    values, path = route_values(entry)
    args = [values[a] for a in entry.args]
    payload = {"entry": name, "ü": [1, None]}
    if entry.input:
        args.append(payload)
    before = len(shared_server.requests)
    answer = getattr(clients(cls), name)(*args)
    assert len(shared_server.requests) == before + 1
    rec = shared_server.requests[-1]
    target = f"/api/{load(cls).serviceName}/v1{path}"
    assert (rec.method, rec.target) == (entry.method.upper(), target)
    assert answer == {"method": rec.method, "target": target}   # the echoed JSON
    if entry.input:
        assert rec.body == ('{"entry":"' + name + '","ü":[1,null]}').encode("utf-8")
        assert rec.headers["content-type"] == "application/json"
    else:
        assert rec.body == b"" and "content-type" not in rec.headers
    receiver = verify_request(shared_server, rec, ID, KEY)
    assert "ext" not in receiver.parsed_header and "hash" not in receiver.parsed_header


@pytest.mark.parametrize("cls,name", FUNCTIONS)
def test_every_method_shows_its_signature_and_documents_itself(cls, name):
    entry = load(cls).entries[name]
    method = getattr(getattr(taskcluster, cls), name)
    params = inspect.signature(method).parameters
    positional = [p for p, v in params.items() if v.kind is v.POSITIONAL_OR_KEYWORD]
    assert positional == ["self", *entry.args] + (["payload"] if entry.input else [])
    assert ("query" in params) == bool(entry.query)
    assert ("paginationHandler" in params) == entry.paginated
    doc = method.__doc__
    assert f"{entry.method.upper()} {entry.route}" in doc
    assert entry.title in doc
    for q in entry.query:
        assert q in doc
    for schema in (entry.input, entry.output):
        if schema:
            assert schema in doc
    if entry.scopes is not None:
        assert "Scopes:" in doc


def test_unknown_method_name(server):
    queue = taskcluster.Queue({"rootUrl": server.url})
    for call in (queue.buildUrl, queue.buildSignedUrl, queue.pages):
        with pytest.raises(TaskclusterInputError, match="'nope' is not a method of Queue"):
            call("nope")
    assert server.requests == []


# -- answers --------------------------------------------------------------------------

@pytest.fixture
def make(server):
    made = []

    def make(class_name="Queue", session=None, **options):
        opts = {"rootUrl": server.url, "credentials": CREDS}
        opts.update(options)
        delays = []
        client = getattr(taskcluster, class_name)(opts, session, sleep=delays.append,
                                                  random=lambda: 0.5)
        client.delays = delays  # for the test's convenience only
        made.append(client)
        return client
    yield make
    for client in made:
        client.close()


def test_no_content_returns_none(server, make):
    server.plan(Reply(204))
    assert make().task("abc") is None
    assert len(server.requests) == 1


@pytest.mark.parametrize("reply", [
    Reply(200),
    Reply(200, b"", {"Content-Type": "application/json"}),
    Reply(200, b"plain text", {"Content-Type": "text/plain"}),
])
def test_an_answer_that_is_not_json_returns_the_response(server, make, reply):
    # As the taskcluster package: {"response": <requests.Response>}.
    import requests
    server.plan(reply)
    value = make().task("abc")
    assert list(value) == ["response"] and isinstance(value["response"], requests.Response)
    assert value["response"].status_code == 200
    assert value["response"].content == (reply.body or b"")
    assert len(server.requests) == 1


def test_json_without_a_json_content_type_is_parsed(server, make):
    server.plan(Reply(200, b'{"a": [1]}', {"Content-Type": "text/plain"}))
    assert make().task("abc") == {"a": [1]}


def test_a_redirect_with_a_json_body_returns_the_body(server, make):
    body = {"storageType": "s3", "url": "http://127.0.0.1:1/elsewhere"}
    server.plan(Reply(303, body, {"Location": body["url"]}))
    assert make().getArtifact("t", 0, "public/x") == body
    assert len(server.requests) == 1     # not followed


def test_a_json_answer_is_returned_parsed(server, make):
    server.plan(Reply(200, {"status": {"taskId": "abc", "ü": True}}))
    assert make().status("abc") == {"status": {"taskId": "abc", "ü": True}}


@pytest.mark.parametrize("status,cls", [
    (400, TaskclusterRestFailure), (401, TaskclusterAuthFailure),
    (403, TaskclusterRestFailure), (404, TaskclusterRestFailure),
    (409, TaskclusterRestFailure), (429, TaskclusterRestFailure),
])
def test_a_4xx_raises_with_its_details_and_is_never_retried(server, make, status, cls):
    body = {"code": "SomeCode", "message": "it went wrong", "requestInfo": {}}
    server.plan(Reply(status, body))
    queue = make()
    with pytest.raises(cls) as info:
        queue.task("abc")
    e = info.value
    assert type(e) is cls
    assert (e.status_code, e.code, e.body) == (status, "SomeCode", body)
    assert e.method == "Queue.task"
    assert e.url == server.url + "/api/queue/v1/task/abc"
    assert "Queue.task" in str(e) and "it went wrong" in str(e) and str(status) in str(e)
    assert KEY not in str(e)
    assert len(server.requests) == 1 and queue.delays == []


def test_a_4xx_without_json_has_the_package_body_and_says_the_text(server, make):
    # body is {} as in the package (handlers call e.body.get(...)); the
    # message quotes the start of the answer.
    server.plan(Reply(404, "no such thing"))
    with pytest.raises(TaskclusterRestFailure) as info:
        make().task("abc")
    assert info.value.body == {} and info.value.code == "UnknownError"
    assert "the answer reads: no such thing" in str(info.value)


def test_a_5xx_is_retried_with_a_new_signature(server, make):
    server.plan(Reply(503), Reply(500))
    queue = make()
    assert queue.createTask("abc", {"a": 1}) == {"method": "PUT",
                                                 "target": "/api/queue/v1/task/abc"}
    assert len(server.requests) == 3
    assert queue.delays == [0.2, 0.4]
    assert len({r.headers["authorization"] for r in server.requests}) == 3
    for rec in server.requests:
        assert rec.body == b'{"a":1}'
        verify_request(server, rec, ID, KEY)


def test_max_retries_is_a_client_option(server, make):
    server.plan(*[Reply(500)] * 10)
    queue = make(maxRetries=2)
    with pytest.raises(TaskclusterRestFailure) as info:
        queue.ping()
    assert info.value.status_code == 500
    assert len(server.requests) == 3 and len(queue.delays) == 2


# -- sessions and connections ------------------------------------------------------------

class CountingSession(requests.Session):
    def __init__(self):
        super().__init__()
        self.sent = []
        self.closed = False

    def request(self, method, url, **kwargs):
        self.sent.append((method, url))
        return super().request(method, url, **kwargs)

    def close(self):
        self.closed = True
        super().close()


def test_the_session_passed_in_is_used_and_left_open(server, make):
    session = CountingSession()
    hooked = []
    session.hooks["response"].append(lambda r, *a, **k: hooked.append(r.status_code))
    queue = make(session=session)
    queue.ping()
    queue.task("abc")
    assert session.sent == [("GET", server.url + "/api/queue/v1/ping"),
                            ("GET", server.url + "/api/queue/v1/task/abc")]
    assert hooked == [200, 200]
    queue.close()
    assert not session.closed
    session.close()


def test_one_connection_is_reused_for_many_calls(server, make):
    queue = make()
    for _ in range(5):
        queue.ping()
    assert len(server.requests) == 5
    assert server.connections == 1


def test_close_and_context_manager(server):
    with taskcluster.Queue({"rootUrl": server.url}) as queue:
        queue.ping()
    queue.close()   # twice is harmless


# -- pagination -----------------------------------------------------------------------------

def plan_pages(server):
    server.plan(Reply(200, {"tasks": [1], "continuationToken": "t1"}),
                Reply(200, {"tasks": [2], "continuationToken": "t 2/x"}),
                Reply(200, {"tasks": [3]}))


def test_pages_follows_the_continuation_tokens(server, make):
    plan_pages(server)
    pages = make().pages("listTaskGroup", "g", query={"limit": 1})
    assert server.requests == []          # lazy until iterated
    assert [p["tasks"] for p in pages] == [[1], [2], [3]]
    assert [r.target for r in server.requests] == [
        "/api/queue/v1/task-group/g/list?limit=1",
        "/api/queue/v1/task-group/g/list?limit=1&continuationToken=t1",
        "/api/queue/v1/task-group/g/list?limit=1&continuationToken=t%202%2Fx",
    ]
    for rec in server.requests:
        verify_request(server, rec, ID, KEY)


def test_pages_accepts_the_method_itself(server, make):
    plan_pages(server)
    queue = make()
    assert len(list(queue.pages(queue.listTaskGroup, taskGroupId="g"))) == 3


def test_pagination_handler_and_limit(server, make):
    plan_pages(server)
    seen = []
    result = make().listTaskGroup("g", paginationHandler=seen.append, paginationLimit=2)
    assert result is None
    assert [p["tasks"] for p in seen] == [[1], [2], [3]]
    assert [r.query for r in server.requests] == [
        "limit=2", "limit=2&continuationToken=t1", "limit=2&continuationToken=t%202%2Fx"]


def test_pagination_limit_alone_sets_the_limit_of_one_call(server, make):
    make().listTaskGroup("g", paginationLimit=7)
    assert server.requests[0].query == "limit=7"


def test_pages_of_a_method_that_is_not_paginated(server, make):
    with pytest.raises(TaskclusterInputError, match="not paginated") as info:
        make().pages("task", "abc")
    assert info.value.argument == "methodName"
    assert server.requests == []


def test_a_failing_page_raises_from_the_generator(server, make):
    server.plan(Reply(200, {"tasks": [1], "continuationToken": "t1"}), Reply(404, {}))
    pages = make().pages("listTaskGroup", "g")
    assert next(pages)["tasks"] == [1]
    with pytest.raises(TaskclusterRestFailure):
        next(pages)


# -- signed URLs ------------------------------------------------------------------------------

def fetch(url):
    with requests.Session() as session:
        return session.get(url, timeout=5)


def test_a_signed_url_carries_a_bewit_that_mohawk_accepts(server):
    queue = taskcluster.Queue({"rootUrl": server.url, "credentials": CREDS},
                              clock=lambda: NOW + 0.5)
    url = queue.buildSignedUrl("getArtifact", "t", 0, "public/it's here.txt")
    base = queue.buildUrl("getArtifact", "t", 0, "public/it's here.txt")
    assert url.startswith(base.replace("'", "%27") + "?bewit=")
    bewit = url.split("?bewit=")[1]
    assert "=" not in bewit                        # unpadded, as Node's hawk
    cid, exp, _, ext = decode_bewit(bewit)
    assert (cid, exp, ext) == (ID, str(NOW + 900), "")
    # the URL as a service would receive it
    fetch(url)
    rec = server.requests[0]
    assert rec.target == url[len(server.url):]
    assert verify_bewit(server.url + rec.target, ID, KEY, now=NOW)


def test_a_signed_url_with_a_query_expiration_and_authorized_scopes(server):
    queue = taskcluster.Queue({"rootUrl": server.url, "credentials": CREDS,
                               "authorizedScopes": ["queue:list-task-group:g"]},
                              clock=lambda: NOW)
    url = queue.buildSignedUrl("listTaskGroup", "g", query={"limit": 5}, expiration=60)
    assert "/list?limit=5&bewit=" in url
    _, exp, _, ext = decode_bewit(url.split("&bewit=")[1])
    assert exp == str(NOW + 60) and ext
    fetch(url)
    assert verify_bewit(server.url + server.requests[0].target, ID, KEY, now=NOW)


def test_signed_url_expiration_option(server):
    queue = taskcluster.Queue({"rootUrl": server.url, "credentials": CREDS,
                               "signedUrlExpiration": 30}, clock=lambda: NOW)
    assert decode_bewit(queue.buildSignedUrl("ping").split("?bewit=")[1])[1] == str(NOW + 30)


@pytest.mark.parametrize("options,call,argument", [
    ({"credentials": CREDS}, ("createTask", "abc", {}), "methodName"),
    ({}, ("ping",), "credentials"),
    ({"credentials": CREDS}, ("ping", 0), "expiration"),
    ({"credentials": CREDS}, ("ping", True), "expiration"),
    ({"credentials": CREDS}, ("ping", 1.5), "expiration"),
])
def test_signed_url_refusals(server, options, call, argument):
    queue = taskcluster.Queue(dict(options, rootUrl=server.url))
    name, *args = call
    if argument == "expiration":
        kwargs, args = {"expiration": args[0]}, []
    else:
        kwargs = {}
    with pytest.raises(TaskclusterInputError) as info:
        queue.buildSignedUrl(name, *args, **kwargs)
    assert info.value.argument == argument and "Queue." in str(info.value)
    assert server.requests == []


def test_client_classes_carry_their_reference():
    queue = taskcluster.Queue({"rootUrl": "https://tc.example.com"})
    assert set(queue.funcinfo) == set(load("Queue").entries)
    assert queue.task.entry is load("Queue").entries["task"]
    assert taskcluster.Queue.__module__ == "taskcluster"


def test_pages_applies_pagination_limit(server):
    queue = taskcluster.Queue({"rootUrl": server.url})
    pages = list(queue.pages("listTaskGroup", "g", paginationLimit=3))
    assert len(pages) == 1
    assert server.requests[0].query == "limit=3"


def test_pages_refuses_a_pagination_handler(server):
    queue = taskcluster.Queue({"rootUrl": server.url})
    with pytest.raises(taskcluster.TaskclusterInputError, match="paginationHandler"):
        queue.pages("listTaskGroup", "g", paginationHandler=print)
    assert server.requests == []


def test_malformed_certificate_error_keeps_no_trace_of_the_text():
    secret_cert = '{"signature": "SECRET-SIGNATURE", broken'
    with pytest.raises(taskcluster.TaskclusterInputError) as info:
        taskcluster.Queue({"rootUrl": "https://tc.example.com",
                           "credentials": {"clientId": "c", "accessToken": "t",
                                           "certificate": secret_cert}})
    chain, exc = [], info.value
    while exc is not None:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    for exc in chain:
        assert "SECRET-SIGNATURE" not in str(exc)
        assert "SECRET-SIGNATURE" not in repr(vars(exc))


@pytest.mark.parametrize("cls_name", ["Queue", "aio.Queue"])
def test_a_misspelt_method_gets_the_nearest_names(cls_name):
    import taskcluster.aio
    cls = taskcluster.aio.Queue if cls_name == "aio.Queue" else taskcluster.Queue
    q = cls({"rootUrl": "https://tc.example.com"})
    with pytest.raises(AttributeError) as info:
        q.createTaskk()
    assert str(info.value) == ("Queue has no method or attribute 'createTaskk' (did you mean "
                               "'createTask' or 'cancelTask' or 'reclaimTask'?)")
    with pytest.raises(AttributeError, match=r"'get_artifact' \(did you mean 'getArtifact'"):
        q.get_artifact("t", 0, "n")
    # Far from every name: the whole list, as the command line gives it.
    with pytest.raises(AttributeError) as info:
        q.frobnicate()
    listed = str(info.value).split("its methods and attributes: ")[1].rstrip(")").split(", ")
    assert {"createTask", "task", "listArtifacts", "buildUrl", "close"} <= set(listed)
    assert not [n for n in listed if n.startswith("_")]
    # Private names, which libraries probe with hasattr(), keep the plain error.
    assert not hasattr(q, "_nothing") and not hasattr(q, "nothing")
    with pytest.raises(AttributeError, match=r"^'Queue' object has no attribute '_nothing'$"):
        q._nothing()
