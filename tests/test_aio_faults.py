"""Faults survived by the async clients: the cases of ``test_faults`` (the
same fault kinds, the same exact delays with injected sleep and random),
driven through ``taskcluster.aio`` clients against the loopback server.
"""

from __future__ import annotations

import asyncio
import copy
import pickle

import pytest
from hawkcheck import nonce, verify_request
from loopback import Hang, Reply, Reset, Truncate, closed_port
from test_faults import CREDS, DEFAULT_DELAYS, TASK_PATH, Clock, CountingDict

import taskcluster
import taskcluster.aio
from taskcluster import (TaskclusterAuthFailure, TaskclusterConnectionError,
                         TaskclusterFailure, TaskclusterInputError, TaskclusterRestFailure)


@pytest.fixture
def run(server):
    """``run(fn, clock, **options)``: ``await fn(queue)`` in a new event loop,
    with an async Queue (closed after) on the loopback server."""
    def run(fn, clock=None, **options):
        opts = {"rootUrl": server.url, "credentials": CREDS}
        opts.update(options)
        clock = clock or Clock()

        async def main():
            async with taskcluster.aio.Queue(opts, sleep=clock.sleep,
                                             random=clock.random) as queue:
                queue.clock = clock  # for the test's convenience only
                return await fn(queue)
        return asyncio.run(main())
    return run


def task(queue):
    return queue.task("abc")


def assert_resigned(server, count: int) -> None:
    assert len(server.requests) == count
    first = server.requests[0]
    for rec in server.requests:
        assert (rec.method, rec.target, rec.body) == (first.method, first.target, first.body)
        verify_request(server, rec, CREDS["clientId"], CREDS["accessToken"])
    assert len({nonce(r) for r in server.requests}) == count
    assert len({r.headers["authorization"] for r in server.requests}) == count


# -- retries and backoff -------------------------------------------------------------

@pytest.mark.parametrize("status", [500, 502, 503, 504, 599])
def test_a_5xx_is_retried_and_the_next_success_returned(server, run, status):
    clock = Clock()
    server.plan(Reply(status, {"code": "Oops", "message": "try again"}), Reply(status))
    assert run(task, clock) == {"method": "GET", "target": TASK_PATH}
    assert clock.delays == pytest.approx([0.2, 0.4], rel=1e-12)
    assert_resigned(server, 3)


def test_5xx_exhausts_max_retries_then_carries_the_last_answer(server, run):
    clock = Clock()
    last = {"code": "LastCode", "message": "the last answer"}
    server.plan(*[Reply(503, {"code": "Early", "message": "early"})] * 5, Reply(500, last))
    with pytest.raises(TaskclusterRestFailure) as info:
        run(task, clock)
    e = info.value
    assert type(e) is TaskclusterRestFailure
    assert (e.status_code, e.code, e.body) == (500, "LastCode", last)
    assert (e.method, e.url) == ("Queue.task", server.url + TASK_PATH)
    assert "the last answer" in e.message and "500" in e.message and "6 attempts" in e.message
    assert clock.delays == pytest.approx(DEFAULT_DELAYS, rel=1e-12)
    assert_resigned(server, 6)


def test_jitter_is_applied_per_attempt_with_the_exact_formula(server, run):
    clock = Clock(0.0, 0.5, 1.0, 0.25, 0.75)
    server.plan(*[Reply(503)] * 6)
    with pytest.raises(TaskclusterRestFailure):
        run(task, clock)
    assert clock.delays == pytest.approx([0.15, 0.4, 1.0, 1.4, 3.6], rel=1e-12)


def test_delays_are_capped_at_max_delay(server, run):
    clock = Clock()
    server.plan(*[Reply(500)] * 6)
    with pytest.raises(TaskclusterRestFailure):
        run(task, clock, delayFactor=1, maxDelay=5)
    assert clock.delays == [2, 4, 5, 5, 5]


@pytest.mark.parametrize("max_retries", [0, 1, 3])
def test_max_retries_is_the_number_of_retries_after_the_first_attempt(server, run,
                                                                      max_retries):
    clock = Clock()
    server.plan(*[Reply(503)] * 10)
    with pytest.raises(TaskclusterRestFailure):
        run(task, clock, maxRetries=max_retries)
    assert len(server.requests) == max_retries + 1
    assert clock.delays == pytest.approx(DEFAULT_DELAYS[:max_retries], rel=1e-12)


