"""``taskcluster.aio``: the package's names, coroutines that mirror the sync
methods, pagination, sessions (the client's own closed, the caller's left
open), aioresponses intercepting calls, and a cheap import."""

from __future__ import annotations

import asyncio
import gc
import importlib
import inspect
import json
import os
import subprocess
import sys

import aiohttp
import pytest
from aioresponses import aioresponses
from hawkcheck import verify_header, verify_request
from loopback import Reply
from wire import client_sockets

import taskcluster
import taskcluster.aio
from taskcluster import TaskclusterInputError, TaskclusterRestFailure
from taskcluster._services import SERVICES

CREDS = {"clientId": "aio-tester", "accessToken": "aio-token"}
TASK = "/api/queue/v1/task/abc"
PACKAGE_PARENT = os.path.dirname(os.path.dirname(taskcluster.__file__))


def run(main):
    return asyncio.run(main())


# -- names --------------------------------------------------------------------------

def test_the_17_classes_and_one_module_each(server):
    assert sorted(SERVICES) == sorted(n for n in taskcluster.aio.__all__ if n in SERVICES)
    for name in SERVICES:
        cls = getattr(taskcluster.aio, name)
        assert issubclass(cls, taskcluster.aio.asyncclient.AsyncBaseClient)
        assert cls is not getattr(taskcluster, name)
        assert cls.__module__ == "taskcluster.aio"
        module = importlib.import_module("taskcluster.aio." + name.lower())
        assert getattr(module, name) is cls and module.__all__ == [name]
        assert (cls.serviceName, cls.apiVersion, cls.funcinfo) == (
            getattr(taskcluster, name).serviceName, getattr(taskcluster, name).apiVersion,
            getattr(taskcluster, name).funcinfo)


def test_the_package_names_resolve_and_dir_lists_them():
    for name in taskcluster.aio.__all__:
        assert getattr(taskcluster.aio, name) is not None, name
    assert set(taskcluster.aio.__all__) <= set(dir(taskcluster.aio))
    # What the package's taskcluster.aio exports from utils and exceptions.
    assert taskcluster.aio.slugId is taskcluster.utils.slugId
    assert taskcluster.aio.fromNow is taskcluster.utils.fromNow
    assert taskcluster.aio.TaskclusterRestFailure is TaskclusterRestFailure
    with pytest.raises(AttributeError, match="Queues"):
        taskcluster.aio.Queues  # noqa: B018


def test_asyncclient_module_names():
    from taskcluster.aio import asyncclient
    assert asyncclient.config is taskcluster.client.config
    assert asyncclient.BaseClient is taskcluster.client.BaseClient
    assert asyncclient.createTemporaryCredentials is taskcluster.createTemporaryCredentials
    assert issubclass(taskcluster.aio.Queue, asyncclient.AsyncBaseClient)


def test_create_session_makes_an_aiohttp_session():
    async def main():
        async with taskcluster.aio.createSession() as session:
            assert isinstance(session, aiohttp.ClientSession)
        async with taskcluster.aio.asyncclient.createSession() as session:
            assert isinstance(session, aiohttp.ClientSession)
    run(main)


def test_create_api_client_builds_an_async_class(server):
    from taskcluster.aio.asyncclient import createApiClient
    reference = {"serviceName": "fake", "apiVersion": "v1", "title": "Fake",
                 "description": "A fake service", "$schema": "/schemas/common/api-reference-v0.json#",
                 "entries": [{"type": "function", "name": "hello", "method": "get",
                              "route": "/hello/<who>", "args": ["who"], "query": [],
                              "title": "Hello", "description": "Say hello",
                              "stability": "stable", "category": "x"}]}
    Fake = createApiClient("Fake", {"reference": reference})

    async def main():
        async with Fake({"rootUrl": server.url}) as fake:
            assert inspect.iscoroutinefunction(fake.hello)
            return await fake.hello("you")
    assert run(main) == {"method": "GET", "target": "/api/fake/v1/hello/you"}
    with pytest.raises(TaskclusterInputError, match="createApiClient"):
        createApiClient("Bad", {"entries": "no"})


