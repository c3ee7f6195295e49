"""The calling rules, driven through whole clients against the loopback
server: what arrives for each accepted form, and nothing at all for a
refused one."""

import json

import pytest

import taskcluster
from taskcluster import TaskclusterFailure, TaskclusterInputError
from taskcluster._binding import bind
from taskcluster._references import load

CREDS = {"clientId": "tester", "accessToken": "no-secret"}


@pytest.fixture
def make(server):
    made = []

    def make(class_name, **options):
        opts = {"rootUrl": server.url, "maxRetries": 0}
        opts.update(options)
        client = getattr(taskcluster, class_name)(opts, sleep=lambda s: None,
                                                  random=lambda: 0.5)
        made.append(client)
        return client
    yield make
    for client in made:
        client.close()


@pytest.fixture
def queue(make):
    return make("Queue")


def only_request(server):
    assert len(server.requests) == 1, server.requests
    return server.requests[0]


# -- accepted forms --------------------------------------------------------------

def test_positional_arguments_fill_the_route_and_keywords_override(server, queue):
    # getArtifact: /task/<taskId>/runs/<runId>/artifacts/<name>
    assert load("Queue").entries["getArtifact"].args == ("taskId", "runId", "name")
    queue.getArtifact("1", "2", "3", taskId="pie")
    rec = only_request(server)
    assert (rec.method, rec.target) == ("GET", "/api/queue/v1/task/pie/runs/2/artifacts/3")
    assert rec.body == b""


def test_keyword_override_of_a_later_argument(server, queue):
    queue.getArtifact("1", "2", "3", name="x")
    assert only_request(server).path == "/api/queue/v1/task/1/runs/2/artifacts/x"


def test_keywords_fill_arguments_left_out_positionally(server, queue):
    queue.getArtifact("1", name="n", runId=0)
    assert only_request(server).path == "/api/queue/v1/task/1/runs/0/artifacts/n"


def test_all_route_arguments_by_keyword_and_a_single_positional_payload(server, queue):
    queue.createArtifact({"storageType": "s3", "ü": 1},
                         taskId="t", runId=0, name="public/log.txt")
    rec = only_request(server)
    assert rec.method == "POST"
    assert rec.path == "/api/queue/v1/task/t/runs/0/artifacts/public%2Flog.txt"
    assert rec.body == '{"storageType":"s3","ü":1}'.encode()
    assert rec.headers["content-type"] == "application/json"


def test_payload_after_the_route_arguments(server, queue):
    queue.createTask("abc", {"a": 1, "b": "ü"})
    rec = only_request(server)
    assert (rec.method, rec.path) == ("PUT", "/api/queue/v1/task/abc")
    assert rec.body == b'{"a":1,"b":"\xc3\xbc"}'


def test_payload_keyword(server, queue):
    queue.createTask("abc", payload={"a": [1, 2], "b": None})
    assert only_request(server).body == b'{"a":[1,2],"b":null}'


@pytest.mark.parametrize("payload, says", [
    ([], "not list"), (None, "is None"), ("x", "not a str"),
    ('{"a": 1}', "looks like JSON text"), (b'{"a": 1}', "looks like JSON text"), (3, "not int"),
])
def test_payload_must_be_a_json_object(server, queue, payload, says):
    # Every input schema of the references is an object: anything else was
    # sent as it was (a str JSON-encoded a second time), now refused.
    e = refused(server, queue.createTask, "abc", payload)
    assert "Queue.createTask" in str(e) and says in str(e) and e.argument == "payload"
    e = refused(server, queue.createTask, "abc", payload=payload)
    assert says in str(e)


def test_query_keyword(server, queue):
    queue.listTaskGroup("g", query={"limit": 5, "continuationToken": "a b/c"})
    rec = only_request(server)
    assert rec.path == "/api/queue/v1/task-group/g/list"
    assert rec.query == "limit=5&continuationToken=a%20b%2Fc"


def test_query_value_none_means_not_set(server, queue):
    queue.listTaskGroup("g", query={"limit": None})
    assert only_request(server).target == "/api/queue/v1/task-group/g/list"


def test_boolean_and_list_query_values(server, make):
    wm = make("WorkerManager")
    wm.listWorkersForWorkerPool("p/q", query={"state": ["running", "stopped"],
                                              "launchConfigId": "lc"})
    wm.listWorkerPoolLaunchConfigs("p", query={"includeArchived": True})
    first, second = server.requests
    assert first.target == ("/api/worker-manager/v1/workers/p%2Fq"
                            "?state=running&state=stopped&launchConfigId=lc")
    assert second.query == "includeArchived=true"


def test_params_dict_of_route_arguments(server, queue):
    queue.getArtifact(params={"taskId": "t", "runId": 1, "name": "n"})
    queue.getArtifact("a", "b", "c", params={"runId": 7})
    queue.getArtifact(params={"taskId": "t", "runId": 1, "name": "n"}, name="kw")
    assert [r.path for r in server.requests] == [
        "/api/queue/v1/task/t/runs/1/artifacts/n",
        "/api/queue/v1/task/a/runs/7/artifacts/c",
        "/api/queue/v1/task/t/runs/1/artifacts/kw",   # a keyword beats params
    ]


