"""Behaviours of the ``taskcluster`` package that code written for it relies
on (issue 17, section 1): each test failed before the fix it pins."""

from __future__ import annotations

import asyncio
import logging
import os
import pickle

import pytest

import taskcluster
import taskcluster.aio
from fake_services import FakeServices
from loopback import Reply
from s3server import StorageProxy
from taskcluster.exceptions import TaskclusterFailure, TaskclusterRestFailure

TASK = "fN1SbArXTPSVFNUvaOlinQ"
CREDS = {"clientId": "tester", "accessToken": "no-secret"}

MIXED = {
    "serviceName": "mixed", "title": "Mixed", "description": "functions and exchanges",
    "exchangePrefix": "exchange/mixed/v1/",
    "entries": [
        {"type": "function", "name": "hello", "method": "get", "route": "/hello/<who>",
         "args": ["who"], "query": [], "title": "Hello", "description": "",
         "stability": "stable", "category": "x"},
        {"type": "topic-exchange", "name": "greeted", "exchange": "greeted",
         "title": "Greeted", "description": "", "schema": "v1/greeted.json#",
         "routingKey": [{"name": "routingKeyKind", "constant": "primary", "summary": "",
                         "required": True, "multipleWords": False},
                        {"name": "who", "summary": "", "required": False,
                         "multipleWords": False}]},
    ]}


def run(coroutine):
    return asyncio.run(coroutine)


# -- createApiClient with functions and exchanges in one document --------------------

def test_create_api_client_builds_functions_and_exchanges_from_one_document(server):
    from taskcluster.client import createApiClient
    Mixed = createApiClient("Mixed", {"reference": MIXED})
    assert Mixed.apiVersion == "v1"          # defaulted, as in the package
    client = Mixed({"rootUrl": server.url})
    assert client.hello("you") == {"method": "GET", "target": "/api/mixed/v1/hello/you"}
    assert client.buildUrl("hello", "me") == server.url + "/api/mixed/v1/hello/me"
    assert client.greeted(who="me") == {
        "exchange": "exchange/mixed/v1/greeted", "routingKeyPattern": "primary.me",
        "routingKeyReference": MIXED["entries"][1]["routingKey"]}
    assert list(Mixed.funcinfo) == ["hello"]


def test_async_create_api_client_builds_both_kinds_too(server):
    from taskcluster.aio.asyncclient import createApiClient
    Mixed = createApiClient("Mixed", {"reference": MIXED})

    async def main():
        async with Mixed({"rootUrl": server.url}) as client:
            return await client.hello("you"), client.greeted()
    answer, binding = run(main())
    assert answer == {"method": "GET", "target": "/api/mixed/v1/hello/you"}
    assert binding["routingKeyPattern"] == "primary.*"


# -- exchange names ------------------------------------------------------------------

@pytest.mark.parametrize("prefix", ["exchange/other/v1", "exchange/other/v1/",
                                    "exchange/other/v1//"])
def test_exchange_prefix_and_exchange_are_joined_by_one_slash(prefix):
    events = taskcluster.QueueEvents()
    assert events.options["exchangePrefix"] == "exchange/taskcluster-queue/v1/"
    assert events.taskDefined()["exchange"] == "exchange/taskcluster-queue/v1/task-defined"
    events.options["exchangePrefix"] = prefix      # takes effect at the next call
    assert events.taskDefined()["exchange"] == "exchange/other/v1/task-defined"
    given = taskcluster.QueueEvents({"exchangePrefix": prefix})
    assert given.taskDefined()["exchange"] == "exchange/other/v1/task-defined"


# -- credentials as the package takes them -------------------------------------------

@pytest.mark.parametrize("creds", [{"a": "b"}, {"task_credentials": True},
                                   dict(CREDS, extra="ignored")])
def test_credentials_with_other_keys_are_accepted(server, creds):
    queue = taskcluster.Queue({"rootUrl": server.url, "credentials": creds})
    queue.task(TASK)
    signed = "authorization" in server.requests[-1].headers
    assert signed == ("clientId" in creds)


@pytest.mark.parametrize("creds", [{"clientId": "only-id"}, {"accessToken": "only-token"},
                                   {"clientId": "id", "accessToken": None}])
def test_half_credentials_mean_unauthenticated_calls_with_one_warning(server, caplog, creds):
    with caplog.at_level(logging.WARNING, logger="taskcluster"):
        queue = taskcluster.Queue({"rootUrl": server.url, "credentials": creds})
        queue.task(TASK)
        queue.task(TASK)
    assert "authorization" not in server.requests[-1].headers
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "unauthenticated" in warnings[0].getMessage()
    assert "only-token" not in caplog.text