# -- methods mirror the sync ones --------------------------------------------------

def api_functions():
    for name in SERVICES:
        cls = getattr(taskcluster, name)
        for fname in cls._functions:
            yield name, fname


@pytest.mark.parametrize("cls, name", list(api_functions()))
def test_every_method_is_a_coroutine_with_its_sync_twins_signature_and_doc(cls, name):
    sync, aio = getattr(getattr(taskcluster, cls), name), getattr(getattr(taskcluster.aio, cls),
                                                                 name)
    assert inspect.iscoroutinefunction(aio) and not inspect.iscoroutinefunction(sync)
    assert inspect.signature(aio) == inspect.signature(sync)
    assert aio.__doc__ == sync.__doc__ and aio.__name__ == sync.__name__ == name


def test_urls_signed_urls_and_routing_keys_are_plain_functions():
    options = {"rootUrl": "https://tc.example.com", "credentials": CREDS}
    sync, aio = taskcluster.Queue(options, clock=lambda: 1e9), \
        taskcluster.aio.Queue(options, clock=lambda: 1e9)
    assert aio.buildUrl("task", "abc") == sync.buildUrl("task", "abc")
    assert aio.buildSignedUrl("task", "abc") == sync.buildSignedUrl("task", "abc")
    events = taskcluster.aio.QueueEvents()
    assert not inspect.iscoroutinefunction(events.taskDefined)
    assert events.taskDefined(taskId="abc") == taskcluster.QueueEvents().taskDefined(
        taskId="abc")


def test_bad_input_is_refused_before_anything_is_sent(server):
    async def main():
        async with taskcluster.aio.Queue({"rootUrl": server.url}) as queue:
            with pytest.raises(TaskclusterInputError) as info:
                await queue.createTask("abc")
            assert info.value.argument == "payload" and info.value.method == "Queue.createTask"
            with pytest.raises(TaskclusterInputError, match="taskId"):
                await queue.task("a", "b")
    run(main)
    assert server.requests == []


def test_every_request_is_signed_for_what_it_carries(server):
    async def main():
        async with taskcluster.aio.Queue({"rootUrl": server.url, "credentials": CREDS,
                                          "authorizedScopes": ["queue:*"]}) as queue:
            await queue.createTask("abc", {"note": "é"})
            await queue.listTaskGroup("g", query={"limit": 2, "continuationToken": "a b/c"})
    run(main)
    put, get = server.requests
    assert put.body == '{"note":"é"}'.encode() and put.headers["content-type"] == \
        "application/json"
    assert get.target == "/api/queue/v1/task-group/g/list?limit=2&continuationToken=a%20b%2Fc"
    for rec in server.requests:
        receiver = verify_request(server, rec, CREDS["clientId"], CREDS["accessToken"])
        ext = json.loads(__import__("base64").b64decode(receiver.parsed_header["ext"]))
        assert ext == {"authorizedScopes": ["queue:*"]}


# -- pagination ----------------------------------------------------------------------

def plan_pages(server):
    server.plan(Reply(200, {"tasks": [1], "continuationToken": "t1"}),
                Reply(200, {"tasks": [2], "continuationToken": "t 2/x"}),
                Reply(200, {"tasks": [3]}))


PAGE_QUERIES = ["limit=2", "limit=2&continuationToken=t1",
                "limit=2&continuationToken=t%202%2Fx"]


def test_pages_is_an_async_iterator_following_the_tokens(server):
    async def main():
        async with taskcluster.aio.Queue({"rootUrl": server.url}) as queue:
            pages = queue.pages("listTaskGroup", "g", query={"limit": 2})
            assert server.requests == []      # lazy until iterated
            return [page["tasks"] async for page in pages]
    plan_pages(server)
    assert run(main) == [[1], [2], [3]]
    assert [r.query for r in server.requests] == PAGE_QUERIES