def test_params_and_a_single_positional_payload(server, queue):
    queue.createTask({"x": 1}, params={"taskId": "abc"})
    rec = only_request(server)
    assert (rec.path, rec.body) == ("/api/queue/v1/task/abc", b'{"x":1}')


def test_int_route_arguments_become_decimal_strings(server, queue):
    queue.getArtifact("t", 0, "n")
    assert only_request(server).path == "/api/queue/v1/task/t/runs/0/artifacts/n"


def test_no_route_arguments(server, queue):
    queue.ping()
    assert only_request(server).target == "/api/queue/v1/ping"


def test_route_arguments_are_encoded_as_encode_uri_component(server, queue):
    queue.getArtifact("a b", "0", "dir/file ü!*()~")
    rec = only_request(server)
    assert rec.path == "/api/queue/v1/task/a%20b/runs/0/artifacts/dir%2Ffile%20%C3%BC!*()~"


def test_build_url_matches_what_the_call_sends(server, queue):
    forms = [
        (("getArtifact", "t", 1, "x/y"), {}),
        (("getArtifact", "1", "2", "3"), {"taskId": "pie"}),
        (("listTaskGroup", "g"), {"query": {"limit": 2, "continuationToken": "x y"}}),
        (("listTaskGroup",), {"params": {"taskGroupId": "g"}}),
    ]
    for (name, *args), kwargs in forms:
        url = queue.buildUrl(name, *args, **kwargs)
        getattr(queue, name)(*args, **kwargs)
        assert url == server.url + server.requests[-1].target


def test_build_url_needs_no_payload(queue, server):
    assert queue.buildUrl("createTask", "abc") == server.url + "/api/queue/v1/task/abc"


# -- refusals: each names the method and the argument, and sends nothing -------------

def refused(server, call, *args, **kwargs) -> TaskclusterInputError:
    """Call ``call`` (a client's method), expect it refused before sending,
    with a message naming the method and the argument at fault."""
    with pytest.raises(TaskclusterInputError) as info:
        call(*args, **kwargs)
    e = info.value
    assert isinstance(e, TaskclusterFailure)
    assert server.requests == []
    label = f"{type(call.__self__).__name__}.{call.__name__}"
    assert e.method == label and str(e).startswith(label + ": ")
    if e.argument is not None:
        assert e.argument in str(e)
    return e


def test_missing_route_argument(server, queue):
    e = refused(server, queue.getArtifact, "t", "0")
    assert "Queue.getArtifact" in str(e) and "'name'" in str(e)
    assert (e.method, e.argument) == ("Queue.getArtifact", "name")


def test_missing_route_arguments_are_all_named(server, queue):
    e = refused(server, queue.getArtifact)
    assert "'taskId', 'runId', 'name'" in str(e)


def test_extra_positional_argument_is_counted_as_a_route_argument(server, queue):
    e = refused(server, queue.getArtifact, "t", "0", "n", "extra")
    assert "Queue.getArtifact: takes 3 route arguments (taskId, runId, name) and no " \
        "payload, but 4 positional arguments were given" in str(e)
    e = refused(server, queue.task, "a", "b")
    assert "takes 1 route argument (taskId) and no payload, but 2 positional" in str(e)


def test_extra_positional_arguments(server, queue):
    e = refused(server, queue.getArtifact, "t", "0", "n", "extra", "more")
    assert "Queue.getArtifact" in str(e)
    assert "takes 3 positional arguments but 5 were given" in str(e)


def test_extra_positional_arguments_when_every_route_argument_is_a_keyword(server, queue):
    e = refused(server, queue.getArtifact, "1", "2", taskId="t", runId="r", name="n")
    assert "Queue.getArtifact" in str(e)
    assert "2 positional arguments were given" in str(e)
    # the message must not contradict itself ("takes 3 ... but 2 were given")
    assert "takes 3 positional" not in str(e)


def test_extra_positional_argument_beside_a_payload(server, queue):
    e = refused(server, queue.createTask, "abc", {}, {})
    assert "Queue.createTask" in str(e) and "3 were given" in str(e)


def test_unknown_keyword(server, queue):
    e = refused(server, queue.getArtifact, "t", "0", "n", artifactName="x")
    assert "Queue.getArtifact" in str(e) and "'artifactName'" in str(e)
    assert e.argument == "artifactName"


def test_query_key_given_as_a_keyword_points_to_query(server, queue):
    e = refused(server, queue.listTaskGroup, "g", limit=5)
    assert "'limit'" in str(e) and "query={'limit': ...}" in str(e)


@pytest.mark.parametrize("bad", [True, False, None, 1.5, 2.0, b"t", ["t"], {"t": 1}])
def test_route_argument_must_be_str_or_int(server, queue, bad):
    e = refused(server, queue.getArtifact, "t", bad, "n")
    assert "Queue.getArtifact" in str(e) and "'runId'" in str(e)
    assert "str or int" in str(e)
    assert e.argument == "runId"


def test_route_argument_none_by_keyword_is_refused_too(server, queue):
    e = refused(server, queue.getArtifact, "t", "0", "n", name=None)
    assert e.argument == "name"


