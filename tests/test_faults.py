"""Faults survived: retries, backoff, timeouts, error answers and pickling,
driven through whole clients against the fault-injecting loopback server.

Every retry test pins ``sleep`` (the delays are recorded, not slept) and
``random``, and checks the exact delays of Node's formula
``min(2**attempt * delayFactor * (random()*2*rf + 1 - rf), maxDelay)``.
"""

from __future__ import annotations

import copy
import json
import pickle

import pytest
from loopback import Hang, Reply, Reset, Truncate, closed_port
from hawkcheck import nonce, verify_request

import taskcluster
from taskcluster import (TaskclusterAuthFailure, TaskclusterConnectionError,
                         TaskclusterFailure, TaskclusterInputError,
                         TaskclusterRestFailure)

CREDS = {"clientId": "fault-tester", "accessToken": "fault-token"}
TASK_PATH = "/api/queue/v1/task/abc"

# The defaults (maxRetries 5, delayFactor 0.1 s, rf 0.25) with random() = 0.5:
# the jitter factor is exactly 1, so the waits are 2**n * 0.1 for n = 1..5.
DEFAULT_DELAYS = [0.2, 0.4, 0.8, 1.6, 3.2]


class Clock:
    """Injectable sleep and random: records each wait, replays random values."""

    def __init__(self, *randoms: float):
        self.delays: list[float] = []
        self._randoms = list(randoms) or [0.5]
        self._calls = 0

    def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)

    def random(self) -> float:
        value = self._randoms[min(self._calls, len(self._randoms) - 1)]
        self._calls += 1
        return value


@pytest.fixture
def make(server):
    made = []

    def make(clock=None, class_name="Queue", **options):
        opts = {"rootUrl": server.url, "credentials": CREDS}
        opts.update(options)
        clock = clock or Clock()
        client = getattr(taskcluster, class_name)(opts, sleep=clock.sleep,
                                                  random=clock.random)
        client.clock = clock  # for the test's convenience only
        made.append(client)
        return client
    yield make
    for client in made:
        client.close()


def nonces(server) -> list[str]:
    return [nonce(r) for r in server.requests]


def assert_resigned(server, count: int) -> None:
    """``count`` attempts, the same request each time, each signed afresh
    (new nonce, new MAC) and each valid for what the server received."""
    assert len(server.requests) == count
    first = server.requests[0]
    for rec in server.requests:
        assert (rec.method, rec.target, rec.body) == (first.method, first.target, first.body)
        verify_request(server, rec, CREDS["clientId"], CREDS["accessToken"])
    assert len(set(nonces(server))) == count
    assert len({r.headers["authorization"] for r in server.requests}) == count


# -- retries and backoff -------------------------------------------------------------

@pytest.mark.parametrize("status", [500, 502, 503, 504, 599])
def test_a_5xx_is_retried_and_the_next_success_returned(server, make, status):
    queue = make()
    server.plan(Reply(status, {"code": "Oops", "message": "try again"}), Reply(status))
    assert queue.task("abc") == {"method": "GET", "target": TASK_PATH}
    assert queue.clock.delays == pytest.approx([0.2, 0.4], rel=1e-12)
    assert_resigned(server, 3)


def test_5xx_exhausts_max_retries_then_carries_the_last_answer(server, make):
    queue = make()
    last = {"code": "LastCode", "message": "the last answer",
            "requestInfo": {"method": "task", "params": {"taskId": "abc"}}}
    server.plan(*[Reply(503, {"code": "Early", "message": "early %d" % i}) for i in range(5)],
                Reply(500, last))
    with pytest.raises(TaskclusterRestFailure) as info:
        queue.task("abc")
    e = info.value
    assert type(e) is TaskclusterRestFailure
    assert (e.status_code, e.code, e.body) == (500, "LastCode", last)
    assert e.method == "Queue.task"
    assert e.url == server.url + TASK_PATH
    assert "the last answer" in e.message and "500" in e.message
    assert queue.clock.delays == pytest.approx(DEFAULT_DELAYS, rel=1e-12)
    assert_resigned(server, 6)


def test_jitter_is_applied_per_attempt_with_the_exact_formula(server, make):
    # random() values in order: 0, .5, 1, .25, .75 -> factors .75, 1, 1.25, .875, 1.125
    clock = Clock(0.0, 0.5, 1.0, 0.25, 0.75)
    queue = make(clock)
    server.plan(*[Reply(503)] * 6)
    with pytest.raises(TaskclusterRestFailure):
        queue.task("abc")
    assert clock.delays == pytest.approx([0.15, 0.4, 1.0, 1.4, 3.6], rel=1e-12)