def test_client_id_alone_in_the_environment_does_not_break_a_client(server, monkeypatch,
                                                                     caplog):
    monkeypatch.setenv("TASKCLUSTER_ROOT_URL", server.url)
    monkeypatch.setenv("TASKCLUSTER_CLIENT_ID", "only-id")
    with caplog.at_level(logging.WARNING, logger="taskcluster"):
        queue = taskcluster.Queue(taskcluster.optionsFromEnvironment())
        assert queue.task(TASK)["target"] == "/api/queue/v1/task/" + TASK
        assert taskcluster.client.queue.task(TASK)["method"] == "GET"
    assert "authorization" not in server.requests[-1].headers


def test_a_call_that_needs_credentials_still_says_so(server):
    queue = taskcluster.Queue({"rootUrl": server.url, "credentials": {"clientId": "x"}})
    with pytest.raises(taskcluster.TaskclusterAuthFailure, match="buildSignedUrl.*credentials"):
        queue.buildSignedUrl("getArtifact", TASK, 0, "public/x")
    with pytest.raises(taskcluster.TaskclusterInputError, match="clientId"):
        taskcluster.Queue({"rootUrl": server.url, "credentials": {"clientId": 'a"b',
                                                                  "accessToken": "t"}})


# -- optionsFromEnvironment hides its secrets ----------------------------------------

def test_options_from_environment_hides_secrets_in_repr_and_str(monkeypatch):
    monkeypatch.setenv("TASKCLUSTER_ROOT_URL", "https://tc.example.com")
    monkeypatch.setenv("TASKCLUSTER_CLIENT_ID", "me")
    monkeypatch.setenv("TASKCLUSTER_ACCESS_TOKEN", "tok-secret")
    monkeypatch.setenv("TASKCLUSTER_CERTIFICATE", '{"signature": "cert-secret"}')
    for options in (taskcluster.optionsFromEnvironment(),
                    taskcluster.optionsFromEnvironment({"maxRetries": 2})):
        assert options["credentials"]["accessToken"] == "tok-secret"
        for shown in (repr(options), str(options), "%s" % (options,)):
            assert "tok-secret" not in shown and "cert-secret" not in shown
            assert "me" in shown


# -- transfer errors -----------------------------------------------------------------

@pytest.fixture
def proxy(s3):
    with StorageProxy(s3) as p:
        yield p


@pytest.fixture
def faulty(server, s3, proxy):
    return FakeServices(server, s3, storage=proxy.url)


def _client(module, cls, services):
    return getattr(module, cls)({"rootUrl": services.root_url, "delayFactor": 0.001,
                                 "credentials": CREDS})


def _check_storage_error(info, status):
    import aiohttp
    assert isinstance(info.value, aiohttp.ClientResponseError)
    assert isinstance(info.value, TaskclusterRestFailure)
    assert info.value.status == info.value.status_code == status
    assert "X-Amz-Signature" not in str(info.value) + repr(info.value)
    again = pickle.loads(pickle.dumps(info.value))
    assert (type(again), again.status, str(again)) == (type(info.value), status,
                                                       str(info.value))


def test_sync_storage_http_errors_are_aiohttp_response_errors_too(faulty, proxy):
    faulty.add_object("o", b"data")
    proxy.plan(Reply(404, "<Error><Code>NoSuchKey</Code></Error>"))
    with pytest.raises(TaskclusterFailure) as info:
        taskcluster.download.downloadToBuf(name="o",
                                           objectService=_client(taskcluster, "Object", faulty))
    _check_storage_error(info, 404)
    proxy.plan(Reply(403, "<Error><Code>AccessDenied</Code></Error>"))
    with pytest.raises(TaskclusterFailure) as info:
        taskcluster.upload.uploadFromBuf(
            projectId="p", name="u", contentType="a/b", contentLength=9000, data=b"x" * 9000,
            expires=taskcluster.fromNow("1 day"),
            objectService=_client(taskcluster, "Object", faulty))
    _check_storage_error(info, 403)


def test_async_storage_http_errors_are_aiohttp_response_errors_too(faulty, proxy):
    import aiohttp
    faulty.add_object("o", b"data")
    proxy.plan(Reply(404, "<Error><Code>NoSuchKey</Code></Error>"))

    async def down():
        async with _client(taskcluster.aio, "Object", faulty) as obj:
            return await taskcluster.aio.download.downloadToBuf(name="o", objectService=obj)
    with pytest.raises(aiohttp.ClientResponseError) as info:
        run(down())
    _check_storage_error(info, 404)
    proxy.plan(Reply(403, "<Error><Code>AccessDenied</Code></Error>"))

    async def up():
        async with _client(taskcluster.aio, "Object", faulty) as obj:
            await taskcluster.aio.upload.uploadFromBuf(
                projectId="p", name="u", contentType="a/b", contentLength=9000,
                data=b"x" * 9000, expires=taskcluster.fromNow("1 day"), objectService=obj)
    with pytest.raises(TaskclusterFailure) as info:
        run(up())
    _check_storage_error(info, 403)


