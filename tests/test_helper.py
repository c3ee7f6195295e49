"""taskcluster.helper: TaskclusterConfig (credentials, the taskcluster-proxy,
services), load_secrets and upload_artifact, against the loopback server."""

import datetime as dt
import json
import pickle

import pytest
import requests
from loopback import Reply

import taskcluster
from taskcluster import TaskclusterInputError
from taskcluster.helper import TaskclusterConfig, load_secrets, upload_artifact

ROOT = "https://tc.example.com"
SECRET = {"common": {"a": "A", "shared": "common"}, "app": {"b": "B", "shared": "app"},
          "other": {"c": "C-VALUE"}}


@pytest.fixture(autouse=True)
def outside_a_task(monkeypatch):
    for name in ("TASK_ID", "RUN_ID"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def in_a_task(monkeypatch, server):
    """Inside a task whose taskcluster-proxy is the loopback server."""
    monkeypatch.setenv("TASK_ID", "fN1S3SonSa2dG5ff1iNjqg")
    monkeypatch.setenv("RUN_ID", "0")
    monkeypatch.setenv("TASKCLUSTER_PROXY_URL", server.url)
    return server


# -- TaskclusterConfig.auth ----------------------------------------------------

def test_a_deployment_url_is_required():
    with pytest.raises(AssertionError) as info:       # the package asserts
        TaskclusterConfig()
    assert isinstance(info.value, TaskclusterInputError)
    assert "TASKCLUSTER_ROOT_URL" in str(info.value)
    again = pickle.loads(pickle.dumps(info.value))
    assert type(again) is type(info.value) and again.argument == "url"


def test_the_url_defaults_to_the_environment(monkeypatch):
    monkeypatch.setenv("TASKCLUSTER_ROOT_URL", ROOT)
    assert TaskclusterConfig().default_url == ROOT
    assert TaskclusterConfig("https://other.example.com").default_url == \
        "https://other.example.com"


def test_credentials_given_win(monkeypatch):
    monkeypatch.setenv("TASKCLUSTER_CLIENT_ID", "env-id")
    monkeypatch.setenv("TASKCLUSTER_ACCESS_TOKEN", "env-token")
    monkeypatch.setenv("TASK_ID", "abc")
    tc = TaskclusterConfig(ROOT)
    tc.auth("me", "my-token", max_retries=3)
    assert tc.options == {"maxRetries": 3, "rootUrl": ROOT,
                          "credentials": {"clientId": "me", "accessToken": "my-token"}}


def test_credentials_from_the_environment_come_before_the_proxy(monkeypatch):
    monkeypatch.setenv("TASKCLUSTER_CLIENT_ID", "env-id")
    monkeypatch.setenv("TASKCLUSTER_ACCESS_TOKEN", "env-token")
    monkeypatch.setenv("TASK_ID", "abc")
    tc = TaskclusterConfig(ROOT)
    tc.auth()
    assert tc.options == {"maxRetries": 12, "rootUrl": ROOT,
                          "credentials": {"clientId": "env-id", "accessToken": "env-token"}}


def test_inside_a_task_without_credentials_the_proxy_is_used(monkeypatch):
    monkeypatch.setenv("TASK_ID", "abc")
    tc = TaskclusterConfig(ROOT)
    tc.auth()
    assert tc.options == {"maxRetries": 12, "rootUrl": "http://taskcluster"}
    monkeypatch.setenv("TASKCLUSTER_PROXY_URL", "http://127.0.0.1:8080")
    tc.auth()
    assert tc.options == {"maxRetries": 12, "rootUrl": "http://127.0.0.1:8080"}


def test_half_given_credentials_are_not_completed_from_the_environment(monkeypatch):
    # As the package: the environment is read only when neither is given.
    monkeypatch.setenv("TASKCLUSTER_ACCESS_TOKEN", "env-token")
    tc = TaskclusterConfig(ROOT)
    tc.auth(client_id="me")
    assert tc.options == {"maxRetries": 12, "rootUrl": ROOT}


def test_no_credentials_outside_a_task():
    tc = TaskclusterConfig(ROOT)
    tc.auth()
    assert tc.options == {"maxRetries": 12, "rootUrl": ROOT}


# -- get_service ---------------------------------------------------------------

@pytest.mark.parametrize("name,cls", [
    ("queue", "Queue"), ("Queue", "Queue"), ("secrets", "Secrets"), ("index", "Index"),
    ("purgecache", "PurgeCache"), ("purge-cache", "PurgeCache"),
    ("workerManager", "WorkerManager"), ("worker_manager", "WorkerManager"),
    ("queueevents", "QueueEvents"),
])
def test_get_service_finds_the_class(name, cls):
    tc = TaskclusterConfig(ROOT)
    client = tc.get_service(name)
    assert type(client) is getattr(taskcluster, cls)
    assert tc.options == {"maxRetries": 12, "rootUrl": ROOT}   # auth() was called


@pytest.mark.parametrize("name", ["queues", "", "login", None])
def test_get_service_refuses_an_unknown_service(name):
    with pytest.raises(AssertionError) as info:
        TaskclusterConfig(ROOT).get_service(name)
    assert isinstance(info.value, TaskclusterInputError)
    assert repr(name) in str(info.value) and "workermanager" in str(info.value)


def test_get_service_async_comes_from_taskcluster_aio():
    aio = pytest.importorskip("taskcluster.aio", reason="taskcluster.aio is not in this "
                              "build yet (its own issue); get_service(use_async=True) needs it")
    assert type(TaskclusterConfig(ROOT).get_service("queue", use_async=True)) is aio.Queue


def test_a_service_inside_a_task_calls_through_the_proxy(in_a_task):
    server = in_a_task
    server.plan(Reply(200, {"taskGroupId": "g"}))
    tc = TaskclusterConfig(ROOT)
    assert tc.get_service("queue").task("fN1S3SonSa2dG5ff1iNjqg") == {"taskGroupId": "g"}
    [req] = server.requests
    assert req.target == "/api/queue/v1/task/fN1S3SonSa2dG5ff1iNjqg"
    assert "authorization" not in req.headers      # the proxy signs


# -- load_secrets --------------------------------------------------------------

SECRET_PATH = "/api/secrets/v1/secret/project%2Fapp%2Fci"   # the name is one path segment


def test_load_secrets_through_the_proxy(in_a_task):
    server = in_a_task
    server.serve(SECRET_PATH, Reply(200, {"secret": SECRET, "expires": "3000-01-01T00:00:00Z"}))
    tc = TaskclusterConfig(ROOT)
    got = tc.load_secrets("project/app/ci", prefixes=["common", "app"], required=["a", "b"],
                          existing={"z": 1})
    assert got == {"z": 1, "a": "A", "b": "B", "shared": "app"}
    assert tc.secrets == got
    assert [r.target for r in server.requests] == [SECRET_PATH]


def test_load_secrets_with_credentials_signs_the_request(server):
    server.serve(SECRET_PATH, Reply(200, {"secret": SECRET, "expires": "3000-01-01T00:00:00Z"}))
    tc = TaskclusterConfig(server.url)
    tc.auth("me", "my-token")
    assert tc.load_secrets("project/app/ci") == SECRET
    assert server.requests[0].headers["authorization"].startswith("Hawk ")


def test_load_secrets_module_function_with_a_client(server):
    server.serve(SECRET_PATH, Reply(200, {"secret": SECRET, "expires": "3000-01-01T00:00:00Z"}))
    secrets = taskcluster.Secrets({"rootUrl": server.url})
    assert load_secrets(secrets, "project/app/ci", prefixes=["other", "missing"]) == {
        "c": "C-VALUE"}


def test_load_secrets_names_missing_keys_but_no_value(server):
    server.serve(SECRET_PATH, Reply(200, {"secret": SECRET, "expires": "3000-01-01T00:00:00Z"}))
    tc = TaskclusterConfig(server.url)
    with pytest.raises(TaskclusterInputError) as info:
        tc.load_secrets("project/app/ci", prefixes=["other"], required=["c", "d", "e"])
    message = str(info.value)
    assert "'d'" in message and "'e'" in message and "project/app/ci" in message
    assert "C-VALUE" not in message


def test_local_secrets_make_no_call(server):
    tc = TaskclusterConfig(server.url)
    got = tc.load_secrets(None, prefixes=["app"], local_secrets=SECRET, existing={"z": 1})
    assert got == {"z": 1, "b": "B", "shared": "app"}
    assert server.requests == []


def test_load_secrets_needs_a_name_without_local_secrets():
    with pytest.raises(AssertionError) as info:
        TaskclusterConfig(ROOT).load_secrets(None)
    assert isinstance(info.value, TaskclusterInputError)
    assert info.value.argument == "secret_name"


# -- upload_artifact -----------------------------------------------------------

ARTIFACT = "public/report.json"
TASK = "/api/queue/v1/task/fN1S3SonSa2dG5ff1iNjqg/runs/0/artifacts/"


def s3_queue(server, put_status=200):
    def answer(req):
        if req.method == "POST" and req.path.startswith(TASK):
            body = json.loads(req.body)
            return Reply(200, {"storageType": "s3", "contentType": body["contentType"],
                               "expires": body["expires"],
                               "putUrl": server.url + "/bucket/report?X-Signature=SIGNED"})
        if req.method == "PUT" and req.path == "/bucket/report":
            return Reply(put_status)
        return None
    server.respond(answer)


def test_upload_artifact_creates_and_puts(in_a_task):
    server = in_a_task
    s3_queue(server)
    before = dt.datetime.now(dt.timezone.utc)
    url = TaskclusterConfig(ROOT).upload_artifact(ARTIFACT, '{"ok": true}', "application/json",
                                                  dt.timedelta(days=2))
    after = dt.datetime.now(dt.timezone.utc)
    assert url == ROOT + TASK + ARTIFACT
    create, put = server.requests
    assert create.method == "POST" and "authorization" not in create.headers
    body = json.loads(create.body)
    assert body["storageType"] == "s3" and body["contentType"] == "application/json"
    # The package's stringDate format: microseconds, Z.
    expires = dt.datetime.strptime(body["expires"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=dt.timezone.utc)
    assert before + dt.timedelta(days=2) <= expires <= after + dt.timedelta(days=2)
    assert (put.method, put.target) == ("PUT", "/bucket/report?X-Signature=SIGNED")
    assert put.body == b'{"ok": true}' and put.headers["content-type"] == "application/json"


def test_upload_artifact_module_function_returns_the_path(in_a_task):
    server = in_a_task
    s3_queue(server)
    queue = taskcluster.Queue({"rootUrl": server.url})
    assert upload_artifact(queue, ARTIFACT, b"\x00bytes", "application/octet-stream",
                           dt.timedelta(hours=1)) == TASK + ARTIFACT
    assert server.requests[-1].body == b"\x00bytes"


def test_a_failed_put_raises_requests_error_without_the_signed_url(in_a_task):
    server = in_a_task
    s3_queue(server, put_status=403)
    with pytest.raises(requests.HTTPError) as info:
        TaskclusterConfig(ROOT).upload_artifact(ARTIFACT, "x", "text/plain",
                                                dt.timedelta(hours=1))
    assert info.value.response.status_code == 403
    assert "403" in str(info.value) and "SIGNED" not in str(info.value)


def test_a_queue_answer_that_is_not_s3_is_refused(in_a_task):
    server = in_a_task
    server.plan(Reply(200, {"storageType": "object", "name": ARTIFACT}))
    with pytest.raises(AssertionError, match="storageType"):
        TaskclusterConfig(ROOT).upload_artifact(ARTIFACT, "x", "text/plain",
                                                dt.timedelta(hours=1))
    assert len(server.requests) == 1


@pytest.mark.parametrize("content,ttl,argument", [
    (["not", "text"], dt.timedelta(hours=1), "content"),
    ("x", 3600, "ttl"),
])
def test_upload_artifact_checks_its_input_before_sending(in_a_task, content, ttl, argument):
    with pytest.raises(AssertionError) as info:
        TaskclusterConfig(ROOT).upload_artifact(ARTIFACT, content, "text/plain", ttl)
    assert info.value.argument == argument
    assert in_a_task.requests == []


def test_upload_artifact_only_runs_inside_a_task(server):
    with pytest.raises(AssertionError, match="TASK_ID"):
        TaskclusterConfig(server.url).upload_artifact(ARTIFACT, "x", "text/plain",
                                                      dt.timedelta(hours=1))
    assert server.requests == []
