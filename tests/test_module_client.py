"""The module-level interface: ``from taskcluster import client, config``,
read when a method is called, with per-API options for one service."""

import copy
import inspect

import pytest
from hawkcheck import verify_request
from loopback import LoopbackServer, Reply

import taskcluster
from taskcluster import TaskclusterInputError, TaskclusterRestFailure, client, config

API_NAMES = {
    "auth": "Auth", "authEvents": "AuthEvents", "github": "Github",
    "githubEvents": "GithubEvents", "hooks": "Hooks", "hooksEvents": "HooksEvents",
    "index": "Index", "notify": "Notify", "notifyEvents": "NotifyEvents",
    "object": "Object", "purgeCache": "PurgeCache", "queue": "Queue",
    "queueEvents": "QueueEvents", "secrets": "Secrets", "webServer": "WebServer",
    "workerManager": "WorkerManager", "workerManagerEvents": "WorkerManagerEvents",
}


@pytest.fixture(autouse=True)
def restore_config():
    """Each test starts from, and leaves, the shared configuration as it was."""
    saved = copy.deepcopy(config)
    saved_api = {name: copy.deepcopy(getattr(client, name).options) for name in API_NAMES}
    yield
    config.clear()
    config.update(saved)
    for name, options in saved_api.items():
        api_options = getattr(client, name).options
        api_options.clear()
        api_options.update(options)


@pytest.fixture
def other_server():
    with LoopbackServer() as server:
        yield server


def use(server, client_id="Bob", token="bobs-token"):
    config["rootUrl"] = server.url
    config["credentials"]["clientId"] = client_id
    config["credentials"]["accessToken"] = token


def test_the_names_of_the_original_interface():
    assert client is taskcluster.client
    assert config is client.config is taskcluster.config
    for name in API_NAMES:
        assert hasattr(client, name), name
    assert {"rootUrl", "credentials", "authorizedScopes", "maxRetries"} <= set(config)
    assert {"clientId", "accessToken", "certificate"} <= set(config["credentials"])


def test_the_issue_example(server):
    config["credentials"]["clientId"] = "Bob"
    config["credentials"]["accessToken"] = "bobs-token"
    config["rootUrl"] = server.url
    assert client.index.findTask("my-namespace") == {
        "method": "GET", "target": "/api/index/v1/task/my-namespace"}
    rec = server.requests[0]
    assert verify_request(server, rec, "Bob", "bobs-token").parsed_header["id"] == "Bob"


def test_config_changes_after_a_call_take_effect(server, other_server):
    use(server)
    client.queue.task("abc")
    config["credentials"]["clientId"] = "Alice"
    config["credentials"]["accessToken"] = "alices-token"
    client.queue.task("abc")
    verify_request(server, server.requests[0], "Bob", "bobs-token")
    verify_request(server, server.requests[1], "Alice", "alices-token")
    config["rootUrl"] = other_server.url
    client.queue.task("def")
    assert len(server.requests) == 2
    assert other_server.requests[0].target == "/api/queue/v1/task/def"
    config["authorizedScopes"] = ["queue:get-task:*"]
    client.queue.task("ghi")
    assert "ext" in verify_request(other_server, other_server.requests[1], "Alice",
                                   "alices-token").parsed_header


def test_per_api_options_override_for_that_api_only(server, other_server):
    use(server)
    client.queue.options["rootUrl"] = other_server.url
    client.queue.options["credentials"] = {"clientId": "Carol", "accessToken": "carols"}
    before = copy.deepcopy(config)
    client.queue.task("abc")
    client.index.findTask("ns")
    assert [r.target for r in other_server.requests] == ["/api/queue/v1/task/abc"]
    assert [r.target for r in server.requests] == ["/api/index/v1/task/ns"]
    verify_request(other_server, other_server.requests[0], "Carol", "carols")
    verify_request(server, server.requests[0], "Bob", "bobs-token")
    assert config == before


def test_per_api_numeric_options(server):
    use(server)
    config["maxRetries"] = 3
    client.queue.options["maxRetries"] = 0
    server.plan(Reply(500))
    with pytest.raises(TaskclusterRestFailure):
        client.queue.task("abc")
    assert len(server.requests) == 1


def test_the_environment_fills_what_config_leaves_unset(server, other_server, monkeypatch):
    monkeypatch.setenv("TASKCLUSTER_ROOT_URL", server.url + "/")
    monkeypatch.setenv("TASKCLUSTER_CLIENT_ID", "env-client")
    monkeypatch.setenv("TASKCLUSTER_ACCESS_TOKEN", "env-token")
    client.queue.task("abc")
    verify_request(server, server.requests[0], "env-client", "env-token")
    # config wins over the environment
    use(other_server)
    client.queue.task("abc")
    verify_request(other_server, other_server.requests[0], "Bob", "bobs-token")


def test_without_credentials_nothing_is_signed(server):
    config["rootUrl"] = server.url
    client.purgeCache.ping()
    rec = server.requests[0]
    assert rec.target == "/api/purge-cache/v1/ping"
    assert "authorization" not in rec.headers


def test_a_missing_root_url_is_refused_before_sending(server):
    with pytest.raises(TaskclusterInputError, match="rootUrl") as info:
        client.queue.task("abc")
    assert info.value.argument == "rootUrl"
    assert server.requests == []


def test_calling_rules_hold_at_module_level(server):
    use(server)
    client.queue.getArtifact("1", "2", "3", taskId="pie")
    client.queue.createArtifact({"x": 1}, taskId="t", runId=0, name="a/b")
    with pytest.raises(TaskclusterInputError, match="query="):
        client.index.listNamespaces("mozilla-central", payload={"continuationToken": "t"})
    assert [(r.method, r.target, r.body) for r in server.requests] == [
        ("GET", "/api/queue/v1/task/pie/runs/2/artifacts/3", b""),
        ("POST", "/api/queue/v1/task/t/runs/0/artifacts/a%2Fb", b'{"x":1}'),
    ]


def test_exchange_methods_need_no_root_url():
    binding = client.queueEvents.taskDefined(taskId="abc")
    assert binding["exchange"] == "exchange/taskcluster-queue/v1/task-defined"
    assert binding["routingKeyPattern"] == "primary.abc.*.*.*.*.*.*.*.#"


def test_module_methods_show_the_signature_and_docs_without_self():
    method = client.queue.getArtifact
    assert list(inspect.signature(method).parameters)[:3] == ["taskId", "runId", "name"]
    assert method.__doc__ == taskcluster.Queue.getArtifact.__doc__
    assert "getArtifact" in dir(client.queue) and "options" in dir(client.queue)


def test_unknown_names_are_attribute_errors():
    with pytest.raises(AttributeError, match="nope"):
        client.queue.nope  # noqa: B018
    with pytest.raises(AttributeError):
        client.queue._private  # noqa: B018


def test_the_client_for_unchanged_options_is_reused(server):
    use(server)
    first = client.queue.current()
    assert client.queue.current() is first
    config["maxRetries"] = 1
    assert client.queue.current() is not first


def test_auth_client_method_is_reachable_at_module_level(server):
    # Auth has an API method named "client": ModuleApi's own helper must not shadow it.
    client.auth.options["rootUrl"] = server.url
    try:
        client.auth.client("some-client")
        assert server.requests[-1].target == "/api/auth/v1/clients/some-client"
    finally:
        client.auth.options.clear()