@pytest.mark.parametrize("status, cls", [
    (400, TaskclusterRestFailure), (401, TaskclusterAuthFailure),
    (403, TaskclusterRestFailure), (404, TaskclusterRestFailure),
    (409, TaskclusterRestFailure), (429, TaskclusterRestFailure),
    (499, TaskclusterRestFailure)])
def test_a_4xx_is_never_retried(server, run, status, cls):
    clock = Clock()
    body = {"code": "Refused%d" % status, "message": "no, %d" % status}
    server.plan(Reply(status, body))
    with pytest.raises(cls) as info:
        run(task, clock)
    assert type(info.value) is cls
    assert (info.value.status_code, info.value.code, info.value.body) == (
        status, "Refused%d" % status, body)
    assert len(server.requests) == 1 and clock.delays == []


def test_a_timeout_is_retried_then_raises_a_connection_error_naming_method_and_url(
        server, run):
    clock = Clock()
    server.plan(*[Hang(1)] * 6)
    with pytest.raises(TaskclusterConnectionError) as info:
        run(task, clock, timeout=0.2)
    e = info.value
    url = server.url + TASK_PATH
    assert (e.method, e.url, e.status_code) == ("Queue.task", url, None)
    assert "GET " + url in str(e) and "6 attempts" in str(e) and "timed out" in str(e)
    assert clock.delays == pytest.approx(DEFAULT_DELAYS, rel=1e-12)
    assert_resigned(server, 6)


def test_a_timeout_then_an_answer_succeeds(server, run):
    clock = Clock()
    server.plan(Hang(1))
    assert run(task, clock, timeout=0.2) == {"method": "GET", "target": TASK_PATH}
    assert clock.delays == pytest.approx([0.2], rel=1e-12)
    assert_resigned(server, 2)


def test_connection_refused_is_retried_then_raises_a_connection_error(run):
    clock = Clock()
    root = "http://127.0.0.1:%d" % closed_port()
    with pytest.raises(TaskclusterConnectionError) as info:
        run(task, clock, rootUrl=root)
    e = info.value
    assert (e.method, e.url) == ("Queue.task", root + TASK_PATH)
    # Said plainly: no "Max retries exceeded" (urllib3's, not ours), no class name.
    assert str(e) == ("Queue.task: GET %s%s failed after 6 attempts: the connection was "
                      "refused: nothing accepts connections at %s"
                      % (root, TASK_PATH, root[len("http://"):]))
    assert clock.delays == pytest.approx(DEFAULT_DELAYS, rel=1e-12)


@pytest.mark.parametrize("fault", [Reset(), Reset(after_headers=True), Truncate(),
                                   Truncate(status=500)], ids=repr)
def test_a_broken_connection_is_retried(server, run, fault):
    clock = Clock()

    async def twice(queue):
        # The second call's faults meet a pooled (kept-alive) connection.
        await queue.task("abc")
        del server.requests[:]
        server.plan(fault, fault)
        return await queue.task("abc")
    assert run(twice, clock) == {"method": "GET", "target": TASK_PATH}
    assert clock.delays == pytest.approx([0.2, 0.4], rel=1e-12)
    assert_resigned(server, 3)


def test_every_kind_of_fault_in_one_call(server, run):
    clock = Clock()
    server.plan(Reply(502), Reset(), Hang(1), Truncate(), Reset(after_headers=True))
    assert run(task, clock, timeout=0.2) == {"method": "GET", "target": TASK_PATH}
    assert clock.delays == pytest.approx(DEFAULT_DELAYS, rel=1e-12)
    assert_resigned(server, 6)


def test_resets_exhaust_the_retries_then_raise_a_connection_error(server, run):
    clock = Clock()
    server.plan(Reset(), Reset(after_headers=True), Reset())
    with pytest.raises(TaskclusterConnectionError) as info:
        run(task, clock, maxRetries=2)
    assert "failed after 3 attempts" in str(info.value)
    assert clock.delays == pytest.approx([0.2, 0.4], rel=1e-12)


def test_a_request_the_http_library_refuses_is_not_retried_nor_quoted(server):
    clock = Clock()

    async def main():
        async with taskcluster.aio.Queue({"rootUrl": server.url, "credentials": CREDS},
                                         sleep=clock.sleep, nonce=lambda: "abc\n") as queue:
            await queue.task("abc")
    with pytest.raises(TaskclusterConnectionError) as info:
        asyncio.run(main())
    e = info.value
    assert "refused to send" in str(e) and "failed after 1 attempt" in str(e)
    assert "Hawk" not in str(e) and "mac=" not in str(e)
    assert e.__context__ is None and e.__cause__ is None and e.superExc is None
    assert clock.delays == [] and server.requests == []