@pytest.mark.parametrize("kind", ["function", "coroutine"])
def test_pagination_handler_may_be_a_function_or_a_coroutine(server, kind):
    seen = []

    async def coroutine(page):
        await asyncio.sleep(0)
        seen.append(page["tasks"])

    handler = coroutine if kind == "coroutine" else (lambda page: seen.append(page["tasks"]))

    async def main():
        async with taskcluster.aio.Queue({"rootUrl": server.url}) as queue:
            return await queue.listTaskGroup("g", paginationHandler=handler,
                                             paginationLimit=2)
    plan_pages(server)
    assert run(main) is None
    assert seen == [[1], [2], [3]]
    assert [r.query for r in server.requests] == PAGE_QUERIES


def test_pages_refuses_what_the_sync_pages_refuses(server):
    queue = taskcluster.aio.Queue({"rootUrl": server.url})
    with pytest.raises(TaskclusterInputError, match="not paginated"):
        queue.pages("task", "abc")
    with pytest.raises(TaskclusterInputError) as info:
        queue.pages("listTaskGroup", "g", paginationHandler=print)
    assert info.value.argument == "paginationHandler"


def test_a_failing_page_raises_from_the_iterator(server):
    async def main():
        async with taskcluster.aio.Queue({"rootUrl": server.url, "maxRetries": 0}) as queue:
            pages = queue.pages("listTaskGroup", "g")
            assert (await pages.__anext__())["tasks"] == [1]
            with pytest.raises(TaskclusterRestFailure):
                await pages.__anext__()
    server.plan(Reply(200, {"tasks": [1], "continuationToken": "t1"}), Reply(404, {}))
    run(main)


# -- sessions -------------------------------------------------------------------------

def test_the_clients_own_session_is_made_on_first_call_and_closed_with_it(server):
    async def main():
        async with taskcluster.aio.Queue({"rootUrl": server.url}) as queue:
            assert queue.session is None
            for _ in range(5):
                await queue.ping()
            session = queue.session
            assert isinstance(session, aiohttp.ClientSession) and not session.closed
        assert session.closed and queue.session is None
        await queue.close()     # twice is harmless
        # Used again after close: a new session, to be closed again.
        await queue.ping()
        assert queue.session is not session
        await queue.close()
    run(main)
    assert len(server.requests) == 6 and server.connections == 2


def test_a_session_passed_in_is_used_as_it_is_and_left_open(server):
    seen = []

    async def on_request_end(session, context, params):
        seen.append((params.method, str(params.url), params.response.status))

    async def main():
        trace = aiohttp.TraceConfig()
        trace.on_request_end.append(on_request_end)
        async with aiohttp.ClientSession(trace_configs=[trace]) as session:
            async with taskcluster.aio.Queue({"rootUrl": server.url}, session=session) as q:
                assert q.session is session
                await q.ping()
                await q.task("abc")
            assert not session.closed
            assert await q.ping() == {"method": "GET", "target": "/api/queue/v1/ping"}
    run(main)
    assert seen == [("GET", server.url + "/api/queue/v1/ping", 200),
                    ("GET", server.url + "/api/queue/v1/task/abc", 200),
                    ("GET", server.url + "/api/queue/v1/ping", 200)]


def test_an_injected_transport_replaces_aiohttp():
    from taskcluster._transport import Response

    class Ready:
        def __init__(self):
            self.sent, self.closed = [], False

        async def send(self, method, url, headers, body, timeout, limit):
            self.sent.append((method, url, body, timeout, limit))
            return Response(200, {}, b'{"ok": true}')

        async def close(self):
            self.closed = True

    transport = Ready()

    async def main():
        async with taskcluster.aio.Queue({"rootUrl": "https://tc.example.com"},
                                         transport=transport) as queue:
            return await queue.createTask("abc", {"a": 1})
    assert run(main) == {"ok": True}
    assert transport.sent == [("PUT", "https://tc.example.com/api/queue/v1/task/abc",
                               b'{"a":1}', 30, 64 * 2**20)]
    assert transport.closed


# -- aioresponses -----------------------------------------------------------------------