def test_delays_are_capped_at_max_delay(server, make):
    queue = make(delayFactor=1, maxDelay=5)
    server.plan(*[Reply(500)] * 6)
    with pytest.raises(TaskclusterRestFailure):
        queue.task("abc")
    assert queue.clock.delays == [2, 4, 5, 5, 5]


@pytest.mark.parametrize("max_retries", [0, 1, 3])
def test_max_retries_is_the_number_of_retries_after_the_first_attempt(server, make,
                                                                      max_retries):
    queue = make(maxRetries=max_retries)
    server.plan(*[Reply(503)] * 10)
    with pytest.raises(TaskclusterRestFailure):
        queue.task("abc")
    assert len(server.requests) == max_retries + 1
    assert queue.clock.delays == pytest.approx(DEFAULT_DELAYS[:max_retries], rel=1e-12)


@pytest.mark.parametrize("status, cls", [
    (400, TaskclusterRestFailure), (401, TaskclusterAuthFailure),
    (403, TaskclusterRestFailure), (404, TaskclusterRestFailure),
    (409, TaskclusterRestFailure), (429, TaskclusterRestFailure),
    (499, TaskclusterRestFailure)])
def test_a_4xx_is_never_retried(server, make, status, cls):
    queue = make()
    body = {"code": "Refused%d" % status, "message": "no, %d" % status,
            "requestInfo": {"method": "task"}}
    server.plan(Reply(status, body))
    with pytest.raises(cls) as info:
        queue.task("abc")
    assert type(info.value) is cls
    assert (info.value.status_code, info.value.code, info.value.body) == (
        status, "Refused%d" % status, body)
    assert len(server.requests) == 1
    assert queue.clock.delays == []


def test_a_timeout_is_retried_then_raises_a_connection_error_naming_method_and_url(
        server, make):
    queue = make(timeout=0.2)
    server.plan(*[Hang(1)] * 6)
    with pytest.raises(TaskclusterConnectionError) as info:
        queue.task("abc")
    e = info.value
    url = server.url + TASK_PATH
    assert (e.method, e.url) == ("Queue.task", url)
    assert "Queue.task" in str(e) and "GET " + url in str(e)
    assert "6 attempts" in str(e) and "timed out" in str(e)
    assert queue.clock.delays == pytest.approx(DEFAULT_DELAYS, rel=1e-12)
    assert_resigned(server, 6)


def test_a_timeout_then_an_answer_succeeds(server, make):
    queue = make(timeout=0.2)
    server.plan(Hang(1))
    assert queue.task("abc") == {"method": "GET", "target": TASK_PATH}
    assert queue.clock.delays == pytest.approx([0.2], rel=1e-12)
    assert_resigned(server, 2)


def test_connection_refused_is_retried_then_raises_a_connection_error(make):
    root = "http://127.0.0.1:%d" % closed_port()
    queue = make(rootUrl=root)
    with pytest.raises(TaskclusterConnectionError) as info:
        queue.task("abc")
    e = info.value
    assert (e.method, e.url) == ("Queue.task", root + TASK_PATH)
    # Said plainly: no "Max retries exceeded" (urllib3's, not ours), no class name.
    assert str(e) == ("Queue.task: GET %s%s failed after 6 attempts: the connection was "
                      "refused: nothing accepts connections at %s"
                      % (root, TASK_PATH, root[len("http://"):]))
    assert queue.clock.delays == pytest.approx(DEFAULT_DELAYS, rel=1e-12)


@pytest.mark.parametrize("fault", [Reset(), Reset(after_headers=True), Truncate(),
                                   Truncate(status=500)], ids=repr)
def test_a_broken_connection_is_retried(server, make, fault):
    queue = make()
    server.plan(fault, fault)
    assert queue.task("abc") == {"method": "GET", "target": TASK_PATH}
    assert queue.clock.delays == pytest.approx([0.2, 0.4], rel=1e-12)
    assert_resigned(server, 3)


def test_every_kind_of_fault_in_one_call(server, make):
    queue = make(timeout=0.2)
    server.plan(Reply(502), Reset(), Hang(1), Truncate(), Reset(after_headers=True))
    assert queue.task("abc") == {"method": "GET", "target": TASK_PATH}
    assert queue.clock.delays == pytest.approx(DEFAULT_DELAYS, rel=1e-12)
    assert_resigned(server, 6)