def test_each_attempt_takes_a_new_nonce_from_the_injected_function(server):
    issued = iter(["nonce1", "nonce2", "nonce3"])
    clock = Clock()

    async def main():
        async with taskcluster.aio.Queue({"rootUrl": server.url, "credentials": CREDS},
                                         sleep=clock.sleep, random=clock.random,
                                         nonce=lambda: next(issued)) as queue:
            server.plan(Reply(500), Reset())
            return await queue.task("abc")
    asyncio.run(main())
    assert [nonce(r) for r in server.requests] == ["nonce1", "nonce2", "nonce3"]
    assert_resigned(server, 3)


def test_a_coroutine_sleep_is_awaited_and_the_default_sleep_is_asyncio_sleep(server):
    slept = []

    async def sleep(seconds):
        slept.append(seconds)
        await asyncio.sleep(0)

    async def main():
        async with taskcluster.aio.Queue({"rootUrl": server.url}, sleep=sleep,
                                         random=lambda: 0.5) as queue:
            server.plan(Reply(503))
            assert await queue.task("abc") == {"method": "GET", "target": TASK_PATH}
        # Not injected: the real one, with a real (short) wait.
        async with taskcluster.aio.Queue({"rootUrl": server.url, "delayFactor": 0.001},
                                         random=lambda: 0.5) as queue:
            assert queue._sleep is asyncio.sleep
            server.plan(Reply(503))
            assert await queue.task("abc") == {"method": "GET", "target": TASK_PATH}
    asyncio.run(main())
    assert slept == [0.2] and len(server.requests) == 4


# -- the payload ------------------------------------------------------------------------

def test_the_payload_is_serialized_once_not_per_attempt(server, run):
    payload = CountingDict(provisionerId="p", workerType="w", note="é")
    server.plan(Reply(503), Reset(), Truncate(), Reply(500))
    assert run(lambda q: q.createTask("abc", payload)) == {"method": "PUT",
                                                           "target": TASK_PATH}
    assert payload.serialized == 1
    assert_resigned(server, 5)
    assert {r.body for r in server.requests} == {
        '{"provisionerId":"p","workerType":"w","note":"é"}'.encode()}
    assert {r.headers["content-type"] for r in server.requests} == {"application/json"}


# -- answers that are not what was expected --------------------------------------

def test_a_303_with_a_json_body_returns_the_body_and_is_not_followed(server, run):
    body = {"storageType": "s3", "url": "http://127.0.0.1:1/elsewhere"}
    server.plan(Reply(303, body, headers={"Location": "http://127.0.0.1:1/elsewhere"}))
    assert run(lambda q: q.getArtifact("abc", 0, "public/x")) == body
    assert len(server.requests) == 1


@pytest.mark.parametrize("reply, text", [
    (Reply(200, b""), ""),
    (Reply(200, b"", headers={"Content-Type": "application/json"}), ""),
    (Reply(200, "plain text"), "plain text"),
    (Reply(200, b"{not json", headers={"Content-Type": "application/json"}), "{not json"),
    (Reply(303, b"", headers={"Location": "http://127.0.0.1:1/x"}), "")],
    ids=["empty", "empty-json", "text", "bad-json", "303-empty"])
def test_a_success_without_a_json_body_returns_the_aiohttp_response(server, run, reply,
                                                                   text):
    # As the taskcluster package's aio: {"response": <aiohttp.ClientResponse>},
    # its body read and still readable, not retried.
    import aiohttp

    async def check(queue):
        value = await queue.task("abc")
        assert list(value) == ["response"]
        response = value["response"]
        assert isinstance(response, aiohttp.ClientResponse)
        assert response.status == reply.status
        assert await response.read() == text.encode()
        assert await response.text() == text
        if reply.status == 303:
            assert response.headers["location"] == "http://127.0.0.1:1/x"
        # The connection went back to the pool: the next call reuses it.
        assert await queue.task("abc") == {"method": "GET", "target": TASK_PATH}
    server.plan(reply)
    run(check)
    assert len(server.requests) == 2 and server.connections == 1


def test_a_204_returns_none(server, run):
    server.plan(Reply(204))
    assert run(task) is None