@pytest.mark.parametrize("module", ["taskcluster.upload", "taskcluster.aio.upload"])
def test_hashing_reader_with_the_wrong_length_raises_runtime_error(module):
    import importlib
    mod = importlib.import_module(module)
    reader = mod.HashingReader(mod.BufferReader(b"abc") if hasattr(mod, "BufferReader")
                               else None)
    with pytest.raises(RuntimeError, match="3"):
        reader.hashes(3)      # nothing read yet: 0 bytes hashed
    with pytest.raises(TaskclusterFailure):
        reader.hashes(5)


def test_error_artifact_raises_with_its_message_as_the_package_words_it(services, tmp_path):
    services.add_artifact(TASK, "public/missing", {
        "storageType": "error", "reason": "file-missing-on-worker",
        "message": "The worker could not find the file"})
    with pytest.raises(taskcluster.download.TaskclusterArtifactError) as info:
        taskcluster.download.downloadArtifactToBuf(
            taskId=TASK, name="public/missing", queueService=_client(taskcluster, "Queue",
                                                                     services))
    assert str(info.value) == "The worker could not find the file"
    assert info.value.reason == "file-missing-on-worker"

    async def main():
        async with _client(taskcluster.aio, "Queue", services) as queue:
            await taskcluster.aio.download.downloadArtifactToBuf(
                taskId=TASK, name="public/missing", queueService=queue)
    with pytest.raises(taskcluster.aio.download.TaskclusterArtifactError) as info:
        run(main())
    assert str(info.value) == "The worker could not find the file"


# -- patch points --------------------------------------------------------------------

def _object_artifact(services, data):
    services.add_object("obj/one", data)
    services.add_artifact(TASK, "public/obj", {
        "storageType": "object", "name": "obj/one",
        "credentials": {"clientId": "from-queue", "accessToken": "tmp"}})


def test_sync_helpers_build_clients_through_their_module_attributes(services, monkeypatch):
    from taskcluster import download
    _object_artifact(services, b"payload")
    made = []
    real = download.Object
    assert real is taskcluster.Object

    class Recording(real):
        def __init__(self, options, *args, **kwargs):
            made.append(options["credentials"]["clientId"])
            super().__init__(options, *args, **kwargs)
    monkeypatch.setattr(download, "Object", Recording)
    buf, _ = download.downloadArtifactToBuf(taskId=TASK, name="public/obj",
                                            queueService=_client(taskcluster, "Queue", services))
    assert bytes(buf) == b"payload" and made == ["from-queue"]
    assert download.Queue is taskcluster.Queue


def test_async_helpers_build_clients_through_their_module_attributes(services, monkeypatch):
    from taskcluster.aio import download
    _object_artifact(services, b"payload")
    made = []
    real = download.Object
    assert real is taskcluster.aio.Object

    class Recording(real):
        def __init__(self, options, *args, **kwargs):
            made.append(options["credentials"]["clientId"])
            super().__init__(options, *args, **kwargs)
    monkeypatch.setattr(download, "Object", Recording)

    async def main():
        async with _client(taskcluster.aio, "Queue", services) as queue:
            return await download.downloadArtifactToBuf(taskId=TASK, name="public/obj",
                                                        queueService=queue)
    buf, _ = run(main())
    assert bytes(buf) == b"payload" and made == ["from-queue"]
    assert download.Queue is taskcluster.aio.Queue


# -- the package's dependency set, as an extra ---------------------------------------

def test_the_package_deps_extra_names_the_packages_dependencies():
    try:
        import tomllib
    except ImportError:          # Python 3.9 and 3.10
        tomllib = pytest.importorskip("tomli", reason="reading pyproject.toml needs tomli "
                                      "before Python 3.11")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "pyproject.toml"), "rb") as f:
        project = tomllib.load(f)["project"]
    names = {d.split(">")[0].split("=")[0].split("<")[0].strip().lower()
             for d in project["optional-dependencies"]["package-deps"]}
    assert names == {"async-timeout", "mohawk", "python-dateutil", "slugid", "taskcluster-urls"}
    default = {d.split(">")[0].strip().lower() for d in project["dependencies"]}
    assert not default & names      # the default install stays lean