def test_resets_exhaust_the_retries_then_raise_a_connection_error(server, make):
    queue = make(maxRetries=2)
    server.plan(Reset(), Reset(after_headers=True), Reset())
    with pytest.raises(TaskclusterConnectionError) as info:
        queue.task("abc")
    assert "failed after 3 attempts" in str(info.value)
    assert queue.clock.delays == pytest.approx([0.2, 0.4], rel=1e-12)


def test_a_request_the_http_library_refuses_is_not_retried_nor_quoted(server):
    # A nonce function that returns a newline makes an Authorization header
    # that cannot be sent; HTTP libraries say so quoting the header.
    clock = Clock()
    with taskcluster.Queue({"rootUrl": server.url, "credentials": CREDS},
                           sleep=clock.sleep, nonce=lambda: "abc\n") as queue:
        with pytest.raises(TaskclusterConnectionError) as info:
            queue.task("abc")
    e = info.value
    assert "refused to send" in str(e) and "failed after 1 attempt" in str(e)
    assert "Hawk" not in str(e) and "mac=" not in str(e)
    assert e.__context__ is None and e.__cause__ is None and e.superExc is None
    assert clock.delays == [] and server.requests == []


def test_each_attempt_takes_a_new_nonce_from_the_injected_function(server):
    issued = iter(["nonce1", "nonce2", "nonce3"])
    clock = Clock()
    with taskcluster.Queue({"rootUrl": server.url, "credentials": CREDS},
                           sleep=clock.sleep, random=clock.random,
                           nonce=lambda: next(issued)) as queue:
        server.plan(Reply(500), Reset())
        queue.task("abc")
    assert nonces(server) == ["nonce1", "nonce2", "nonce3"]
    assert_resigned(server, 3)


# -- the payload ------------------------------------------------------------------------