def test_aioresponses_intercepts_calls_as_it_does_the_packages():
    root = "https://tc.example.com"

    async def main():
        async with taskcluster.aio.Queue({"rootUrl": root, "credentials": CREDS,
                                          "maxRetries": 1}, sleep=lambda s: None) as queue:
            with aioresponses() as mocked:
                mocked.get(root + "/api/queue/v1/task/abc", payload={"taskId": "abc"})
                mocked.put(root + "/api/queue/v1/task/def", status=503)
                mocked.put(root + "/api/queue/v1/task/def", payload={"status": "ok"})
                assert await queue.task("abc") == {"taskId": "abc"}
                assert await queue.createTask("def", {"a": 1}) == {"status": "ok"}
                return mocked.requests
    requests = run(main)
    (get,) = requests["GET", aiohttp.client.URL(root + "/api/queue/v1/task/abc")]
    verify_header(get.kwargs["headers"]["Authorization"], root + "/api/queue/v1/task/abc",
                  "GET", CREDS["clientId"], CREDS["accessToken"])
    puts = requests["PUT", aiohttp.client.URL(root + "/api/queue/v1/task/def")]
    assert [p.kwargs["data"] for p in puts] == [b'{"a":1}'] * 2
    assert puts[0].kwargs["headers"]["Authorization"] != puts[1].kwargs["headers"][
        "Authorization"]


# -- import cost -----------------------------------------------------------------------

def run_fresh(code):
    env = dict(os.environ, PYTHONPATH=PACKAGE_PARENT)
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd="/",
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


HEAVY = "print(sorted(m for m in ('aiohttp', 'requests', 'mohawk', 'yarl') if m in sys.modules))\n"


def test_importing_taskcluster_aio_imports_no_http_library():
    assert run_fresh("import sys, taskcluster.aio\n" + HEAVY +
                     "print('taskcluster._plan' in sys.modules)\n") == ["[]", "False"]


def test_building_an_async_client_and_urls_imports_no_http_library():
    out = run_fresh(
        "import sys, taskcluster.aio, taskcluster.aio.queue\n"
        "q = taskcluster.aio.queue.Queue({'rootUrl': 'https://tc.example.com'})\n"
        "print(q.buildUrl('task', 'abc'))\n" + HEAVY)
    assert out == ["https://tc.example.com/api/queue/v1/task/abc", "[]"]


def test_the_first_async_call_imports_aiohttp(server):
    out = run_fresh(
        "import sys, asyncio, taskcluster.aio\n"
        "async def main():\n"
        "    async with taskcluster.aio.Queue({'rootUrl': %r}) as q:\n"
        "        print(await q.ping())\n"
        "asyncio.run(main())\n" % server.url + HEAVY)
    assert out == [str({"method": "GET", "target": "/api/queue/v1/ping"}),
                   "['aiohttp', 'yarl']"]


def test_a_client_serves_one_event_loop_after_another(server):
    # asyncio.run(queue.task(x)) twice, as scripts written for the package do
    # (its clients open a session per call): the session made in the first
    # loop is closed as that loop ends, and a new one serves the second.
    queue = taskcluster.aio.Queue({"rootUrl": server.url})
    assert asyncio.run(queue.task("abc")) == {"method": "GET", "target": TASK}
    first = queue.session
    assert first.closed and client_sockets(server.port) == []

    async def second():
        return await asyncio.gather(queue.task("abc"), queue.task("abc"))
    assert asyncio.run(second()) == [{"method": "GET", "target": TASK}] * 2
    assert queue.session is not first and queue.session.closed
    assert client_sockets(server.port) == []


def test_a_client_never_closed_leaves_nothing_open(server):
    # Warnings are errors here: an unclosed session, connector or socket
    # would fail the test (aiohttp and asyncio warn of each).
    async def main():
        queue = taskcluster.aio.Queue({"rootUrl": server.url})
        await queue.task("abc")
        dropped = taskcluster.aio.Queue({"rootUrl": server.url})
        await dropped.task("abc")
        session = dropped.session
        del dropped
        gc.collect()
        await asyncio.sleep(0.01)     # the loop closes what was dropped
        assert session.closed
        return queue
    queue = asyncio.run(main())
    assert queue.session.closed and client_sockets(server.port) == []
    del queue
    gc.collect()
