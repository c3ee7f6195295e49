"""Client options: defaults, checks, the environment, and secrets kept out of
every repr and message."""

import copy
import json

import pytest
from hawkcheck import verify_request

import taskcluster
from taskcluster import TaskclusterInputError
from taskcluster._options import DEFAULTS, resolve

ID, KEY = "tester", "an-access-token-xyz"
CERT = {"version": 1, "scopes": ["s"], "start": 1, "expiry": 2, "seed": "seed",
        "signature": "c2lnbmF0dXJlLXNlY3JldA=="}


def test_defaults_are_nodes():
    o = resolve(None)
    assert (o.maxRetries, o.timeout, o.delayFactor, o.randomizationFactor, o.maxDelay,
            o.signedUrlExpiration) == (5, 30, 0.1, 0.25, 30, 900)
    assert (o.rootUrl, o.clientId, o.accessToken, o.certificate, o.authorizedScopes,
            o.ext) == (None,) * 6
    assert not o.has_credentials


def test_a_client_takes_the_taskcluster_package_options_dict():
    options = {"rootUrl": "https://tc.example.com/", "maxRetries": 2,
               "credentials": {"clientId": ID, "accessToken": KEY},
               "authorizedScopes": ["queue:*"], "timeout": 5}
    queue = taskcluster.Queue(options)
    o = queue.options
    assert isinstance(o, dict)
    assert o["rootUrl"] == "https://tc.example.com/"    # as given; the slash is harmless
    assert (o["credentials"]["clientId"], o["credentials"]["accessToken"]) == (ID, KEY)
    assert (o["maxRetries"], o["timeout"], o["authorizedScopes"]) == (2, 5, ["queue:*"])
    assert o["credentials"] is not options["credentials"]     # the caller's stays untouched
    assert queue.buildUrl("ping") == "https://tc.example.com/api/queue/v1/ping"
    assert "bewit=" in queue.buildSignedUrl("ping")             # it has credentials


def test_resolved_options_are_read_only():
    o = resolve({"rootUrl": "https://tc.example.com"})
    with pytest.raises(AttributeError):
        o.rootUrl = "https://elsewhere.example.com"


def test_certificate_as_string_or_dict():
    as_text = resolve({"credentials": {"clientId": ID, "accessToken": KEY,
                                       "certificate": json.dumps(CERT)}})
    as_dict = resolve({"credentials": {"clientId": ID, "accessToken": KEY,
                                       "certificate": CERT}})
    assert as_text.certificate == as_dict.certificate == CERT
    assert as_text.ext == as_dict.ext is not None


def test_bytes_credentials_are_decoded():
    o = resolve({"credentials": {"clientId": ID.encode(), "accessToken": KEY.encode()}})
    assert (o.clientId, o.accessToken) == (ID, KEY)


def test_no_ext_without_credentials():
    assert resolve({"authorizedScopes": ["a"]}).ext is None


@pytest.mark.parametrize("options,argument", [
    ({"rootUrl": "tc.example.com"}, "rootUrl"),
    ({"rootUrl": "ftp://tc.example.com"}, "rootUrl"),
    ({"rootUrl": "https://tc.example.com?x"}, "rootUrl"),
    ({"rootUrl": 42}, "rootUrl"),
    ({"baseUrl": "https://tc.example.com/api/queue/v1"}, "baseUrl"),
    ({"maxretries": 5}, "maxretries"),
    ({"credentials": "tester:token"}, "credentials"),
    # Half credentials and other keys are accepted, as the package accepts
    # them: see test_dropin_behaviours.py.
    ({"credentials": {"clientId": 'a"b', "accessToken": KEY}}, "clientId"),
    ({"credentials": {"clientId": ID, "accessToken": "tok\\en"}}, "accessToken"),
    ({"credentials": {"clientId": ID, "accessToken": KEY, "certificate": "{nope"}},
     "certificate"),
    ({"authorizedScopes": "queue:*"}, "authorizedScopes"),
    ({"authorizedScopes": [1]}, "authorizedScopes"),
    ({"maxRetries": True}, "maxRetries"),
    ({"maxRetries": 1.5}, "maxRetries"),
    ({"maxRetries": -1}, "maxRetries"),
    ({"timeout": 0}, "timeout"),
    ({"timeout": float("inf")}, "timeout"),
    ({"randomizationFactor": 1}, "randomizationFactor"),
    ({"signedUrlExpiration": 0}, "signedUrlExpiration"),
])
def test_bad_options_are_refused_naming_the_option(options, argument):
    with pytest.raises(TaskclusterInputError) as info:
        taskcluster.Queue(options)
    e = info.value
    assert e.argument == argument and argument in str(e)
    assert e.method == "Queue" and str(e).startswith("Queue: ")


def test_base_url_refusal_says_what_to_use():
    with pytest.raises(TaskclusterInputError, match="use rootUrl"):
        resolve({"baseUrl": "https://x"})