def test_route_argument_with_a_lone_surrogate(server, queue):
    e = refused(server, queue.getArtifact, "t", "0", "a\ud800")
    assert e.argument == "name" and "surrogate" in str(e)


def test_unknown_query_key(server, queue):
    e = refused(server, queue.listTaskGroup, "g", query={"limit": 1, "sort": "asc"})
    assert "Queue.listTaskGroup" in str(e) and "'sort'" in str(e)
    assert "continuationToken, limit" in str(e)
    assert e.argument == "sort"


def test_query_on_a_method_without_query_keys(server, queue):
    e = refused(server, queue.task, "t", query={"x": 1})
    assert "Queue.task" in str(e) and "'x'" in str(e) and "no query keys" in str(e)


@pytest.mark.parametrize("bad", [{"a": 1}, 1.5, float("nan"), object()])
def test_query_value_of_the_wrong_type(server, queue, bad):
    e = refused(server, queue.listTaskGroup, "g", query={"limit": bad})
    assert "Queue.listTaskGroup" in str(e) and e.argument == "limit"


def test_query_must_be_a_dict(server, queue):
    e = refused(server, queue.listTaskGroup, "g", query=[("limit", 1)])
    assert e.argument == "query" and "dict" in str(e)


def test_missing_payload(server, queue):
    e = refused(server, queue.createTask, "abc")
    assert "Queue.createTask" in str(e) and "payload" in str(e)
    assert e.argument == "payload"


def test_payload_where_the_entry_has_none(server, queue):
    e = refused(server, queue.task, "abc", {"x": 1})
    assert "Queue.task" in str(e) and "takes no payload" in str(e)
    e = refused(server, queue.task, "abc", payload={"x": 1})
    assert e.argument == "payload"


def test_payload_given_twice(server, queue):
    e = refused(server, queue.createTask, "abc", {}, payload={})
    assert "twice" in str(e) and e.argument == "payload"


def test_payload_that_is_not_json(server, queue):
    e = refused(server, queue.createTask, "abc", {"when": object()})
    assert "Queue.createTask" in str(e) and e.argument == "payload"
    e = refused(server, queue.createTask, "abc", {"x": float("inf")})
    assert e.argument == "payload"


def test_params_must_name_route_arguments(server, queue):
    e = refused(server, queue.getArtifact, params={"taskId": "t", "artifact": "x"})
    assert "'artifact'" in str(e) and e.argument == "artifact"
    e = refused(server, queue.getArtifact, params=["t", "0", "n"])
    assert e.argument == "params"


@pytest.mark.parametrize("bad", [0, -1, True, "5", 1.5])
def test_pagination_limit_must_be_a_positive_int(server, queue, bad):
    e = refused(server, queue.listTaskGroup, "g", paginationLimit=bad)
    assert e.argument == "paginationLimit"


def test_missing_root_url(server):
    queue = taskcluster.Queue({"credentials": CREDS})
    e = refused(server, queue.task, "abc")
    assert "Queue.task" in str(e) and "rootUrl" in str(e)
    assert e.argument == "rootUrl"
    with pytest.raises(TaskclusterInputError):
        queue.buildUrl("task", "abc")


def test_list_namespaces_with_a_continuation_token_payload_shows_the_query_form(server, make):
    # The original interface's example, from when listNamespaces was a POST.
    index = make("Index")
    e = refused(server, index.listNamespaces, "mozilla-central",
                payload={"continuationToken": "a_token"})
    text = str(e)
    assert "Index.listNamespaces" in text
    assert "continuationToken" in text
    assert "query={'continuationToken': 'a_token'}" in text
    assert "GET" in text
    # ... and the form it shows works
    index.listNamespaces("mozilla-central", query={"continuationToken": "a_token"})
    assert server.requests[-1].target == \
        "/api/index/v1/namespaces/mozilla-central?continuationToken=a_token"


def test_refusals_before_anything_is_sent_include_no_secret(server, make):
    queue = make("Queue", credentials=CREDS)
    e = refused(server, queue.getArtifact, "t", True, "n")
    assert CREDS["accessToken"] not in str(e) and CREDS["accessToken"] not in repr(e)


# -- the binding itself, without a client ---------------------------------------------

def test_bind_is_pure_and_leaves_the_callers_arguments_alone():
    entry = load("Queue").entries["createTask"]
    payload = {"a": [1]}
    kwargs = {"payload": payload}
    bound, extras = bind(entry, ("abc",), kwargs)
    assert kwargs == {"payload": payload} and extras == {}
    assert bound.route_args == ("abc",)
    assert bound.payload is payload
    assert bound.path() == "task/abc"
    assert json.dumps(payload) == '{"a": [1]}'


def test_bind_returns_the_pagination_keywords():
    entry = load("Queue").entries["listTaskGroup"]
    handler = print
    bound, extras = bind(entry, ("g",), {"paginationHandler": handler, "paginationLimit": 3})
    assert extras == {"paginationHandler": handler, "paginationLimit": 3}
    assert not bound.has_payload and bound.query_string() == ""