@pytest.mark.parametrize("status, body, headers, default", [
    (500, b"", {}, "Internal Server Error"),
    (502, "<html>Bad Gateway</html>", {"Content-Type": "text/html"}, "Unknown Server Error"),
    (503, b'{"code": "Trunc', {"Content-Type": "application/json"}, "Unknown Server Error"),
    (404, "Not Found", {}, "Unknown Server Error"),
    (400, b"[1, 2]", {"Content-Type": "application/json"}, "Unknown Server Error"),
    (409, {"code": 7, "message": None}, {}, "Unknown Server Error"),
    (418, {"message": ""}, {}, "Unknown Server Error"),
], ids=["500-empty", "502-html", "503-bad-json", "404-text", "400-list",
        "409-bad-fields", "418-empty-message"])
def test_error_messages_are_never_none(server, run, status, body, headers, default):
    server.plan(Reply(status, body, headers=headers))
    with pytest.raises(TaskclusterRestFailure) as info:
        run(task, maxRetries=0)
    e = info.value
    assert isinstance(e.message, str) and e.message == str(e)
    assert default in e.message and str(status) in e.message
    assert "Queue.task" in e.message and server.url + TASK_PATH in e.message
    assert e.status_code == status and e.code == "UnknownError"


def test_a_401_is_an_auth_failure_never_retried(server, run):
    server.plan(Reply(401, b""))
    with pytest.raises(TaskclusterAuthFailure) as info:
        run(task)
    e = info.value
    assert not isinstance(e, TaskclusterRestFailure)
    assert "Authentication Error" in e.message and e.status_code == 401 and e.body == {}
    assert len(server.requests) == 1


# -- exceptions: fields and pickling, the same as the sync clients' ---------------

FIELDS = ("message", "status_code", "code", "body", "method", "url")


@pytest.fixture
def failures(server):
    """One exception of each kind, each raised by a real async call."""
    server.plan(Reply(404, {"code": "ResourceNotFound", "message": "no such task"}),
                Reply(401, {"code": "AuthenticationFailed", "message": "bad mac"}),
                Reply(500, "<html>oops</html>", headers={"Content-Type": "text/html"}),
                Hang(1))
    caught = {}

    async def main():
        options = {"rootUrl": server.url, "credentials": CREDS, "maxRetries": 0,
                   "timeout": 0.2}
        refused_options = dict(options, rootUrl="http://127.0.0.1:%d" % closed_port())
        async with taskcluster.aio.Queue(options) as queue, \
                taskcluster.aio.Queue(refused_options) as refused:
            for kind, call in [("rest", lambda: queue.task("abc")),
                               ("auth", lambda: queue.task("abc")),
                               ("rest-text", lambda: queue.task("abc")),
                               ("timeout", lambda: queue.task("abc")),
                               ("refused", lambda: refused.task("abc")),
                               ("input", lambda: queue.task(None))]:
                with pytest.raises(TaskclusterFailure) as info:
                    await call()
                caught[kind] = info.value
    asyncio.run(main())
    with pytest.raises(TaskclusterFailure) as info:
        taskcluster.aio.Queue({"rootUrl": "ftp://x"})
    caught["options"] = info.value
    return caught


def test_every_exception_has_a_message_and_the_common_fields(failures):
    kinds = {k: type(e) for k, e in failures.items()}
    assert kinds == {
        "rest": TaskclusterRestFailure, "auth": TaskclusterAuthFailure,
        "rest-text": TaskclusterRestFailure, "timeout": TaskclusterConnectionError,
        "refused": TaskclusterConnectionError, "input": TaskclusterInputError,
        "options": TaskclusterInputError}
    for kind, e in failures.items():
        assert isinstance(e.message, str) and e.message and str(e) == e.message, kind
        assert e.args == (e.message,), kind
        for name in FIELDS:
            assert hasattr(e, name), (kind, name)
    assert failures["rest"].body["code"] == "ResourceNotFound"
    assert failures["rest-text"].body == {}          # as the package; the text is in the message
    assert "<html>oops</html>" in failures["rest-text"].message
    assert failures["timeout"].status_code is None
    assert failures["input"].argument == "taskId"
    assert failures["input"].method == "Queue.task"


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_every_exception_survives_pickle_and_copy_with_its_fields(failures, protocol):
    for kind, e in failures.items():
        for again in (pickle.loads(pickle.dumps(e, protocol=protocol)), copy.copy(e),
                      copy.deepcopy(e)):
            assert type(again) is type(e), kind
            assert str(again) == str(e) and again.args == e.args, kind
            assert vars(again) == vars(e), kind