def test_refusals_never_show_a_secret():
    bad = [
        {"credentials": {"clientId": ID, "accessToken": KEY + "\\"}},
        {"credentials": {"clientId": ID, "accessToken": KEY,
                         "certificate": '{"signature": "c2lnbmF0dXJlLXNlY3JldA=="'}},
    ]
    for options in bad:
        with pytest.raises(TaskclusterInputError) as info:
            resolve(options)
        for text in (str(info.value), repr(info.value)):
            assert KEY not in text and "c2lnbmF0dXJl" not in text


def test_reprs_hide_the_access_token_and_certificate():
    queue = taskcluster.Queue({"rootUrl": "https://tc.example.com",
                               "credentials": {"clientId": ID, "accessToken": KEY,
                                               "certificate": CERT}})
    for text in (repr(queue), str(queue), repr(queue.options), str(queue.options)):
        assert KEY not in text
        assert "c2lnbmF0dXJl" not in text and "seed" not in text
    assert ID in repr(queue) and ID in repr(queue.options)


def test_callers_dicts_are_never_modified(server):
    options = {"rootUrl": server.url + "/",
               "credentials": {"clientId": ID, "accessToken": KEY,
                               "certificate": json.dumps(CERT)},
               "authorizedScopes": ["a", "b"], "maxRetries": 0}
    payload = {"nested": {"list": [1, {"x": "ü"}]}}
    query = {"limit": 3, "continuationToken": None}
    params = {"taskId": "t"}
    before = copy.deepcopy((options, payload, query, params))
    with taskcluster.Queue(options) as queue:
        queue.createTask(payload, params=params)
        queue.listTaskGroup("g", query=query)
        queue.buildSignedUrl("task", "t")
    env_defaults = {"rootUrl": server.url, "credentials": {"clientId": ID}}
    env_before = copy.deepcopy(env_defaults)
    taskcluster.optionsFromEnvironment(env_defaults)
    assert (options, payload, query, params) == before
    assert env_defaults == env_before


# -- optionsFromEnvironment ------------------------------------------------------------

def set_env(monkeypatch, root_url="https://env.example.com/"):
    monkeypatch.setenv("TASKCLUSTER_ROOT_URL", root_url)
    monkeypatch.setenv("TASKCLUSTER_CLIENT_ID", "env-client")
    monkeypatch.setenv("TASKCLUSTER_ACCESS_TOKEN", "env-token")
    monkeypatch.setenv("TASKCLUSTER_CERTIFICATE", json.dumps(CERT))


def test_options_from_environment_reads_the_four_variables(monkeypatch):
    set_env(monkeypatch)
    assert taskcluster.optionsFromEnvironment() == {
        "rootUrl": "https://env.example.com",
        "credentials": {"clientId": "env-client", "accessToken": "env-token",
                        "certificate": json.dumps(CERT)},
    }


def test_options_from_an_empty_environment():
    assert taskcluster.optionsFromEnvironment() == {}
    assert taskcluster.optionsFromEnvironment({"maxRetries": 1}) == {"maxRetries": 1}


def test_the_environment_wins_over_the_defaults_as_in_the_package(monkeypatch):
    monkeypatch.setenv("TASKCLUSTER_ROOT_URL", "https://env.example.com")
    monkeypatch.setenv("TASKCLUSTER_ACCESS_TOKEN", "env-token")
    defaults = {"rootUrl": "https://default.example.com", "maxRetries": 1,
                "credentials": {"clientId": "me", "accessToken": "mine"}}
    options = taskcluster.optionsFromEnvironment(defaults)
    assert options == {"rootUrl": "https://env.example.com", "maxRetries": 1,
                       "credentials": {"clientId": "me", "accessToken": "env-token"}}
    assert defaults["credentials"]["accessToken"] == "mine"       # the caller's dict stays


def test_a_client_from_the_environment_reaches_the_server_and_signs(server, monkeypatch):
    monkeypatch.setenv("TASKCLUSTER_ROOT_URL", server.url + "/")
    monkeypatch.setenv("TASKCLUSTER_CLIENT_ID", "env-client")
    monkeypatch.setenv("TASKCLUSTER_ACCESS_TOKEN", "env-token")
    with taskcluster.Queue(taskcluster.optionsFromEnvironment()) as queue:
        queue.task("abc")
    rec = server.requests[0]
    assert rec.target == "/api/queue/v1/task/abc"
    receiver = verify_request(server, rec, "env-client", "env-token")
    assert "ext" not in receiver.parsed_header


def test_client_options_keys_are_the_documented_ones():
    assert set(DEFAULTS) == {"rootUrl", "credentials", "authorizedScopes", "maxRetries",
                             "timeout", "delayFactor", "randomizationFactor", "maxDelay",
                             "signedUrlExpiration", "maxResponseBytes", "validatePayloads",
                             "validateResponses", "referencesDir"}