class CountingDict(dict):
    """A payload that counts how often it is serialized: ``json`` reads a
    dict subclass through its ``items()`` (the C encoder too), so each
    serialization calls ``items()`` once.  Nothing private is patched."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.serialized = 0

    def items(self):
        self.serialized += 1
        return super().items()


def test_counting_dict_counts_serializations():
    payload = CountingDict(a=1)
    assert json.dumps(payload, separators=(",", ":")) == '{"a":1}'
    json.dumps({"x": payload}, ensure_ascii=False)
    assert payload.serialized == 2


def test_the_payload_is_serialized_once_not_per_attempt(server, make):
    queue = make()
    payload = CountingDict(provisionerId="p", workerType="w", note="é")
    server.plan(Reply(503), Reset(), Truncate(), Reply(500))
    assert queue.createTask("abc", payload) == {"method": "PUT", "target": TASK_PATH}
    assert payload.serialized == 1
    assert_resigned(server, 5)
    assert {r.body for r in server.requests} == {
        '{"provisionerId":"p","workerType":"w","note":"é"}'.encode()}
    assert {r.headers["content-type"] for r in server.requests} == {"application/json"}


# -- answers that are not what was expected --------------------------------------

def test_a_303_with_a_json_body_returns_the_body_and_is_not_followed(server, make):
    queue = make()
    body = {"storageType": "s3", "url": "http://127.0.0.1:1/elsewhere"}
    server.plan(Reply(303, body, headers={"Location": "http://127.0.0.1:1/elsewhere"}))
    assert queue.getArtifact("abc", 0, "public/x") == body
    assert len(server.requests) == 1


@pytest.mark.parametrize("reply", [
    Reply(200, b""), Reply(200, b"", headers={"Content-Type": "application/json"}),
    Reply(200, "plain text"), Reply(303, b"", headers={"Location": "http://127.0.0.1:1/x"})],
    ids=["empty", "empty-json", "text", "303-empty"])
def test_a_success_without_a_json_body_returns_the_response(server, make, reply):
    # As the taskcluster package: {"response": <requests.Response>}, not retried.
    queue = make()
    server.plan(reply)
    value = queue.task("abc")
    assert list(value) == ["response"] and value["response"].status_code == reply.status
    if reply.status == 303:
        assert value["response"].headers["location"] == "http://127.0.0.1:1/x"
    assert len(server.requests) == 1


def test_a_204_returns_none(server, make):
    server.plan(Reply(204))
    assert make().task("abc") is None


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
def test_error_messages_are_never_none(server, make, status, body, headers, default):
    queue = make(maxRetries=0)
    server.plan(Reply(status, body, headers=headers))
    with pytest.raises(TaskclusterRestFailure) as info:
        queue.task("abc")
    e = info.value
    assert isinstance(e.message, str) and e.message == str(e)
    assert default in e.message
    assert "Queue.task" in e.message and server.url + TASK_PATH in e.message
    assert str(status) in e.message
    assert e.status_code == status and e.code == "UnknownError"


def test_a_401_is_an_auth_failure_never_retried(server, make):
    # As in the package: TaskclusterAuthFailure is not a TaskclusterRestFailure.
    queue = make()
    server.plan(Reply(401, b""))
    with pytest.raises(TaskclusterAuthFailure) as info:
        queue.task("abc")
    e = info.value
    assert not isinstance(e, TaskclusterRestFailure)
    assert "Authentication Error" in e.message and e.status_code == 401 and e.body == {}
    assert len(server.requests) == 1


def test_a_2xx_with_invalid_json_returns_the_response_not_a_crash(server, make):
    queue = make(maxRetries=0)
    server.plan(Reply(200, b"{not json", headers={"Content-Type": "application/json"}))
    value = queue.task("abc")
    assert value["response"].status_code == 200 and value["response"].content == b"{not json"
    assert len(server.requests) == 1


# -- exceptions: fields and pickling ---------------------------------------------

FIELDS = ("message", "status_code", "code", "body", "method", "url")


def caught(fn) -> TaskclusterFailure:
    with pytest.raises(TaskclusterFailure) as info:
        fn()
    return info.value


@pytest.fixture
def failures(server, make):
    """One exception of each kind, each raised by a real call."""
    queue = make(maxRetries=0, timeout=0.2)
    refused = make(maxRetries=0, rootUrl="http://127.0.0.1:%d" % closed_port())
    server.plan(Reply(404, {"code": "ResourceNotFound", "message": "no such task",
                            "requestInfo": {"params": {"taskId": "abc"}}}),
                Reply(401, {"code": "AuthenticationFailed", "message": "bad mac"}),
                Reply(500, "<html>oops</html>", headers={"Content-Type": "text/html"}),
                Hang(1))
    return {
        "rest": caught(lambda: queue.task("abc")),
        "auth": caught(lambda: queue.task("abc")),
        "rest-text": caught(lambda: queue.task("abc")),
        "timeout": caught(lambda: queue.task("abc")),
        "refused": caught(lambda: refused.task("abc")),
        "input": caught(lambda: queue.task(None)),
        "options": caught(lambda: taskcluster.Queue({"rootUrl": "ftp://x"})),
        "bare": TaskclusterFailure(None),
    }


def test_every_exception_has_a_message_and_the_common_fields(failures):
    kinds = {k: type(e) for k, e in failures.items()}
    assert kinds == {
        "rest": TaskclusterRestFailure, "auth": TaskclusterAuthFailure,
        "rest-text": TaskclusterRestFailure, "timeout": TaskclusterConnectionError,
        "refused": TaskclusterConnectionError, "input": TaskclusterInputError,
        "options": TaskclusterInputError, "bare": TaskclusterFailure}
    for kind, e in failures.items():
        assert isinstance(e.message, str) and e.message, kind
        assert str(e) == e.message and e.args == (e.message,), kind
        for name in FIELDS:
            assert hasattr(e, name), (kind, name)
    assert failures["rest"].body["code"] == "ResourceNotFound"
    assert failures["rest-text"].body == {}          # as the package; the text is in the message
    assert "<html>oops</html>" in failures["rest-text"].message
    assert failures["timeout"].status_code is None
    assert failures["input"].argument == "taskId"


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_every_exception_survives_pickle_with_its_fields(failures, protocol):
    for kind, e in failures.items():
        again = pickle.loads(pickle.dumps(e, protocol=protocol))
        assert type(again) is type(e), kind
        assert str(again) == str(e) and again.args == e.args, kind
        assert vars(again) == vars(e), kind
        for name in FIELDS:
            assert getattr(again, name) == getattr(e, name), (kind, name)


def test_exceptions_copy_with_their_fields(failures):
    for kind, e in failures.items():
        for again in (copy.copy(e), copy.deepcopy(e)):
            assert type(again) is type(e) and vars(again) == vars(e), kind


def test_a_5xx_after_the_retries_says_how_many_attempts_were_made(server, make):
    queue = make(maxRetries=2)
    server.plan(Reply(503), Reply(502), Reply(500, {"code": "InternalError", "message": "boom"}))
    with pytest.raises(TaskclusterRestFailure) as info:
        queue.task("abc")
    e = info.value
    assert "answered 500 InternalError (3 attempts): boom" in str(e)
    assert e.attempts == 3 and len(server.requests) == 3
