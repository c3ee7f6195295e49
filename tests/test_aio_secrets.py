"""Secrets kept by the async clients, as ``test_secrets`` checks the sync
ones: for permanent and temporary credentials, the accessToken, the
certificate, the Authorization headers (their MACs and ``ext``) and bewits
appear in no exception, no ``repr`` and no log record at DEBUG, aiohttp's
and asyncio's loggers included, on every path that can speak."""

from __future__ import annotations

import asyncio
import logging

import pytest
from loopback import Hang, Reply, Reset, Truncate, closed_port
from test_secrets import (CREDENTIALS, LOGGERS, assert_kept, exception_texts, log_texts,
                          static_secrets, wire_secrets)

import taskcluster.aio
from taskcluster import TaskclusterFailure

AIO_LOGGERS = LOGGERS + ["aiohttp", "aiohttp.client", "aiohttp.internal", "aiohttp.access",
                         "aiohttp.server", "asyncio"]


@pytest.fixture
def debug_logs(caplog):
    caplog.set_level(logging.DEBUG)
    for name in AIO_LOGGERS:
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
    bewits: list[str] = []

    async def expect_failure(call):
        with pytest.raises(TaskclusterFailure) as info:
            await call()
        errors.append(info.value)

    async def main():
        async with taskcluster.aio.Queue(options, sleep=lambda s: None) as queue, \
                taskcluster.aio.Queue(dict(options, rootUrl="http://127.0.0.1:%d"
                                           % closed_port()), sleep=lambda s: None) as refused:
            texts.extend([repr(queue), str(queue), repr(queue.options), str(queue.options),
                          repr(refused), repr(refused.options)])
            assert (await queue.task("abc"))["target"] == "/api/queue/v1/task/abc"
            assert (await queue.createTask("abc", {"note": "hello"}))["method"] == "PUT"
            server.plan(Reply(503), Reply(200, {"taskId": "abc"}))
            assert await queue.task("abc") == {"taskId": "abc"}
            server.plan(Reply(200, "not json"))
            answer = await queue.task("abc")
            # (Its request_info holds the request's headers, as requests'
            # Response.request does: the caller's to keep, not shown here.)
            texts.extend([repr(answer), str(answer["response"]),
                          repr(answer["response"].headers)])
            texts.append(repr(queue.session))
            server.plan(Reply(503, {"code": "Busy", "message": "later"}), Reply(500))
            await expect_failure(lambda: queue.task("abc"))
            server.plan(Reply(401, {"code": "AuthenticationFailed", "message": "bad mac"}))
            await expect_failure(lambda: queue.task("abc"))
            server.plan(Reply(404, "not json at all"))
            await expect_failure(lambda: queue.task("abc"))
            server.plan(Reset(), Reset(after_headers=True))
            await expect_failure(lambda: queue.task("abc"))
            server.plan(Truncate(), Hang(1))
            await expect_failure(lambda: queue.task("abc"))
            await expect_failure(lambda: refused.task("abc"))
            await expect_failure(lambda: queue.task(None))
            await expect_failure(lambda: queue.createTask("abc", {"x": float("nan")}))
            bewits.extend([queue.buildSignedUrl("task", "abc"),
                           queue.buildSignedUrl("listTaskGroup", "g", query={"limit": 2},
                                                expiration=60)])
            texts.extend([repr(queue), repr(queue.options)])
    asyncio.run(main())

    for e in errors:
        texts += exception_texts(e)
    texts += log_texts(debug_logs.records)
    assert any(r.name == "taskcluster" and r.levelno == logging.DEBUG
               for r in debug_logs.records), "DEBUG logging was not captured"
    secrets = static_secrets(creds) | wire_secrets(server, bewits)
    assert len(wire_secrets(server, [])) >= 3 * len(server.requests)
    assert_kept(texts, secrets)


def test_a_refused_header_is_not_quoted_by_aiohttp(server, debug_logs):
    """aiohttp's refusal of a header quotes its value: that value is the
    Authorization header.  Neither the error nor a log record shows it."""
    token = "REFUSEDsecretTOKENdddddddddddddddddddddd"

    async def main():
        async with taskcluster.aio.Queue({"rootUrl": server.url,
                                          "credentials": {"clientId": "c", "accessToken": token}},
                                         nonce=lambda: "bad\r\nnonce") as queue:
            await queue.task("abc")
    with pytest.raises(TaskclusterFailure) as info:
        asyncio.run(main())
    texts = exception_texts(info.value) + log_texts(debug_logs.records)
    assert_kept(texts, {token, "bad\r\nnonce", 'nonce="bad'})