def test_resolved_options_read_like_the_taskcluster_package_dict():
    queue = taskcluster.Queue({"rootUrl": "https://tc.example.com/", "maxRetries": 2,
                               "authorizedScopes": ["a"],
                               "credentials": {"clientId": "c", "accessToken": "tok-SECRET"}})
    assert queue.options["rootUrl"] == "https://tc.example.com/"
    assert queue.options["maxRetries"] == 2
    assert queue.options["authorizedScopes"] == ["a"]
    assert queue.options["credentials"]["clientId"] == "c"
    assert queue.options.get("nope", 7) == 7
    with pytest.raises(KeyError):
        queue.options["nope"]
    assert "tok-SECRET" not in repr(queue.options) and "tok-SECRET" not in str(queue.options)
    assert "<hidden>" in repr(queue.options)


def test_changing_client_options_takes_effect_at_the_next_call():
    # As with the package, ``client.options`` is a dict to read and change.
    queue = taskcluster.Queue({"rootUrl": "https://tc.example.com"})
    queue.options["rootUrl"] = "https://other.example.com"
    assert queue.buildUrl("ping") == "https://other.example.com/api/queue/v1/ping"
    queue.options["credentials"] = {"clientId": "c", "accessToken": "t"}
    assert "bewit=" in queue.buildSignedUrl("ping")
    queue.options["maxRetries"] = -1
    with pytest.raises(taskcluster.TaskclusterInputError, match="maxRetries"):
        queue.buildUrl("ping")


def test_config_supplies_defaults_to_clients_made_afterwards():
    from taskcluster import client
    saved = dict(client.config)
    try:
        client.config["rootUrl"] = "https://from-config.example.com"
        client.config["maxRetries"] = 1
        queue = taskcluster.Queue()
        assert queue.buildUrl("ping") == "https://from-config.example.com/api/queue/v1/ping"
        assert queue.options["maxRetries"] == 1
        assert taskcluster.Queue({"maxRetries": 3}).options["maxRetries"] == 3
    finally:
        client.config.clear()
        client.config.update(saved)


def test_repr_of_config_and_module_options_hide_secrets():
    from taskcluster import client
    saved = dict(client.config)
    try:
        client.config["credentials"] = {"clientId": "c", "accessToken": "cfg-SECRET",
                                        "certificate": '{"signature": "cert-SECRET"}'}
        client.queue.options["credentials"] = {"clientId": "d", "accessToken": "mod-SECRET"}
        shown = repr(client.config) + str(client.config) + repr(client.queue.options) + \
            str(client.queue.options) + "%s %r" % (client.config, client.queue.options)
        for secret in ("cfg-SECRET", "cert-SECRET", "mod-SECRET"):
            assert secret not in shown
        assert client.config["credentials"]["accessToken"] == "cfg-SECRET"   # still a dict
    finally:
        client.config.clear()
        client.config.update(saved)
        client.queue.options.clear()


@pytest.mark.parametrize("root_url,root,part", [
    ("https://tc.example.com/api/queue/v1", "https://tc.example.com", "/api/queue/v1"),
    ("https://tc.example.com/api/queue/v1/", "https://tc.example.com", "/api/queue/v1"),
    ("https://tc.example.com/api", "https://tc.example.com", "/api"),
    ("https://tc.example.com/references/manifest.json", "https://tc.example.com",
     "/references/manifest.json"),
    ("http://127.0.0.1:8080/tc/api/auth/v1", "http://127.0.0.1:8080/tc", "/api/auth/v1"),
])
def test_a_root_url_holding_a_service_path_is_refused_saying_what_to_drop(root_url, root, part,
                                                                          server):
    with pytest.raises(TaskclusterInputError) as info:
        taskcluster.Queue({"rootUrl": root_url})
    assert info.value.argument == "rootUrl"
    assert str(info.value) == (
        "Queue: rootUrl is the deployment's root URL, such as %r, not a URL inside it: "
        "drop %r from %r" % (root, part, root_url.rstrip("/")))
    with pytest.raises(TaskclusterInputError, match="drop '/api/queue/v1'"):
        taskcluster.aio.Queue({"rootUrl": server.url + "/api/queue/v1"})
    assert server.requests == []


def test_a_root_url_with_another_path_is_used_with_one_warning(server, caplog):
    queue = taskcluster.Queue({"rootUrl": server.url + "/prefix-once"})
    taskcluster.Queue({"rootUrl": server.url + "/prefix-once/"})
    warned = [r for r in caplog.records if r.name == "taskcluster"]
    assert len(warned) == 1 and warned[0].levelname == "WARNING"
    assert "rootUrl %r has a path ('/prefix-once')" % (server.url + "/prefix-once") \
        in warned[0].getMessage()
    assert queue.ping() == {"method": "GET", "target": "/prefix-once/api/queue/v1/ping"}
